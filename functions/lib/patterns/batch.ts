/**
 * Column batch for the CDL patterns: one loop per pattern, shaped like TA-Lib's ta_CDL*.c. Each candle-setting
 * average's total lives in a local, moved by TA_CANDLERANGE of the candle entering and the candle leaving its window
 * (PatternKernel's operation order), and the rule reads the columns directly. Why not one generic loop calling the
 * definition's detect(): that call site is shared by every pattern (megamorphic, never inlined) and the averages
 * went through per-definition plan arrays; it cost 4-15x TA-Lib's C. Shared helpers stay tiny: V8 inlines only a
 * bounded amount of bytecode per function, and a helper left as a real call boxes every double it returns.
 *
 * The rules are evaluated without branches: each comparison becomes a 0/1 number (Number(bool) compiles to a flag
 * read) and the conjunction a bitwise AND. A pattern's conditions hold on 5-50% of candles in no predictable order,
 * so the C-style short-circuit && mispredicted on most candles and cost more than the arithmetic. The comparisons
 * have no side effects, so & of all of them equals && of them, NaN included (a comparison with NaN is 0 either way).
 * Math.max/min (top and bottom of a body) compile to branches in V8, so those comparisons are spelled out pairwise:
 * min(a, b) > max(x, y) is a>x & a>y & b>x & b>y, which also holds for NaN (every term is then 0). Signs are
 * applied as 0 - value * colour so that a miss is +0, as the definitions return, never -0.
 *
 * Each loop repeats its definition's rule, with the range type TA-Lib's default settings give each average
 * (settings.ts), so the integers are identical to update() and to TA-Lib (test/indicators/patterns.test.ts).
 */
import { headEnd } from '../indicators/four-bar-loop.ts';
import type { PatternName } from './definitions.ts';
import { CANDLE_SETTINGS, type CandleSetting, RangeType } from './settings.ts';

/*
 * Range types as module constants: read through the import binding on every candle, `RangeType.X` cost more than
 * the range itself under a CommonJS-style loader (a getter call per read).
 */
const REAL_BODY: number = RangeType.RealBody;
const HIGH_LOW: number = RangeType.HighLow;

/** Open/high/low/close columns of equal length. */
export interface OhlcColumns { open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array }

/** TA_CANDLERANGE of candle b, with PatternKernel.range's expressions (for the initial totals). */
function rangeAt(type: number, o: Float64Array, h: Float64Array, l: Float64Array, c: Float64Array, b: number): number {
  const ob = o[b] as number;
  const cb = c[b] as number;
  if (type === REAL_BODY) return Math.abs(cb - ob);
  if (type === HIGH_LOW) return (h[b] as number) - (l[b] as number);
  return (h[b] as number) - (cb >= ob ? cb : ob) + ((cb >= ob ? ob : cb) - (l[b] as number));
}

/** 1 for true, 0 for false, without a branch. */
function bit(cond: boolean): number {
  return Number(cond);
}

/** |close - open| of candle b: TA_CANDLERANGE of a RealBody setting. */
function body(o: Float64Array, c: Float64Array, b: number): number {
  return Math.abs((c[b] as number) - (o[b] as number));
}

/** high - low of candle b: TA_CANDLERANGE of a HighLow setting. */
function highLow(h: Float64Array, l: Float64Array, b: number): number {
  return (h[b] as number) - (l[b] as number);
}

/** TA_CANDLEAVERAGE of a setting with an averaging window (avgPeriod > 0) whose range is not Shadows. */
function average(factor: number, total: number, period: number): number {
  return factor * (total / period);
}

/** TA-Lib's initial total of setting s for the average k candles back: candles [lookback-k-avgPeriod, lookback-k). */
function initialTotal(s: CandleSetting, k: number, lookback: number, o: Float64Array, h: Float64Array, l: Float64Array, c: Float64Array): number {
  let t = 0;
  for (let b = lookback - k - s.avgPeriod; b < lookback - k && b < c.length; b++) if (b >= 0) t += rangeAt(s.range, o, h, l, c, b);
  return t;
}

const S = CANDLE_SETTINGS;

