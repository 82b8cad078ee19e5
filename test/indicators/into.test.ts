/** Batch over columns into caller-owned output columns (the `into` argument) equals the allocating call. */
import { describe, expect, it } from 'vitest';
import { INDICATORS, computeBatchColumns } from '../../functions/lib/indicators/index.ts';
import type { Bar, IndicatorSpec } from '../../functions/lib/indicators/types.ts';
import { PATTERNS, computePatternBatchColumns } from '../../functions/lib/patterns/index.ts';
import { syntheticBars } from './fixtures.ts';

/** Columns of `bars` as Float64Arrays. */
function columnsOf(bars: readonly Bar[]) {
  return {
    open: Float64Array.from(bars, (b) => b.open), high: Float64Array.from(bars, (b) => b.high), low: Float64Array.from(bars, (b) => b.low),
    close: Float64Array.from(bars, (b) => b.close), volume: Float64Array.from(bars, (b) => b.volume),
  };
}

describe('batch into caller columns', () => {
  const clean = syntheticBars(400, 11);
  // A NaN close and a NaN high (the NaN hand-over paths) and a flat stretch.
  const dirty = clean.map((b, i): Bar => (i === 150 ? { ...b, close: NaN } : i === 250 ? { ...b, high: NaN } : i >= 60 && i < 90 ? { ...b, open: 100, high: 100, low: 100, close: 100 } : b));
  const specs: IndicatorSpec[] = [...INDICATORS.map((info) => ({ name: info.name })), { name: 'ATR', params: { period: 1 } }, { name: 'MACD', params: { fast: 30, slow: 4, signal: 1 } }];

  it('every indicator writes every entry of the given columns, warm-up NaN included, and returns them', () => {
    for (const bars of [clean, dirty, clean.slice(0, 5), []]) {
      const cols = columnsOf(bars);
      for (const spec of specs) {
        const outputs = INDICATORS.find((info) => info.name === spec.name)?.outputs ?? [];
        // Stale values from an earlier call must not survive.
        const into = Object.fromEntries(outputs.map((o) => [o, new Float64Array(bars.length).fill(7)]));
        const got = computeBatchColumns(spec, cols, into);
        expect(got, `${spec.name} n=${bars.length}`).toEqual(computeBatchColumns(spec, cols));
        for (const o of outputs) expect(got[o]).toBe(into[o]);
      }
    }
  });

  it('every pattern writes every entry of the given column and returns it', () => {
    for (const bars of [clean, dirty, clean.slice(0, 5), []]) {
      const cols = columnsOf(bars);
      for (const def of PATTERNS) {
        const into = new Float64Array(bars.length).fill(7);
        const got = computePatternBatchColumns(def.name, cols, undefined, into);
        expect(got, `${def.name} n=${bars.length}`).toEqual(computePatternBatchColumns(def.name, cols));
        expect(got).toBe(into);
      }
    }
  });

  it('rejects output columns of the wrong length, missing, or sharing memory with an input or each other', () => {
    const cols = columnsOf(clean);
    const n = clean.length;
    expect(() => computeBatchColumns({ name: 'SMA' }, cols, { sma: new Float64Array(n - 1) })).toThrow(/must be a Float64Array/);
    expect(() => computeBatchColumns({ name: 'SMA' }, cols, {})).toThrow(/must be a Float64Array/);
    expect(() => computeBatchColumns({ name: 'SMA' }, cols, { sma: cols.close })).toThrow(/shares memory/);
    const shared = new Float64Array(n);
    expect(() => computeBatchColumns({ name: 'BBANDS' }, cols, { upper: shared, middle: shared, lower: new Float64Array(n) })).toThrow(/shares memory/);
    expect(() => computePatternBatchColumns('CDLDOJI', cols, undefined, new Float64Array(n + 1))).toThrow(/must be a Float64Array/);
    expect(() => computePatternBatchColumns('CDLDOJI', cols, undefined, cols.open)).toThrow(/shares memory/);
  });
});
