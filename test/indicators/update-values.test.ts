/** updateValues(), the allocation-free streaming path, writes exactly what update() returns. */
import { describe, expect, it } from 'vitest';
import { INDICATORS, createIndicator } from '../../functions/lib/indicators/index.ts';
import { syntheticBars } from './fixtures.ts';

const bars = syntheticBars(2_000, 11);

describe('updateValues', () => {
  for (const info of INDICATORS) {
    it(`${info.name}: equals update() on every bar, in catalogue order, NaN for null`, () => {
      const viaResult = createIndicator({ name: info.name });
      const viaValues = createIndicator({ name: info.name });
      const out = new Float64Array(info.outputs.length);
      for (const bar of bars) {
        const values = viaResult.update(bar).values;
        const expected = Float64Array.from(info.outputs, (o) => values[o] ?? NaN);
        expect(viaValues.updateValues(bar, out)).toBe(out);
        expect(out).toEqual(expected);
      }
      expect(viaValues.snapshot()).toEqual(viaResult.snapshot());
    });
  }
});