/*
 * DOJI is four loads and a compare per candle, so V8's per-pass costs dominate it: each typed array, and each helper
 * function the body calls, is re-checked on every pass. Its main loop therefore spells the helpers out and does four
 * candles per pass (../indicators/four-bar-loop.ts).
 */
function dojiColumns({ open: o, high: h, low: l, close: c }: OhlcColumns, out: Float64Array, lookback: number): void {
  const len = c.length;
  const dojiF = S.BodyDoji.factor;
  const dojiP = S.BodyDoji.avgPeriod | 0;
  let dojiTotal = initialTotal(S.BodyDoji, 0, lookback, o, h, l, c);
  let i = lookback;
  for (const head = headEnd(i, len); i < head; i++) {
    out[i] = 100 * bit(body(o, c, i) <= average(dojiF, dojiTotal, dojiP));
    dojiTotal += highLow(h, l, i) - highLow(h, l, i - dojiP);
  }
  for (; i < len; i += 4) {
    const j = i - dojiP;
    const b0 = Math.abs((c[i] as number) - (o[i] as number));
    const b1 = Math.abs((c[i + 1] as number) - (o[i + 1] as number));
    const b2 = Math.abs((c[i + 2] as number) - (o[i + 2] as number));
    const b3 = Math.abs((c[i + 3] as number) - (o[i + 3] as number));
    const d0 = ((h[i] as number) - (l[i] as number)) - ((h[j] as number) - (l[j] as number));
    const d1 = ((h[i + 1] as number) - (l[i + 1] as number)) - ((h[j + 1] as number) - (l[j + 1] as number));
    const d2 = ((h[i + 2] as number) - (l[i + 2] as number)) - ((h[j + 2] as number) - (l[j + 2] as number));
    const d3 = ((h[i + 3] as number) - (l[i + 3] as number)) - ((h[j + 3] as number) - (l[j + 3] as number));
    out[i] = 100 * Number(b0 <= dojiF * (dojiTotal / dojiP));
    dojiTotal += d0;
    out[i + 1] = 100 * Number(b1 <= dojiF * (dojiTotal / dojiP));
    dojiTotal += d1;
    out[i + 2] = 100 * Number(b2 <= dojiF * (dojiTotal / dojiP));
    dojiTotal += d2;
    out[i + 3] = 100 * Number(b3 <= dojiF * (dojiTotal / dojiP));
    dojiTotal += d3;
  }
}

/*
 * HAMMER / HANGINGMAN and INVERTEDHAMMER / SHOOTINGSTAR share a shape and MORNINGSTAR / EVENINGSTAR mirror each
 * other, yet each has a loop of its own: one loop with a flag choosing the rule compiled, while only one pattern
 * had run, with the other rule's comparisons lacking type feedback, and ran at half speed.
 */

/** Small body, long lower shadow, very short upper shadow, body near the previous low (TA_CDLHAMMER, +100). */
function hammerColumns({ open: o, high: h, low: l, close: c }: OhlcColumns, out: Float64Array, lookback: number): void {
  const len = c.length;
  const { factor: bodyF, avgPeriod: bodyP } = S.BodyShort;
  const longF = S.ShadowLong.factor;
  const { factor: shortF, avgPeriod: shortP } = S.ShadowVeryShort;
  const { factor: nearF, avgPeriod: nearP } = S.Near;
  let bodyTotal = initialTotal(S.BodyShort, 0, lookback, o, h, l, c);
  let shortTotal = initialTotal(S.ShadowVeryShort, 0, lookback, o, h, l, c);
  let nearTotal = initialTotal(S.Near, 1, lookback, o, h, l, c);
  for (let i = lookback; i < len; i++) {
    const o0 = o[i] as number;
    const c0 = c[i] as number;
    const white = c0 >= o0;
    const body0 = Math.abs(c0 - o0);
    const shape = bit(body0 < average(bodyF, bodyTotal, bodyP)) & bit((white ? o0 : c0) - (l[i] as number) > longF * body0) &
      bit((h[i] as number) - (white ? c0 : o0) < average(shortF, shortTotal, shortP));
    // min(c0, o0) <= the previous low + Near; o0 and c0 are numbers whenever `shape` is 1.
    const near = (l[i - 1] as number) + average(nearF, nearTotal, nearP);
    out[i] = 100 * (shape & (bit(c0 <= near) | bit(o0 <= near)));
    bodyTotal += body0 - body(o, c, i - bodyP);
    shortTotal += highLow(h, l, i) - highLow(h, l, i - shortP);
    nearTotal += highLow(h, l, i - 1) - highLow(h, l, i - 1 - nearP);
  }
}

