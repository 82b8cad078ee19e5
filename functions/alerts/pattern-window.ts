import { computePatternBatch, type PatternName } from '../lib/patterns/index.ts';
import type { KeptBar } from '../lib/state/index.ts';

/** Closed bars fed before the current one: more than any of the 13 patterns' TA-Lib lookback (at most 14). */
export const PATTERN_WINDOW = 30;

/**
 * TA-Lib's value for `name` on `current` given the closed bars before it (null during the lookback). TA-Lib's candle
 * averages cover a fixed trailing window, so a fresh run over the last PATTERN_WINDOW bars equals the streaming value
 * and needs no detector snapshots in state.
 */
export function patternAt(name: PatternName, history: readonly KeptBar[], current: KeptBar): number | null {
  const window = [...history.slice(-PATTERN_WINDOW), current].map((b) => ({ time: b.t, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v }));
  const out = computePatternBatch(name, window);
  const value = out[out.length - 1] as number;
  return Number.isNaN(value) ? null : value;
}
