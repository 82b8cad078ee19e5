import type { Versioned } from './types.ts';

/**
 * A stored value as adapters hand it out: its JSON text, parsed on first read of `value`. A function that still holds
 * the series decoded (functions/lib/state/decoded-cache.ts) compares the text and never parses it: parsing and
 * re-serialising each series' state was the largest CPU cost of the batch functions at small batches.
 */
export class StoredJson<T> implements Versioned<T> {
  private parsed: { value: T } | undefined;

  constructor(readonly json: string, readonly version: number) {}

  get value(): T {
    this.parsed ??= { value: JSON.parse(this.json) as T };
    return this.parsed.value;
  }
}