/** The hammer's shape with the body near the previous high (TA_CDLHANGINGMAN, -100). */
function hangingManColumns({ open: o, high: h, low: l, close: c }: OhlcColumns, out: Float64Array, lookback: number): void {
  const len = c.length;
  const { factor: bodyF, avgPeriod: bodyP } = S.BodyShort;
  const longF = S.ShadowLong.factor;
  const { factor: shortF, avgPeriod: shortP } = S.ShadowVeryShort;
  const { factor: nearF, avgPeriod: nearP } = S.Near;
  let bodyTotal = initialTotal(S.BodyShort, 0, lookback, o, h, l, c);
  let shortTotal = initialTotal(S.ShadowVeryShort, 0, lookback, o, h, l, c);
  let nearTotal = initialTotal(S.Near, 1, lookback, o, h, l, c);
  for (let i = lookback; i < len; i++) {
    const o0 = o[i] as number;
    const c0 = c[i] as number;
    const white = c0 >= o0;
    const body0 = Math.abs(c0 - o0);
    const shape = bit(body0 < average(bodyF, bodyTotal, bodyP)) & bit((white ? o0 : c0) - (l[i] as number) > longF * body0) &
      bit((h[i] as number) - (white ? c0 : o0) < average(shortF, shortTotal, shortP));
    // min(c0, o0) >= the previous high - Near; o0 and c0 are numbers whenever `shape` is 1.
    const near = (h[i - 1] as number) - average(nearF, nearTotal, nearP);
    out[i] = 0 - 100 * (shape & bit(c0 >= near) & bit(o0 >= near));
    bodyTotal += body0 - body(o, c, i - bodyP);
    shortTotal += highLow(h, l, i) - highLow(h, l, i - shortP);
    nearTotal += highLow(h, l, i - 1) - highLow(h, l, i - 1 - nearP);
  }
}

/** Small body gapping down, long upper shadow, very short lower shadow (TA_CDLINVERTEDHAMMER, +100). */
function invertedHammerColumns({ open: o, high: h, low: l, close: c }: OhlcColumns, out: Float64Array, lookback: number): void {
  const len = c.length;
  const { factor: bodyF, avgPeriod: bodyP } = S.BodyShort;
  const longF = S.ShadowLong.factor;
  const { factor: shortF, avgPeriod: shortP } = S.ShadowVeryShort;
  let bodyTotal = initialTotal(S.BodyShort, 0, lookback, o, h, l, c);
  let shortTotal = initialTotal(S.ShadowVeryShort, 0, lookback, o, h, l, c);
  for (let i = lookback; i < len; i++) {
    const o0 = o[i] as number;
    const c0 = c[i] as number;
    const o1 = o[i - 1] as number;
    const c1 = c[i - 1] as number;
    const white = c0 >= o0;
    const body0 = Math.abs(c0 - o0);
    const shape = bit(body0 < average(bodyF, bodyTotal, bodyP)) & bit((h[i] as number) - (white ? c0 : o0) > longF * body0) &
      bit((white ? o0 : c0) - (l[i] as number) < average(shortF, shortTotal, shortP));
    out[i] = 100 * (shape & bit(o0 < o1) & bit(o0 < c1) & bit(c0 < o1) & bit(c0 < c1));
    bodyTotal += body0 - body(o, c, i - bodyP);
    shortTotal += highLow(h, l, i) - highLow(h, l, i - shortP);
  }
}

