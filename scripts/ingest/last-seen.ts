import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Bucket start (epoch ms) of the newest acknowledged candle per `exchange:symbol:timeframe`, kept across restarts. */
export class LastSeen {
  private constructor(private readonly file: string, private readonly map: Map<string, number>) {}

  static async open(file: string): Promise<LastSeen> {
    let entries: Record<string, number> = {};
    try {
      entries = JSON.parse(await readFile(file, 'utf8')) as Record<string, number>;
    } catch {
      // First start (or an unreadable file): nothing seen yet, so no gap to report.
    }
    return new LastSeen(file, new Map(Object.entries(entries)));
  }

  get(series: string): number | undefined {
    return this.map.get(series);
  }

  entries(): Array<[string, number]> {
    return [...this.map];
  }

  /** Records candles acknowledged by the pipeline and persists the map (write + rename: never a torn file). */
  async advance(candles: ReadonlyArray<{ series: string; timestamp: number }>): Promise<void> {
    let changed = false;
    for (const c of candles) {
      if ((this.map.get(c.series) ?? -Infinity) < c.timestamp) {
        this.map.set(c.series, c.timestamp);
        changed = true;
      }
    }
    if (!changed) return;
    await mkdir(dirname(this.file), { recursive: true });
    await writeFile(`${this.file}.tmp`, JSON.stringify(Object.fromEntries(this.map)));
    await rename(`${this.file}.tmp`, this.file);
  }
}
