/** TA-Lib's own published regression values (ta_regtest/ta_test_func) on its 252-bar daily reference data. */
import { describe, expect, it } from 'vitest';
import { computeBatch } from '../../functions/lib/indicators/index.ts';
import { dailyRefBars } from './regdata.ts';

const bars = dailyRefBars();
/** The tolerance TA-Lib's own regtest applies to these values (test_util.c: TA_REAL_EQ(expected, actual, 0.01)). */
const near = (got: number | undefined, want: number) => expect(Math.abs((got as number) - want)).toBeLessThan(0.01);

describe('TA-Lib regression values (test_data.c, 252 daily bars)', () => {
  it('has the 252 reference bars', () => expect(bars.length).toBe(252));

  it('RSI(14) test_rsi.c: first 49.14, 52.32, 46.07, last 49.63, begIndex 14', () => {
    const rsi = computeBatch({ name: 'RSI', params: { period: 14 } }, bars).rsi as Float64Array;
    expect(rsi[13]).toBeNaN();
    near(rsi[14], 49.14);
    near(rsi[15], 52.32);
    near(rsi[16], 46.07);
    near(rsi[251], 49.63);
  });

  it('MACD(12,26,9) test_macd.c: first MACD -1.9738, signal -2.7071 at bar 33', () => {
    const m = computeBatch({ name: 'MACD' }, bars);
    expect((m.macd as Float64Array)[32]).toBeNaN();
    near((m.macd as Float64Array)[33], -1.9738);
    near((m.signal as Float64Array)[33], -2.7071);
    near((m.hist as Float64Array)[33], -1.9738 - -2.7071);
  });

  it('+DI/-DI(14) test_adx.c values', () => {
    const a = computeBatch({ name: 'ADX', params: { period: 14 } }, bars);
    const p = a.plusDI as Float64Array;
    const m = a.minusDI as Float64Array;
    near(p[14], 20.3781);
    near(p[14 + 13], 22.1073);
    near(p[14 + 14], 20.3746);
    near(p[14 + 237], 21.0);
    near(m[14], 30.1684);
    near(m[14 + 14], 24.969182);
    near(m[14 + 237], 21.1988);
  });
});