/** The inverted hammer's shape gapping up (TA_CDLSHOOTINGSTAR, -100). */
function shootingStarColumns({ open: o, high: h, low: l, close: c }: OhlcColumns, out: Float64Array, lookback: number): void {
  const len = c.length;
  const { factor: bodyF, avgPeriod: bodyP } = S.BodyShort;
  const longF = S.ShadowLong.factor;
  const { factor: shortF, avgPeriod: shortP } = S.ShadowVeryShort;
  let bodyTotal = initialTotal(S.BodyShort, 0, lookback, o, h, l, c);
  let shortTotal = initialTotal(S.ShadowVeryShort, 0, lookback, o, h, l, c);
  for (let i = lookback; i < len; i++) {
    const o0 = o[i] as number;
    const c0 = c[i] as number;
    const o1 = o[i - 1] as number;
    const c1 = c[i - 1] as number;
    const white = c0 >= o0;
    const body0 = Math.abs(c0 - o0);
    const shape = bit(body0 < average(bodyF, bodyTotal, bodyP)) & bit((h[i] as number) - (white ? c0 : o0) > longF * body0) &
      bit((white ? o0 : c0) - (l[i] as number) < average(shortF, shortTotal, shortP));
    out[i] = 0 - 100 * (shape & bit(o0 > o1) & bit(o0 > c1) & bit(c0 > o1) & bit(c0 > c1));
    bodyTotal += body0 - body(o, c, i - bodyP);
    shortTotal += highLow(h, l, i) - highLow(h, l, i - shortP);
  }
}

function engulfingColumns({ open: o, close: c }: OhlcColumns, out: Float64Array, lookback: number): void {
  const len = c.length;
  for (let i = lookback; i < len; i++) {
    const o0 = o[i] as number;
    const c0 = c[i] as number;
    const o1 = o[i - 1] as number;
    const c1 = c[i - 1] as number;
    const white0 = bit(c0 >= o0);
    const white1 = bit(c1 >= o1);
    const bull = white0 & (white1 ^ 1) & ((bit(c0 >= o1) & bit(o0 < c1)) | (bit(c0 > o1) & bit(o0 <= c1)));
    const bear = (white0 ^ 1) & white1 & ((bit(o0 >= c1) & bit(c0 < o1)) | (bit(o0 > c1) & bit(c0 <= o1)));
    // 100 when neither end matches the previous body's, else 80; signed by this candle's colour.
    const size = 80 + 20 * (bit(o0 !== c1) & bit(c0 !== o1));
    out[i] = 0 - (bull | bear) * size * (1 - 2 * white0);
  }
}

function haramiColumns({ open: o, high: h, low: l, close: c }: OhlcColumns, out: Float64Array, lookback: number): void {
  const len = c.length;
  const { factor: longF, avgPeriod: longP } = S.BodyLong;
  const { factor: shortF, avgPeriod: shortP } = S.BodyShort;
  let longTotal = initialTotal(S.BodyLong, 1, lookback, o, h, l, c);
  let shortTotal = initialTotal(S.BodyShort, 0, lookback, o, h, l, c);
  for (let i = lookback; i < len; i++) {
    const o0 = o[i] as number;
    const c0 = c[i] as number;
    const o1 = o[i - 1] as number;
    const c1 = c[i - 1] as number;
    const body0 = Math.abs(c0 - o0);
    const body1 = Math.abs(c1 - o1);
    const gate = bit(body1 > average(longF, longTotal, longP)) & bit(body0 <= average(shortF, shortTotal, shortP));
    // The gate compares both bodies, so all four prices are numbers when it is 1. top0 < top1 & bottom0 > bottom1:
    const inside = (bit(o0 < o1) | bit(o0 < c1)) & (bit(c0 < o1) | bit(c0 < c1)) & (bit(o0 > o1) | bit(o0 > c1)) & (bit(c0 > o1) | bit(c0 > c1));
    const within = (bit(o0 <= o1) | bit(o0 <= c1)) & (bit(c0 <= o1) | bit(c0 <= c1)) & (bit(o0 >= o1) | bit(o0 >= c1)) & (bit(c0 >= o1) | bit(c0 >= c1));
    // -colour(1) x (100 strictly inside, 80 inside with an end touching); `inside` implies `within`.
    out[i] = 0 - gate * (80 * within + 20 * inside) * (2 * bit(c1 >= o1) - 1);
    longTotal += body1 - body(o, c, i - 1 - longP);
    shortTotal += body0 - body(o, c, i - shortP);
  }
}

