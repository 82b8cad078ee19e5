import type { KeptBar } from './bar-history.ts';

/**
 * What already fired on one series, as state keeps it: each key with the candle time up to which it can still matter.
 * A candle at or after that time may be judged again (a redelivery, a revision) and must not fire the same key twice;
 * once every candle up to that time is past judging, the key is dropped, so state stays the size of the kept window.
 * Pairs, not an object keyed by the keys: every key is new, and objects with ever-new property names are slow to
 * build and parse (each name is a new hidden class).
 */
export type FiredKeys = Array<[key: string, until: number]>;

/**
 * The first candle time still judged: candles before the oldest kept bar, once `keep` bars are kept, are too old to
 * judge (their history is gone) and are passed over, so keys that only such candles could repeat are safe to drop.
 */
export function judgingHorizon(bars: readonly KeptBar[], keep: number): number {
  return bars.length >= keep ? (bars[0] as KeptBar).t : -Infinity;
}

/** Fired keys as a map; plain keys (state written before keys carried times) are kept until `until`. */
export function firedKeysOf(stored: ReadonlyArray<[string, number] | string> | undefined, until: number): Map<string, number> {
  const fired = new Map<string, number>();
  for (const entry of stored ?? []) {
    if (typeof entry === 'string') fired.set(entry, until);
    else fired.set(entry[0], entry[1]);
  }
  return fired;
}

/** The keys that can still matter at `horizon`, at most `max` of them (those mattering longest). */
export function firedKeysToKeep(fired: ReadonlyMap<string, number>, horizon: number, max: number): FiredKeys {
  const live: FiredKeys = [];
  for (const [key, until] of fired) if (until >= horizon) live.push([key, until]);
  if (live.length > max) live.sort((a, b) => a[1] - b[1]).splice(0, live.length - max);
  return live;
}
