/**
 * Published-formula indicators (Keltner, Donchian, Ichimoku, SuperTrend, VWAP) against straightforward
 * array-based reference implementations written here from the published definitions, plus hand-computed values.
 */
import { describe, expect, it } from 'vitest';
import { computeBatch } from '../../functions/lib/indicators/index.ts';
import type { Bar } from '../../functions/lib/indicators/types.ts';
import { syntheticBars } from './fixtures.ts';

const bars = syntheticBars(10_000, 5);
const H = bars.map((b) => b.high);
const L = bars.map((b) => b.low);
const C = bars.map((b) => b.close);
const TP = bars.map((b) => (b.high + b.low + b.close) / 3);

const highest = (a: number[], end: number, n: number) => Math.max(...a.slice(end - n + 1, end + 1));
const lowest = (a: number[], end: number, n: number) => Math.min(...a.slice(end - n + 1, end + 1));

function refEma(x: number[], n: number): number[] {
  const out = x.map(() => NaN);
  const k = 2 / (n + 1);
  out[n - 1] = x.slice(0, n).reduce((s, v) => s + v, 0) / n;
  for (let i = n; i < x.length; i++) out[i] = k * (x[i] as number) + (1 - k) * (out[i - 1] as number);
  return out;
}

/** Wilder ATR: true range from bar 1, first value = mean of TR[1..n], then (prev*(n-1)+TR)/n. */
function refAtr(n: number): number[] {
  const tr = bars.map((b, i) => (i === 0 ? NaN : Math.max(b.high - b.low, Math.abs(b.high - (C[i - 1] as number)), Math.abs(b.low - (C[i - 1] as number)))));
  const out = bars.map(() => NaN);
  out[n] = tr.slice(1, n + 1).reduce((s, v) => s + v, 0) / n;
  for (let i = n + 1; i < bars.length; i++) out[i] = ((out[i - 1] as number) * (n - 1) + (tr[i] as number)) / n;
  return out;
}

function expectClose(got: Float64Array, want: number[], what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as number;
    const g = got[i] as number;
    if (w !== w) {
      expect(g, `${what}[${i}] should be warm-up`).toBeNaN();
      continue;
    }
    expect(Math.abs(g - w) / Math.max(1, Math.abs(w)), `${what}[${i}]: ${g} vs ${w}`).toBeLessThanOrEqual(1e-9);
  }
}

describe('published-formula indicators vs reference implementations (10,000 candles)', () => {
  it('DONCHIAN(20): highest high / lowest low including the current bar', () => {
    const r = computeBatch({ name: 'DONCHIAN' }, bars);
    const up = bars.map((_, i) => (i < 19 ? NaN : highest(H, i, 20)));
    const lo = bars.map((_, i) => (i < 19 ? NaN : lowest(L, i, 20)));
    expectClose(r.upper as Float64Array, up, 'upper');
    expectClose(r.lower as Float64Array, lo, 'lower');
    expectClose(r.middle as Float64Array, up.map((u, i) => (u + (lo[i] as number)) / 2), 'middle');
  });

  it('VWAP: cumulative and rolling(20) typical-price VWAP', () => {
    const cum = computeBatch({ name: 'VWAP' }, bars).vwap as Float64Array;
    let pv = 0;
    let v = 0;
    expectClose(cum, bars.map((b, i) => ((pv += (TP[i] as number) * b.volume), (v += b.volume), pv / v)), 'cumulative');
    const roll = computeBatch({ name: 'VWAP', params: { window: 20 } }, bars).vwap as Float64Array;
    const want = bars.map((_, i) => {
      if (i < 19) return NaN;
      let a = 0;
      let w = 0;
      for (let j = i - 19; j <= i; j++) {
        a += (TP[j] as number) * (bars[j] as Bar).volume;
        w += (bars[j] as Bar).volume;
      }
      return a / w;
    });
    expectClose(roll, want, 'rolling');
  });

  it('KELTNER(20, 10, 2): EMA(typical price) ± 2 * ATR(10)', () => {
    const r = computeBatch({ name: 'KELTNER' }, bars);
    const mid = refEma(TP, 20);
    const atr = refAtr(10);
    const ok = (i: number) => i >= 19 && i >= 10;
    expectClose(r.middle as Float64Array, mid.map((m, i) => (ok(i) ? m : NaN)), 'middle');
    expectClose(r.upper as Float64Array, mid.map((m, i) => (ok(i) ? m + 2 * (atr[i] as number) : NaN)), 'upper');
    expectClose(r.lower as Float64Array, mid.map((m, i) => (ok(i) ? m - 2 * (atr[i] as number) : NaN)), 'lower');
  });

  it('ICHIMOKU(9, 26, 52, 26): midpoint lines, spans and the displaced cloud', () => {
    const r = computeBatch({ name: 'ICHIMOKU' }, bars);
    const mid = (n: number) => bars.map((_, i) => (i < n - 1 ? NaN : (highest(H, i, n) + lowest(L, i, n)) / 2));
    const tenkan = mid(9);
    const kijun = mid(26);
    const spanA = tenkan.map((t, i) => (t + (kijun[i] as number)) / 2);
    const spanB = mid(52);
    expectClose(r.tenkan as Float64Array, tenkan, 'tenkan');
    expectClose(r.kijun as Float64Array, kijun, 'kijun');
    expectClose(r.senkouA as Float64Array, spanA, 'senkouA');
    expectClose(r.senkouB as Float64Array, spanB, 'senkouB');
    expectClose(r.chikou as Float64Array, C, 'chikou');
    expectClose(r.cloudA as Float64Array, bars.map((_, i) => (i < 26 ? NaN : (spanA[i - 26] as number))), 'cloudA');
    expectClose(r.cloudB as Float64Array, bars.map((_, i) => (i < 26 ? NaN : (spanB[i - 26] as number))), 'cloudB');
  });

  it('SUPERTREND(10, 3): TradingView ta.supertrend rules, direction +1 up / -1 down', () => {
    const r = computeBatch({ name: 'SUPERTREND' }, bars);
    const atr = refAtr(10);
    const st: number[] = [];
    const dir: number[] = [];
    let up = NaN;
    let lo = NaN;
    let prevSt = NaN;
    for (let i = 0; i < bars.length; i++) {
      const a = atr[i] as number;
      if (a !== a) {
        st.push(NaN);
        dir.push(NaN);
        continue;
      }
      const src = ((H[i] as number) + (L[i] as number)) / 2;
      let u = src + 3 * a;
      let l = src - 3 * a;
      const prevL = lo === lo ? lo : 0;
      const prevU = up === up ? up : 0;
      const pc = C[i - 1] as number;
      l = l > prevL || pc < prevL ? l : prevL;
      u = u < prevU || pc > prevU ? u : prevU;
      let tvDir: number;
      if (prevSt !== prevSt) tvDir = 1;
      else if (prevSt === up) tvDir = (C[i] as number) > u ? -1 : 1;
      else tvDir = (C[i] as number) < l ? 1 : -1;
      prevSt = tvDir === -1 ? l : u;
      up = u;
      lo = l;
      st.push(prevSt);
      dir.push(-tvDir);
    }
    expectClose(r.supertrend as Float64Array, st, 'supertrend');
    expectClose(r.direction as Float64Array, dir, 'direction');
    expect(dir.filter((d) => d === 1).length).toBeGreaterThan(1000);
    expect(dir.filter((d) => d === -1).length).toBeGreaterThan(1000);
  });
});