function piercingColumns({ open: o, high: h, low: l, close: c }: OhlcColumns, out: Float64Array, lookback: number): void {
  const len = c.length;
  const { factor: longF, avgPeriod: longP } = S.BodyLong;
  let total1 = initialTotal(S.BodyLong, 1, lookback, o, h, l, c);
  let total0 = initialTotal(S.BodyLong, 0, lookback, o, h, l, c);
  for (let i = lookback; i < len; i++) {
    const o0 = o[i] as number;
    const c0 = c[i] as number;
    const o1 = o[i - 1] as number;
    const c1 = c[i - 1] as number;
    const body0 = Math.abs(c0 - o0);
    const body1 = Math.abs(c1 - o1);
    out[i] = 100 * (bit(c1 < o1) & bit(body1 > average(longF, total1, longP)) & bit(c0 >= o0) & bit(body0 > average(longF, total0, longP)) &
      bit(o0 < (l[i - 1] as number)) & bit(c0 < o1) & bit(c0 > c1 + body1 * 0.5));
    total1 += body1 - body(o, c, i - 1 - longP);
    total0 += body0 - body(o, c, i - longP);
  }
}

function darkCloudCoverColumns({ open: o, high: h, low: l, close: c }: OhlcColumns, out: Float64Array, lookback: number, penetration: number): void {
  const len = c.length;
  const { factor: longF, avgPeriod: longP } = S.BodyLong;
  let total1 = initialTotal(S.BodyLong, 1, lookback, o, h, l, c);
  for (let i = lookback; i < len; i++) {
    const o0 = o[i] as number;
    const c0 = c[i] as number;
    const o1 = o[i - 1] as number;
    const c1 = c[i - 1] as number;
    const body1 = Math.abs(c1 - o1);
    out[i] = 0 - 100 * (bit(c1 >= o1) & bit(body1 > average(longF, total1, longP)) & bit(c0 < o0) & bit(o0 > (h[i - 1] as number)) &
      bit(c0 > o1) & bit(c0 < c1 - body1 * penetration));
    total1 += body1 - body(o, c, i - 1 - longP);
  }
}

/** Long black, short body gapping down, white closing `penetration` into the first body (TA_CDLMORNINGSTAR, +100). */
function morningStarColumns({ open: o, high: h, low: l, close: c }: OhlcColumns, out: Float64Array, lookback: number, penetration: number): void {
  const len = c.length;
  const { factor: longF, avgPeriod: longP } = S.BodyLong;
  const { factor: shortF, avgPeriod: shortP } = S.BodyShort;
  let longTotal = initialTotal(S.BodyLong, 2, lookback, o, h, l, c);
  let shortTotal1 = initialTotal(S.BodyShort, 1, lookback, o, h, l, c);
  let shortTotal0 = initialTotal(S.BodyShort, 0, lookback, o, h, l, c);
  for (let i = lookback; i < len; i++) {
    const o0 = o[i] as number;
    const c0 = c[i] as number;
    const o1 = o[i - 1] as number;
    const c1 = c[i - 1] as number;
    const o2 = o[i - 2] as number;
    const c2 = c[i - 2] as number;
    const body0 = Math.abs(c0 - o0);
    const body1 = Math.abs(c1 - o1);
    const body2 = Math.abs(c2 - o2);
    const shape = bit(body2 > average(longF, longTotal, longP)) & bit(body1 <= average(shortF, shortTotal1, shortP)) & bit(body0 > average(shortF, shortTotal0, shortP));
    out[i] = 100 * (shape & bit(c2 < o2) & bit(o1 < o2) & bit(o1 < c2) & bit(c1 < o2) & bit(c1 < c2) & bit(c0 >= o0) & bit(c0 > c2 + body2 * penetration));
    longTotal += body2 - body(o, c, i - 2 - longP);
    shortTotal1 += body1 - body(o, c, i - 1 - shortP);
    shortTotal0 += body0 - body(o, c, i - shortP);
  }
}

