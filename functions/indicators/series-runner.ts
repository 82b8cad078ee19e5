import type { IndicatorValue } from '../../schemas/ohlcv.ts';
import { createIndicator, type Bar, type IndicatorResult, type StreamingIndicator } from '../lib/indicators/index.ts';
import { packFloats, unpackFloats } from '../lib/state/packed-floats.ts';
import type { IndicatorSet } from './config.ts';

/**
 * Per-series state: snapshots after the newest closed bar (`head`), the recent closed bars, and a checkpoint (snapshots
 * before the oldest kept bar) from which any kept bar can be revised and everything after it replayed.
 */
export interface IndicatorSeriesState {
  config: string;
  head: Record<string, unknown> | null;
  checkpoint: Record<string, unknown> | null;
  /** The kept bars packed (packBars); a plain array in state written before packing, still read. */
  bars: string | Bar[];
}

const BAR_NUMBERS = 7;

/** Kept bars as packed float64s, 7 per bar (time, OHLC, volume, quote volume or NaN): most of a state's numbers. */
export function packBars(bars: readonly Bar[]): string {
  const out = new Float64Array(bars.length * BAR_NUMBERS);
  bars.forEach((b, i) => {
    const at = i * BAR_NUMBERS;
    out[at] = b.time;
    out[at + 1] = b.open;
    out[at + 2] = b.high;
    out[at + 3] = b.low;
    out[at + 4] = b.close;
    out[at + 5] = b.volume;
    out[at + 6] = b.quoteVolume ?? Number.NaN;
  });
  return packFloats(out);
}

export function unpackBars(packed: string | Bar[]): Bar[] {
  if (typeof packed !== 'string') return packed;
  const n = unpackFloats(packed);
  const bars: Bar[] = [];
  for (let i = 0; i + BAR_NUMBERS <= n.length; i += BAR_NUMBERS) {
    const bar: Bar = { time: n[i] as number, open: n[i + 1] as number, high: n[i + 2] as number, low: n[i + 3] as number, close: n[i + 4] as number, volume: n[i + 5] as number };
    const quoteVolume = n[i + 6] as number;
    if (!Number.isNaN(quoteVolume)) bar.quoteVolume = quoteVolume;
    bars.push(bar);
  }
  return bars;
}

type Live = Record<string, StreamingIndicator>;

function toValue(r: IndicatorResult): IndicatorValue {
  return { values: r.values, provenance: r.provenance, provisional: r.provisional };
}

/** Runs one series' indicators over a batch in memory; `toState()` gives what to store afterwards. */
export class SeriesRunner {
  private live: Live;
  private bars: Bar[];
  private checkpoint: Record<string, unknown> | null;

  constructor(private readonly set: IndicatorSet, private readonly configId: string, private readonly historyBars: number, state: IndicatorSeriesState | undefined) {
    const usable = state !== undefined && state.config === configId ? state : undefined;
    this.live = this.restore(usable?.head ?? null);
    this.bars = usable === undefined ? [] : unpackBars(usable.bars);
    this.checkpoint = usable?.checkpoint ?? null;
  }

  /** A forming candle: provisional values as if it closed now; nothing advances. */
  forming(bar: Bar): Record<string, IndicatorValue> {
    return this.map((id) => toValue((this.live[id] as StreamingIndicator).peek(bar)));
  }

  /** A closed (or revised) candle: advances, or replays from the checkpoint when it is not the newest. Undefined when it is older than the kept history. */
  closed(bar: Bar): Record<string, IndicatorValue> | undefined {
    const newest = this.bars.at(-1);
    if (newest === undefined || bar.time > newest.time) {
      this.bars.push(bar);
      return this.map((id) => toValue((this.live[id] as StreamingIndicator).update(bar)));
    }
    const oldest = this.bars[0] as Bar;
    if (bar.time < oldest.time) return undefined;
    const at = this.bars.findIndex((b) => b.time >= bar.time);
    if ((this.bars[at] as Bar).time === bar.time) this.bars[at] = bar;
    else this.bars.splice(at, 0, bar);
    // Replay the kept history from the checkpoint with the corrected bar in place.
    this.live = this.restore(this.checkpoint);
    let atBar: Record<string, IndicatorValue> = {};
    for (const b of this.bars) {
      const results = this.map((id) => toValue((this.live[id] as StreamingIndicator).update(b)));
      if (b.time === bar.time) atBar = results;
    }
    return atBar;
  }

  /**
   * What to store. The checkpoint is advanced past the oldest bars only once a quarter of historyBars more have
   * accumulated, then back down to historyBars: restoring, advancing and snapshotting it on every batch cost more than
   * all of the batch's indicator updates. A series so keeps between historyBars and 1.25x as many bars.
   */
  toState(): IndicatorSeriesState {
    const overflow = this.bars.length - this.historyBars;
    if (overflow > Math.ceil(this.historyBars / 4)) {
      const advanced = this.restore(this.checkpoint);
      for (const b of this.bars.slice(0, overflow)) for (const ind of Object.values(advanced)) ind.update(b);
      this.checkpoint = this.snapshot(advanced);
      this.bars = this.bars.slice(overflow);
    }
    return { config: this.configId, head: this.snapshot(this.live), checkpoint: this.checkpoint, bars: packBars(this.bars) };
  }

  private restore(snapshots: Record<string, unknown> | null): Live {
    const live: Live = {};
    for (const [id, spec] of Object.entries(this.set)) live[id] = createIndicator(spec, snapshots?.[id]);
    return live;
  }

  private snapshot(live: Live): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [id, ind] of Object.entries(live)) out[id] = ind.snapshot();
    return out;
  }

  private map(fn: (id: string) => IndicatorValue): Record<string, IndicatorValue> {
    const out: Record<string, IndicatorValue> = {};
    for (const id of Object.keys(this.set)) out[id] = fn(id);
    return out;
  }
}
