/** Seeded synthetic candles and a thin wrapper around native TA-Lib (the oracle; tests and benches only). */
import { createRequire } from 'node:module';
import type { Bar } from '../../functions/lib/indicators/types.ts';

/** mulberry32: small, fast, seedable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random walk from 30000 with ±1% moves, wicks and uniform volume. Every 50th bar is a doji-like flat-ish candle
 * and every 97th repeats the previous close, so equality branches (flat diffs, doji) are exercised.
 */
export function syntheticBars(n: number, seed = 42): Bar[] {
  const r = rng(seed);
  const bars: Bar[] = [];
  let prev = 30000;
  for (let i = 0; i < n; i++) {
    const open = prev * (1 + (r() - 0.5) * 0.004);
    let close = open * (1 + (r() - 0.5) * 0.02);
    if (i % 50 === 7) close = open * (1 + (r() - 0.5) * 0.0002);
    if (i % 97 === 5) close = prev;
    const high = Math.max(open, close) * (1 + r() * 0.006);
    const low = Math.min(open, close) * (1 - r() * 0.006);
    const volume = 1 + r() * 1000;
    bars.push({ time: 1_700_000_000_000 + i * 60_000, open, high, low, close, volume });
    prev = close;
  }
  return bars;
}

interface TalibResult { begIndex: number; nbElement: number; result: Record<string, number[]> }
interface Talib { execute(args: Record<string, unknown>): TalibResult }

export const talib = createRequire(import.meta.url)('talib') as Talib;

/** Runs a TA-Lib function from bar 0 and returns each output aligned to the input bars (NaN before begIndex). */
export function talibAligned(name: string, bars: readonly Bar[], opts: Record<string, number>): { begIndex: number; out: Record<string, Float64Array> } {
  const n = bars.length;
  const res = talib.execute({
    name, startIdx: 0, endIdx: n - 1,
    open: bars.map((b) => b.open), high: bars.map((b) => b.high), low: bars.map((b) => b.low),
    close: bars.map((b) => b.close), volume: bars.map((b) => b.volume), inReal: bars.map((b) => b.close),
    ...opts,
  });
  const out: Record<string, Float64Array> = {};
  for (const [k, arr] of Object.entries(res.result)) {
    const col = new Float64Array(n).fill(NaN);
    arr.forEach((v, i) => {
      col[res.begIndex + i] = v;
    });
    out[k] = col;
  }
  return { begIndex: res.begIndex, out };
}

/**
 * Candles shaped to trigger multi-candle patterns: trending regimes of same-colour candles that open inside the
 * prior body, with many shaved shadows (so three soldiers/crows and stars occur), plus plain random bars.
 */
export function patternBars(n: number, seed = 7): Bar[] {
  const r = rng(seed);
  const bars: Bar[] = [];
  let prev = 100;
  let prevOpen = 100;
  let drift = 0;
  for (let i = 0; i < n; i++) {
    if (i % 6 === 0) drift = r() < 0.5 ? -1 : 1;
    const body = prev * (0.002 + r() * 0.02);
    const trend = r() < 0.7;
    // Open inside the previous body when trending, else gap a little.
    const open = trend ? prev - (prev - prevOpen) * r() * 0.5 : prev * (1 + (r() - 0.5) * 0.02);
    const close = trend ? open + drift * body : open + (r() < 0.5 ? -1 : 1) * body * r();
    const upWick = r() < 0.5 ? 0 : body * r();
    const downWick = r() < 0.5 ? 0 : body * r();
    bars.push({ time: i * 60_000, open, high: Math.max(open, close) + upWick, low: Math.min(open, close) - downWick, close, volume: 1 + r() * 100 });
    prevOpen = open;
    prev = close;
  }
  return bars;
}