/** Long white, short body gapping up, black closing `penetration` into the first body (TA_CDLEVENINGSTAR, -100). */
function eveningStarColumns({ open: o, high: h, low: l, close: c }: OhlcColumns, out: Float64Array, lookback: number, penetration: number): void {
  const len = c.length;
  const { factor: longF, avgPeriod: longP } = S.BodyLong;
  const { factor: shortF, avgPeriod: shortP } = S.BodyShort;
  let longTotal = initialTotal(S.BodyLong, 2, lookback, o, h, l, c);
  let shortTotal1 = initialTotal(S.BodyShort, 1, lookback, o, h, l, c);
  let shortTotal0 = initialTotal(S.BodyShort, 0, lookback, o, h, l, c);
  for (let i = lookback; i < len; i++) {
    const o0 = o[i] as number;
    const c0 = c[i] as number;
    const o1 = o[i - 1] as number;
    const c1 = c[i - 1] as number;
    const o2 = o[i - 2] as number;
    const c2 = c[i - 2] as number;
    const body0 = Math.abs(c0 - o0);
    const body1 = Math.abs(c1 - o1);
    const body2 = Math.abs(c2 - o2);
    const shape = bit(body2 > average(longF, longTotal, longP)) & bit(body1 <= average(shortF, shortTotal1, shortP)) & bit(body0 > average(shortF, shortTotal0, shortP));
    out[i] = 0 - 100 * (shape & bit(c2 >= o2) & bit(o1 > o2) & bit(o1 > c2) & bit(c1 > o2) & bit(c1 > c2) & bit(c0 < o0) & bit(c0 < c2 - body2 * penetration));
    longTotal += body2 - body(o, c, i - 2 - longP);
    shortTotal1 += body1 - body(o, c, i - 1 - shortP);
    shortTotal0 += body0 - body(o, c, i - shortP);
  }
}

function threeWhiteSoldiersColumns({ open: o, high: h, low: l, close: c }: OhlcColumns, out: Float64Array, lookback: number): void {
  const len = c.length;
  const { factor: shortF, avgPeriod: shortP } = S.ShadowVeryShort;
  const { factor: nearF, avgPeriod: nearP } = S.Near;
  const { factor: farF, avgPeriod: farP } = S.Far;
  const { factor: bodyF, avgPeriod: bodyP } = S.BodyShort;
  let short2 = initialTotal(S.ShadowVeryShort, 2, lookback, o, h, l, c);
  let short1 = initialTotal(S.ShadowVeryShort, 1, lookback, o, h, l, c);
  let short0 = initialTotal(S.ShadowVeryShort, 0, lookback, o, h, l, c);
  let near2 = initialTotal(S.Near, 2, lookback, o, h, l, c);
  let near1 = initialTotal(S.Near, 1, lookback, o, h, l, c);
  let far2 = initialTotal(S.Far, 2, lookback, o, h, l, c);
  let far1 = initialTotal(S.Far, 1, lookback, o, h, l, c);
  let bodyTotal = initialTotal(S.BodyShort, 0, lookback, o, h, l, c);
  for (let i = lookback; i < len; i++) {
    const o0 = o[i] as number;
    const c0 = c[i] as number;
    const o1 = o[i - 1] as number;
    const c1 = c[i - 1] as number;
    const o2 = o[i - 2] as number;
    const c2 = c[i - 2] as number;
    const body0 = Math.abs(c0 - o0);
    const body1 = Math.abs(c1 - o1);
    const hl0 = highLow(h, l, i);
    const hl1 = highLow(h, l, i - 1);
    const hl2 = highLow(h, l, i - 2);
    // All three white, so each upper shadow is high - close.
    const rising = bit(c2 >= o2) & bit(c1 >= o1) & bit(c0 >= o0) & bit(c0 > c1) & bit(c1 > c2) & bit(o1 > o2) & bit(o0 > o1);
    const shadows = bit((h[i - 2] as number) - c2 < average(shortF, short2, shortP)) & bit((h[i - 1] as number) - c1 < average(shortF, short1, shortP)) &
      bit((h[i] as number) - c0 < average(shortF, short0, shortP));
    const opens = bit(o1 <= c2 + average(nearF, near2, nearP)) & bit(o0 <= c1 + average(nearF, near1, nearP));
    const bodies = bit(body1 > Math.abs(c2 - o2) - average(farF, far2, farP)) & bit(body0 > body1 - average(farF, far1, farP)) & bit(body0 > average(bodyF, bodyTotal, bodyP));
    out[i] = 100 * (rising & shadows & opens & bodies);
    short2 += hl2 - highLow(h, l, i - 2 - shortP);
    short1 += hl1 - highLow(h, l, i - 1 - shortP);
    short0 += hl0 - highLow(h, l, i - shortP);
    near2 += hl2 - highLow(h, l, i - 2 - nearP);
    near1 += hl1 - highLow(h, l, i - 1 - nearP);
    far2 += hl2 - highLow(h, l, i - 2 - farP);
    far1 += hl1 - highLow(h, l, i - 1 - farP);
    bodyTotal += body0 - body(o, c, i - bodyP);
  }
}

