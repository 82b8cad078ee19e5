/**
 * Column batch for the CDL patterns, shaped like TA-Lib's own C loops: one pass over open/high/low/close columns
 * with the candle-setting totals in a small array, moved by TA_CANDLERANGE of the candle entering and the candle
 * leaving each average's window (same operation order as PatternKernel, so results are identical). Why not
 * PatternKernel.step per bar: it goes through the candle ring and the per-definition plan objects on every read.
 * No temporary columns are allocated: on a large heap each multi-megabyte allocation can trigger a full GC.
 */
import type { CandleView, PatternDef } from './definitions.ts';
import { RangeType } from './settings.ts';

/*
 * Range types as module constants: read through the import binding on every candle, `RangeType.X` cost more than
 * the range itself under a CommonJS-style loader (a getter call per read).
 */
const REAL_BODY: number = RangeType.RealBody;
const HIGH_LOW: number = RangeType.HighLow;
const SHADOWS: number = RangeType.Shadows;

/** Open/high/low/close columns of equal length. */
export interface OhlcColumns { open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array }

/** TA_CANDLERANGE of candle b, with PatternKernel.range's expressions. */
function rangeAt(type: number, o: Float64Array, h: Float64Array, l: Float64Array, c: Float64Array, b: number): number {
  const ob = o[b] as number;
  const cb = c[b] as number;
  if (type === REAL_BODY) return Math.abs(cb - ob);
  if (type === HIGH_LOW) return (h[b] as number) - (l[b] as number);
  return (h[b] as number) - (cb >= ob ? cb : ob) + ((cb >= ob ? ob : cb) - (l[b] as number));
}

/** CandleView over columns at bar `i`; avg(j) reads the thresholds patternColumns sets before each detect. */
class ColumnView implements CandleView {
  i = 0;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly avgs: Float64Array;
  constructor(cols: OhlcColumns, averages: number) {
    this.open = cols.open;
    this.high = cols.high;
    this.low = cols.low;
    this.close = cols.close;
    this.avgs = new Float64Array(averages);
  }
  o(k: number): number {
    return this.open[this.i - k] as number;
  }
  h(k: number): number {
    return this.high[this.i - k] as number;
  }
  l(k: number): number {
    return this.low[this.i - k] as number;
  }
  c(k: number): number {
    return this.close[this.i - k] as number;
  }
  avg(j: number): number {
    return this.avgs[j] as number;
  }
}

/** TA-Lib's integer per bar over columns, NaN during the lookback (as PatternKernel.step returns). */
export function patternColumns(def: PatternDef, cols: OhlcColumns, penetration: number): Float64Array {
  const { open: o, high: h, low: l, close: c } = cols;
  const len = c.length;
  const lookback = def.lookback;
  const m = def.avgs.length;
  const type = new Int32Array(m);
  const period = new Int32Array(m);
  const offset = new Int32Array(m);
  const factor = new Float64Array(m);
  const divisor = new Float64Array(m);
  const totals = new Float64Array(m);
  // A plain loop, not forEach: a closure here would capture the columns and move them to a context object, which
  // made every array read in the bar loop below several times slower.
  for (let j = 0; j < m; j++) {
    const [s, k] = def.avgs[j] as (typeof def.avgs)[number];
    type[j] = s.range;
    period[j] = s.avgPeriod;
    offset[j] = k;
    factor[j] = s.factor;
    divisor[j] = s.range === SHADOWS ? 2.0 : 1.0;
    // TA-Lib's initial sum: candles [lookback-k-period, lookback-k-1] in ascending order.
    let t = 0;
    for (let b = lookback - k - s.avgPeriod; b < lookback - k && b < len; b++) if (b >= 0) t += rangeAt(s.range, o, h, l, c, b);
    totals[j] = t;
  }
  const out = new Float64Array(len).fill(NaN, 0, lookback);
  const view = new ColumnView(cols, m);
  const avgs = view.avgs;
  const detect = def.detect;
  for (let i = lookback; i < len; i++) {
    for (let j = 0; j < m; j++) {
      const p = period[j] as number;
      const base = p !== 0 ? (totals[j] as number) / p : rangeAt(type[j] as number, o, h, l, c, i - (offset[j] as number));
      avgs[j] = ((factor[j] as number) * base) / (divisor[j] as number);
    }
    view.i = i;
    out[i] = detect(view, penetration);
    for (let j = 0; j < m; j++) {
      const t = type[j] as number;
      const b = i - (offset[j] as number);
      totals[j] = (totals[j] as number) + (rangeAt(t, o, h, l, c, b) - rangeAt(t, o, h, l, c, b - (period[j] as number)));
    }
  }
  return out;
}
