/** TA-Lib CDL patterns: parity with native TA-Lib on three data sets, streaming == batch, peek, snapshot, replay. */
import { describe, expect, it } from 'vitest';
import { PATTERNS, computePatternBatch, computePatternBatchColumns, createPatternDetector, replayPattern } from '../../functions/lib/patterns/index.ts';
import type { Bar } from '../../functions/lib/indicators/types.ts';
import { patternBars, syntheticBars, talibAligned } from './fixtures.ts';
import { gDataBars } from './regdata.ts';

const datasets: Record<string, Bar[]> = { randomWalk: syntheticBars(10_000, 42), trending: patternBars(10_000, 7), taRegtest: gDataBars() };
const roundTrip = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

describe('candlestick patterns match native TA-Lib exactly', () => {
  for (const def of PATTERNS) {
    it(`${def.name}: same integers and lookback on every data set`, () => {
      let nonZero = 0;
      for (const [dataName, bars] of Object.entries(datasets)) {
        const mine = computePatternBatch(def.name, bars);
        const ref = talibAligned(def.name, bars, def.penetration === undefined ? {} : { optInPenetration: def.penetration });
        const want = ref.out.outInteger as Float64Array;
        expect(ref.begIndex, dataName).toBe(def.lookback);
        expect(mine.findIndex((x) => x === x), `${dataName} first defined`).toBe(ref.begIndex);
        for (let i = ref.begIndex; i < bars.length; i++) {
          if (mine[i] !== want[i]) expect(mine[i], `${dataName} bar ${i}`).toBe(want[i]);
          if (want[i] !== 0) nonZero++;
        }
      }
      // Each pattern fires somewhere, so the comparison covers its positive branch too.
      expect(nonZero).toBeGreaterThan(0);
    });
  }

  it('±80 outputs of ENGULFING and HARAMI are exercised', () => {
    const all = Object.values(datasets).flatMap((b) => [...computePatternBatch('CDLENGULFING', b), ...computePatternBatch('CDLHARAMI', b)]);
    expect(all.some((x) => Math.abs(x) === 80)).toBe(true);
  });

  it('non-default penetration matches TA-Lib', () => {
    const bars = datasets.trending as Bar[];
    for (const [name, pen] of [['CDLDARKCLOUDCOVER', 0.2], ['CDLMORNINGSTAR', 0.6], ['CDLEVENINGSTAR', 0.1]] as const) {
      const mine = computePatternBatch(name, bars, { penetration: pen });
      const want = talibAligned(name, bars, { optInPenetration: pen }).out.outInteger as Float64Array;
      expect(Array.from(mine).slice(20)).toEqual(Array.from(want).slice(20));
    }
  });
});

describe('streaming pattern detectors', () => {
  const bars = datasets.trending as Bar[];
  for (const def of PATTERNS) {
    it(`${def.name}: update == batch, peek is side-effect free, snapshot and replay`, () => {
      const batch = computePatternBatch(def.name, bars);
      const d = createPatternDetector(def.name);
      bars.forEach((bar, i) => {
        if (i < 40 || i % 23 === 0) {
          const before = JSON.stringify(d.snapshot());
          const f: Bar = { ...bar, close: (bar.open + bar.close) / 2 };
          const p = d.peek(f);
          expect(JSON.stringify(d.snapshot())).toBe(before);
          expect(p).toBe(createPatternDetector(def.name, undefined, roundTrip(d.snapshot())).update(f));
        }
        const got = d.update(bar);
        const want = batch[i] as number;
        expect(got, `bar ${i}`).toBe(want === want ? want : null);
      });

      const k = 5000;
      const a = createPatternDetector(def.name);
      bars.slice(0, k).forEach((b) => a.update(b));
      const snap = roundTrip(a.snapshot());
      const restored = createPatternDetector(def.name, undefined, snap);
      for (let i = k; i < k + 500; i++) expect(restored.update(bars[i] as Bar)).toBe(a.update(bars[i] as Bar));

      const old = bars[k] as Bar;
      const revised: Bar = { ...old, open: old.close, close: old.open };
      const corrected = [...bars.slice(0, k), revised, ...bars.slice(k + 1, k + 300)];
      const fresh = computePatternBatch(def.name, corrected);
      replayPattern(def.name, snap, corrected.slice(k)).results.forEach((r, j) => expect(r).toBe(fresh[k + j]));
    });
  }
  it('computePatternBatchColumns equals computePatternBatch, also on inputs shorter than the lookback', () => {
    for (const n of [bars.length, 13, 3, 0]) {
      const part = bars.slice(0, n);
      const cols = { open: part.map((b) => b.open), high: part.map((b) => b.high), low: part.map((b) => b.low), close: Float64Array.from(part, (b) => b.close) };
      for (const def of PATTERNS) expect(computePatternBatchColumns(def.name, cols), `${def.name} n=${n}`).toEqual(computePatternBatch(def.name, part));
    }
    expect(() => computePatternBatchColumns('CDLDOJI', { open: [1], high: [1], low: [1], close: [1, 2] })).toThrow(/equal length/);
  });
  // CDLDOJI does one to four candles one at a time, then four per pass: every split of the input is covered here.
  it('CDLDOJI in batch equals update() at every input length around its lookback', () => {
    for (let n = 0; n <= 24; n++) {
      const part = bars.slice(100, 100 + n);
      const d = createPatternDetector('CDLDOJI');
      const want = part.map((b) => d.update(b));
      const got = Array.from(computePatternBatch('CDLDOJI', part), (v) => (v === v ? v : null));
      expect(got, `n=${n}`).toEqual(want);
    }
  });
});
