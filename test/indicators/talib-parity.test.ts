/** Every TA-Lib-convention indicator against native TA-Lib on 10,000 seeded candles: values and warm-up. */
import { describe, expect, it } from 'vitest';
import { computeBatch } from '../../functions/lib/indicators/index.ts';
import { TALIB_CASES } from './cases.ts';
import { patternBars, syntheticBars, talibAligned } from './fixtures.ts';

const datasets = { randomWalk: syntheticBars(10_000, 42), trending: patternBars(10_000, 7) };

/** First index holding a number (not NaN). */
function firstDefined(a: Float64Array): number {
  return a.findIndex((x) => x === x);
}

describe('indicators match native TA-Lib to 1e-9 relative', () => {
  for (const [dataName, bars] of Object.entries(datasets)) {
    for (const c of TALIB_CASES) {
      it(`${dataName}: ${c.spec.name} ${JSON.stringify(c.spec.params ?? {})} vs TA_${c.fn}`, () => {
        const mine = computeBatch(c.spec, bars);
        const ref = talibAligned(c.fn, bars, c.opts);
        for (const [ours, theirs] of Object.entries(c.outputs)) {
          const a = mine[ours] as Float64Array;
          const b = ref.out[theirs] as Float64Array;
          expect(firstDefined(a), `${ours} first defined index`).toBe(ref.begIndex);
          let worst = 0;
          let worstAt = -1;
          for (let i = ref.begIndex; i < bars.length; i++) {
            const err = Math.abs((a[i] as number) - (b[i] as number)) / Math.max(1, Math.abs(b[i] as number));
            if (!(err <= worst)) {
              worst = err;
              worstAt = i;
            }
          }
          expect(worst, `${ours} worst relative error at bar ${worstAt}`).toBeLessThanOrEqual(1e-9);
        }
      });
    }
  }
});