function threeBlackCrowsColumns({ open: o, high: h, low: l, close: c }: OhlcColumns, out: Float64Array, lookback: number): void {
  const len = c.length;
  const { factor: shortF, avgPeriod: shortP } = S.ShadowVeryShort;
  let short2 = initialTotal(S.ShadowVeryShort, 2, lookback, o, h, l, c);
  let short1 = initialTotal(S.ShadowVeryShort, 1, lookback, o, h, l, c);
  let short0 = initialTotal(S.ShadowVeryShort, 0, lookback, o, h, l, c);
  for (let i = lookback; i < len; i++) {
    const o0 = o[i] as number;
    const c0 = c[i] as number;
    const o1 = o[i - 1] as number;
    const c1 = c[i - 1] as number;
    const o2 = o[i - 2] as number;
    const c2 = c[i - 2] as number;
    // A white candle, then three black ones, so each lower shadow is close - low.
    const falling = bit((c[i - 3] as number) >= (o[i - 3] as number)) & bit(c2 < o2) & bit(c1 < o1) & bit(c0 < o0) &
      bit(o1 < o2) & bit(o1 > c2) & bit(o0 < o1) & bit(o0 > c1) & bit((h[i - 3] as number) > c2) & bit(c2 > c1) & bit(c1 > c0);
    const shadows = bit(c2 - (l[i - 2] as number) < average(shortF, short2, shortP)) & bit(c1 - (l[i - 1] as number) < average(shortF, short1, shortP)) &
      bit(c0 - (l[i] as number) < average(shortF, short0, shortP));
    out[i] = 0 - 100 * (falling & shadows);
    short2 += highLow(h, l, i - 2) - highLow(h, l, i - 2 - shortP);
    short1 += highLow(h, l, i - 1) - highLow(h, l, i - 1 - shortP);
    short0 += highLow(h, l, i) - highLow(h, l, i - shortP);
  }
}

/** Writes out[lookback..]; the caller has set out[0..lookback) to NaN. */
type ColumnKernel = (cols: OhlcColumns, out: Float64Array, lookback: number, penetration: number) => void;

/** The dedicated loop of every pattern, called with the definition's lookback and penetration. */
export const PATTERN_COLUMNS: Record<PatternName, ColumnKernel> = {
  CDLDOJI: dojiColumns,
  CDLHAMMER: hammerColumns,
  CDLINVERTEDHAMMER: invertedHammerColumns,
  CDLHANGINGMAN: hangingManColumns,
  CDLSHOOTINGSTAR: shootingStarColumns,
  CDLENGULFING: engulfingColumns,
  CDLHARAMI: haramiColumns,
  CDLPIERCING: piercingColumns,
  CDLDARKCLOUDCOVER: darkCloudCoverColumns,
  CDLMORNINGSTAR: morningStarColumns,
  CDLEVENINGSTAR: eveningStarColumns,
  CDL3WHITESOLDIERS: threeWhiteSoldiersColumns,
  CDL3BLACKCROWS: threeBlackCrowsColumns,
};
