import type { SeriesRunner } from './series-runner.ts';

/**
 * Series runners kept decoded between batches, each under the store version it was saved as. The store stays the
 * truth: a runner is reused only while the stored version is still the one this instance wrote, so a replica that
 * wrote the series meanwhile, an expired key or a restart all fall back to decoding the stored state. Decoding and
 * restoring the kernels cost about a third of the function's CPU at small batches.
 */
export class RunnerCache {
  private readonly entries = new Map<string, { version: number; runner: SeriesRunner }>();

  constructor(private readonly capacity: number) {}

  /**
   * The runner saved as `version` of `key`, removed from the cache: the batch that takes it mutates it, and only a
   * committed batch puts it back (a failed or retried batch must not leave a half-advanced runner behind).
   */
  take(key: string, version: number): SeriesRunner | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    return version !== 0 && entry.version === version ? entry.runner : undefined;
  }

  /** Keeps `runner` as `version` of `key`, dropping the least recently stored series beyond the capacity. */
  put(key: string, version: number, runner: SeriesRunner): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { version, runner });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}