describe('published-formula indicators: hand-computed values', () => {
  const bar = (open: number, high: number, low: number, close: number, volume: number, i: number): Bar => ({ time: i * 60_000, open, high, low, close, volume });
  const hand: Bar[] = [
    bar(10, 12, 9, 11, 100, 0),
    bar(11, 13, 10, 12, 200, 1),
    bar(12, 14, 11, 13, 100, 2),
    bar(13, 13.5, 8, 9, 300, 3),
    bar(9, 10, 7, 8, 100, 4),
    bar(8, 15, 8, 14.5, 100, 5),
  ];
  const at = (r: Record<string, Float64Array>, o: string) => Array.from(r[o] as Float64Array);

  it('DONCHIAN(3)', () => {
    const r = computeBatch({ name: 'DONCHIAN', params: { period: 3 } }, hand);
    expect(at(r, 'upper').slice(2, 5)).toEqual([14, 14, 14]);
    expect(at(r, 'lower').slice(2, 5)).toEqual([9, 8, 7]);
    expect(at(r, 'middle').slice(2, 5)).toEqual([11.5, 11, 10.5]);
  });

  it('VWAP cumulative and window 2', () => {
    const cum = at(computeBatch({ name: 'VWAP' }, hand), 'vwap');
    expect(cum[0]).toBeCloseTo(32 / 3, 12);
    expect(cum[1]).toBeCloseTo(10200 / 900, 12);
    expect(cum[2]).toBeCloseTo(14000 / 1200, 12);
    const roll = at(computeBatch({ name: 'VWAP', params: { window: 2 } }, hand), 'vwap');
    expect(roll[0]).toBeNaN();
    expect(roll[2]).toBeCloseTo(12, 12);
  });

  it('ICHIMOKU(2, 3, 4, 2)', () => {
    const r = computeBatch({ name: 'ICHIMOKU', params: { conversion: 2, base: 3, spanB: 4, displacement: 2 } }, hand);
    expect(at(r, 'tenkan').slice(1, 3)).toEqual([11, 12]);
    expect(at(r, 'kijun')[2]).toBe(11.5);
    expect(at(r, 'senkouA')[2]).toBe(11.75);
    expect(at(r, 'senkouB')[3]).toBe(11);
    expect(at(r, 'tenkan')[4]).toBe(10.25);
    expect(at(r, 'kijun')[4]).toBe(10.5);
    expect(at(r, 'senkouA')[4]).toBe(10.375);
    expect(at(r, 'senkouB')[4]).toBe(10.5);
    expect(at(r, 'cloudA')[4]).toBe(11.75);
    expect(at(r, 'cloudB')[5]).toBe(11);
    expect(at(r, 'chikou')[3]).toBe(9);
  });

  it('SUPERTREND(1, 1): stays down while close is under the band, flips up on bar 5', () => {
    const r = computeBatch({ name: 'SUPERTREND', params: { period: 1, mult: 1 } }, hand);
    expect(at(r, 'supertrend')).toEqual([NaN, 14.5, 14.5, 14.5, 11.5, 5.5]);
    expect(at(r, 'direction')).toEqual([NaN, -1, -1, -1, -1, 1]);
  });

  it('KELTNER(2, 1, 1)', () => {
    const r = computeBatch({ name: 'KELTNER', params: { period: 2, atrPeriod: 1, mult: 1 } }, hand);
    expect(at(r, 'middle')[1]).toBeCloseTo(67 / 6, 12);
    expect(at(r, 'upper')[1]).toBeCloseTo(67 / 6 + 3, 12);
    expect(at(r, 'middle')[2]).toBeCloseTo(73 / 6, 12);
    expect(at(r, 'lower')[2]).toBeCloseTo(73 / 6 - 3, 12);
  });
});
