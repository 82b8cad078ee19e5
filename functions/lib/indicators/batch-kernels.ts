/**
 * Dedicated batch kernels: one tight loop per indicator over Float64Array columns.
 *
 * Why: the generic batch path drives every indicator through one shared `kernel.step()` call site, which V8 sees
 * as megamorphic (no inlining, a dispatch per bar) and which keeps state in object fields. Each loop below keeps
 * its state in locals and repeats the streaming kernel's arithmetic in the same order, so results stay
 * bit-identical to update() (test/indicators/streaming.test.ts checks batch == streaming on every bar).
 */
import { isZero, type Params } from './kernel.ts';
import { RsiCore, cciOf, fastK } from './oscillators.ts';
import { RollingExtreme, RollingSma } from './rolling.ts';
import type { IndicatorName } from './types.ts';

/** The OHLCV columns a batch kernel reads; a column the caller did not supply is all NaN. */
export interface OhlcvColumns { open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array; volume: Float64Array }
export type Field = keyof OhlcvColumns;

export interface BatchKernel {
  /** Columns the loop reads (always including close), so computeBatch(Bar[]) extracts only those. */
  reads: readonly Field[];
  /** Outputs in catalogue order, aligned to the input, NaN during warm-up. */
  run(cols: OhlcvColumns, p: Params): Float64Array[];
}

function nanColumn(n: number): Float64Array {
  return new Float64Array(n).fill(NaN);
}

/** An output column whose first `warmup` entries are NaN; the loop writes every later entry (saves a fill pass). */
function warmupColumn(n: number, warmup: number): Float64Array {
  return new Float64Array(n).fill(NaN, 0, warmup);
}

/** True when src[from..to) holds a NaN. */
function nanIn(src: Float64Array, from: number, to: number): boolean {
  for (let i = Math.max(0, from); i < to && i < src.length; i++) {
    const x = src[i] as number;
    if (x !== x) return true;
  }
  return false;
}

/*
 * Rolling highest/lowest in batch, TA-Lib's way (TA_STOCH, TA_WILLR): keep the index of the current extreme and
 * rescan the window only when that index falls out of it. On market data a rescan is rare (about one bar in six
 * at period 14), so this beats the monotonic deque the streaming kernels need for their O(1) bound. Among equal
 * values both pick the newest, so the two agree bit for bit; with a NaN in the column they would not (the deque
 * keeps NaN entries in its own way), so on meeting a NaN the loops hand the whole input to the deque path. They
 * check each bar as it enters the window (no separate pass: a pre-scan of two columns cost a fifth of the loop).
 */

/** Index of the newest maximum of src[from..to]. */
function lastMaxAt(src: Float64Array, from: number, to: number): number {
  let at = to;
  let m = src[to] as number;
  for (let j = to - 1; j >= from; j--) {
    const y = src[j] as number;
    if (y > m) {
      m = y;
      at = j;
    }
  }
  return at;
}

/** Index of the newest minimum of src[from..to]. */
function lastMinAt(src: Float64Array, from: number, to: number): number {
  let at = to;
  let m = src[to] as number;
  for (let j = to - 1; j >= from; j--) {
    const y = src[j] as number;
    if (y < m) {
      m = y;
      at = j;
    }
  }
  return at;
}

/** SMA in RollingSma order: add the new value, divide, then drop the oldest (warm-up summed in its own loop). */
function smaBatch({ close: c }: OhlcvColumns, p: Params): Float64Array[] {
  const n = p.period as number;
  const len = c.length;
  const out = warmupColumn(len, n - 1);
  let sum = 0;
  for (let i = 0; i < n - 1 && i < len; i++) sum += c[i] as number;
  for (let i = n - 1, old = 0; i < len; i++, old++) {
    sum += c[i] as number;
    out[i] = sum / n;
    sum -= c[old] as number;
  }
  return [out];
}

/** WmaKernel's loop: periodSum/periodSub running sums, weights 1..n (TA_WMA order). */
function wmaBatch({ close: c }: OhlcvColumns, p: Params): Float64Array[] {
  const n = p.period as number;
  const len = c.length;
  const out = warmupColumn(len, n - 1);
  const divider = (n * (n + 1)) >> 1;
  let periodSum = 0;
  let periodSub = 0;
  for (let i = 0; i < n - 1 && i < len; i++) {
    const x = c[i] as number;
    periodSub += x;
    periodSum += x * (i + 1);
  }
  let trailing = 0;
  for (let i = n - 1, old = 0; i < len; i++, old++) {
    const x = c[i] as number;
    periodSub += x;
    periodSub -= trailing;
    periodSum += x * n;
    trailing = c[old] as number;
    out[i] = periodSum / divider;
    periodSum -= periodSub;
  }
  return [out];
}

/**
 * RollingEma over src[from..]: SMA seed of the first `period` inputs, then (x - ema) * k + ema.
 * Entries before the seed completes stay NaN.
 */
function emaFrom(src: Float64Array, from: number, period: number): Float64Array {
  const len = src.length;
  const out = warmupColumn(len, from + period - 1);
  const k = 2 / (period + 1);
  const seedEnd = from + period - 1;
  let sum = 0;
  for (let i = from; i < len && i < seedEnd; i++) sum += src[i] as number;
  if (seedEnd >= len) return out;
  sum += src[seedEnd] as number;
  let value = sum / period;
  out[seedEnd] = value;
  for (let i = seedEnd + 1; i < len; i++) {
    value = ((src[i] as number) - value) * k + value;
    out[i] = value;
  }
  return out;
}

function emaBatch({ close }: OhlcvColumns, p: Params): Float64Array[] {
  return [emaFrom(close, 0, p.period as number)];
}

function demaBatch({ close }: OhlcvColumns, p: Params): Float64Array[] {
  const n = p.period as number;
  const e1 = emaFrom(close, 0, n);
  const e2 = emaFrom(e1, n - 1, n);
  // 2*EMA1 - EMA2, reusing e2's buffer; NaN while EMA2 warms up, as the streaming kernel.
  for (let i = 0; i < e2.length; i++) e2[i] = 2.0 * (e1[i] as number) - (e2[i] as number);
  return [e2];
}

function temaBatch({ close }: OhlcvColumns, p: Params): Float64Array[] {
  const n = p.period as number;
  const e1 = emaFrom(close, 0, n);
  const e2 = emaFrom(e1, n - 1, n);
  const e3 = emaFrom(e2, 2 * (n - 1), n);
  for (let i = 0; i < e3.length; i++) {
    const a = e1[i] as number;
    const b = e2[i] as number;
    e3[i] = (e3[i] as number) + (3.0 * a - 3.0 * b);
  }
  return [e3];
}

/**
 * RsiCore's Wilder RSI: SMA seed of gains/losses over bars 1..n, then (avg*(n-1) + x)/n. The seed has its own
 * loop so the smoothing loop carries no warm-up branch (that branch doubled the time per bar).
 */
function rsiColumn(c: Float64Array, n: number): Float64Array {
  const len = c.length;
  const out = warmupColumn(len, n);
  if (len <= n) return out;
  let prev = c[0] as number;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= n; i++) {
    const x = c[i] as number;
    const d = x - prev;
    prev = x;
    if (d < 0) loss -= d;
    else gain += d;
  }
  loss /= n;
  gain /= n;
  let t = gain + loss;
  out[n] = isZero(t) ? 0.0 : 100.0 * (gain / t);
  const m = n - 1;
  for (let i = n + 1; i < len; i++) {
    const x = c[i] as number;
    const d = x - prev;
    prev = x;
    loss *= m;
    gain *= m;
    if (d < 0) loss -= d;
    else gain += d;
    loss /= n;
    gain /= n;
    t = gain + loss;
    out[i] = isZero(t) ? 0.0 : 100.0 * (gain / t);
  }
  return out;
}

function rsiBatch({ close }: OhlcvColumns, p: Params): Float64Array[] {
  return [rsiColumn(close, p.period as number)];
}

/** TA_MACD: fast EMA seeded on the `fast` closes ending at bar slow-1, signal EMA seeded on the first MACD values. */
function macdBatch({ close }: OhlcvColumns, p: Params): Float64Array[] {
  let fast = p.fast as number;
  let slow = p.slow as number;
  if (slow < fast) [fast, slow] = [slow, fast];
  const fastEma = emaFrom(close, slow - fast, fast);
  const line = emaFrom(close, 0, slow);
  for (let i = slow - 1; i < line.length; i++) line[i] = (fastEma[i] as number) - (line[i] as number);
  const signal = emaFrom(line, slow - 1, p.signal as number);
  // Outputs start with the signal. Like MacdKernel, a bar whose line or signal is NaN (only after a NaN close)
  // repeats the previous outputs. fastEma's buffer becomes the histogram.
  const hist = fastEma;
  for (let i = 0; i < line.length; i++) {
    const ln = line[i] as number;
    const sig = signal[i] as number;
    if (ln !== ln || sig !== sig) {
      line[i] = i > 0 ? (line[i - 1] as number) : NaN;
      signal[i] = i > 0 ? (signal[i - 1] as number) : NaN;
      hist[i] = i > 0 ? (hist[i - 1] as number) : NaN;
    } else hist[i] = ln - sig;
  }
  return [line, signal, hist];
}

/** TA-Lib BBANDS: SMA middle band, population sd from running sums (same order as BbandsKernel). */
function bbandsBatch({ close: c }: OhlcvColumns, p: Params): Float64Array[] {
  const n = p.period as number;
  const up = p.nbDevUp as number;
  const dn = p.nbDevDn as number;
  const len = c.length;
  const upper = warmupColumn(len, n - 1);
  const middle = warmupColumn(len, n - 1);
  const lower = warmupColumn(len, n - 1);
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < len; i++) {
    const x = c[i] as number;
    sum += x;
    sumSq += x * x;
    if (i < n - 1) continue;
    const oldest = c[i - n + 1] as number;
    const mid = sum / n;
    sum -= oldest;
    let var2 = sumSq / n;
    sumSq -= oldest * oldest;
    var2 -= mid * mid;
    const sd = var2 >= 1e-14 ? Math.sqrt(var2) : 0.0;
    upper[i] = mid + up * sd;
    middle[i] = mid;
    lower[i] = mid - dn * sd;
  }
  return [upper, middle, lower];
}

/** AtrCore: TR from bar 1, seed = mean TR[1..n], then Wilder smoothing. */
function atrBatch({ high: h, low: l, close: c }: OhlcvColumns, p: Params): Float64Array[] {
  const n = p.period as number;
  const len = c.length;
  const out = warmupColumn(len, n <= 1 ? 1 : n);
  let value = 0;
  for (let i = 1; i < len; i++) {
    const pc = c[i - 1] as number;
    const hi = h[i] as number;
    const lo = l[i] as number;
    let tr = hi - lo;
    const a = Math.abs(pc - hi);
    if (a > tr) tr = a;
    const b = Math.abs(lo - pc);
    if (b > tr) tr = b;
    if (n <= 1) {
      out[i] = tr;
      continue;
    }
    if (i < n) {
      value += tr;
      continue;
    }
    if (i === n) value = (value + tr) / n;
    else {
      value *= n - 1;
      value += tr;
      value /= n;
    }
    out[i] = value;
  }
  return [out];
}

/** TA_CCI: typical prices in a ring indexed bar % n, average and mean absolute deviation summed in ring order. */
function cciBatch({ high: h, low: l, close: c }: OhlcvColumns, p: Params): Float64Array[] {
  const n = p.period as number;
  const len = c.length;
  const out = warmupColumn(len, n - 1);
  const buf = new Float64Array(n);
  let slot = 0;
  for (let i = 0; i < len; i++) {
    const tp = ((h[i] as number) + (l[i] as number) + (c[i] as number)) / 3;
    buf[slot] = tp;
    if (++slot === n) slot = 0;
    if (i >= n - 1) out[i] = cciOf(buf, tp);
  }
  return [out];
}

function rocBatch({ close: c }: OhlcvColumns, p: Params): Float64Array[] {
  const n = p.period as number;
  const len = c.length;
  const out = warmupColumn(len, n);
  for (let i = n; i < len; i++) {
    const prev = c[i - n] as number;
    out[i] = prev !== 0.0 ? ((c[i] as number) / prev - 1.0) * 100.0 : 0.0;
  }
  return [out];
}

/** TA_OBV: starts at volume[0], then adds/subtracts volume as close rises/falls. */
function obvBatch({ close: c, volume: v }: OhlcvColumns): Float64Array[] {
  const len = c.length;
  const out = new Float64Array(len);
  if (len === 0) return [out];
  let obv = v[0] as number;
  let prev = c[0] as number;
  out[0] = obv;
  for (let i = 1; i < len; i++) {
    const x = c[i] as number;
    if (x > prev) obv += v[i] as number;
    else if (x < prev) obv -= v[i] as number;
    prev = x;
    out[i] = obv;
  }
  return [out];
}

/**
 * StochKernel's loop. The rolling helpers are the streaming kernel's own classes: called from this one loop they
 * stay monomorphic and inline. A bar whose %K or %D is NaN (only after a NaN input) repeats the previous outputs.
 */
function stochDeque({ high: h, low: l, close: c }: OhlcvColumns, p: Params): Float64Array[] {
  const window = p.fastK as number;
  const len = c.length;
  const slowK = new Float64Array(len);
  const slowD = new Float64Array(len);
  const hi = new RollingExtreme(window, true);
  const lo = new RollingExtreme(window, false);
  const kSma = new RollingSma(p.slowK as number);
  const dSma = new RollingSma(p.slowD as number);
  let lastK = NaN;
  let lastD = NaN;
  for (let i = 0; i < len; i++) {
    const hh = hi.push(h[i] as number);
    const ll = lo.push(l[i] as number);
    if (i >= window - 1) {
      const k = kSma.push(fastK(c[i] as number, hh, ll));
      if (k === k) {
        const d = dSma.push(k);
        if (d === d) {
          lastK = k;
          lastD = d;
        }
      }
    }
    slowK[i] = lastK;
    slowD[i] = lastD;
  }
  return [slowK, slowD];
}

/** stochDeque with TA-Lib's tracked-extreme rescans over the columns (NaN-free high/low only). */
function stochBatch(cols: OhlcvColumns, p: Params): Float64Array[] {
  const { high: h, low: l, close: c } = cols;
  const window = p.fastK as number;
  if (nanIn(h, 0, window - 1) || nanIn(l, 0, window - 1)) return stochDeque(cols, p);
  const len = c.length;
  const slowK = new Float64Array(len);
  const slowD = new Float64Array(len);
  const kSma = new RollingSma(p.slowK as number);
  const dSma = new RollingSma(p.slowD as number);
  let lastK = NaN;
  let lastD = NaN;
  let hiAt = -1;
  let loAt = -1;
  for (let i = 0; i < window - 1 && i < len; i++) {
    slowK[i] = NaN;
    slowD[i] = NaN;
  }
  for (let i = window - 1, start = 0; i < len; i++, start++) {
    const x = h[i] as number;
    const y = l[i] as number;
    if (x !== x || y !== y) return stochDeque(cols, p);
    if (hiAt < start) hiAt = lastMaxAt(h, start, i);
    else if (x >= (h[hiAt] as number)) hiAt = i;
    if (loAt < start) loAt = lastMinAt(l, start, i);
    else if (y <= (l[loAt] as number)) loAt = i;
    const k = kSma.push(fastK(c[i] as number, h[hiAt] as number, l[loAt] as number));
    if (k === k) {
      const d = dSma.push(k);
      if (d === d) {
        lastK = k;
        lastD = d;
      }
    }
    slowK[i] = lastK;
    slowD[i] = lastD;
  }
  return [slowK, slowD];
}

/** StochRsiKernel's loop: fast stochastic over RSI values, %D = SMA; holds the last outputs like the kernel. */
function stochRsiDeque({ close: c }: OhlcvColumns, p: Params): Float64Array[] {
  const window = p.fastK as number;
  const len = c.length;
  const outK = new Float64Array(len);
  const outD = new Float64Array(len);
  const rsi = new RsiCore(p.period as number);
  const hi = new RollingExtreme(window, true);
  const lo = new RollingExtreme(window, false);
  const dSma = new RollingSma(p.fastD as number);
  let rsiCount = 0;
  let lastK = NaN;
  let lastD = NaN;
  for (let i = 0; i < len; i++) {
    const r = rsi.push(c[i] as number);
    if (r === r) {
      const j = rsiCount++;
      const hh = hi.push(r);
      const ll = lo.push(r);
      if (j >= window - 1) {
        const k = fastK(r, hh, ll);
        const d = dSma.push(k);
        if (d === d) {
          lastK = k;
          lastD = d;
        }
      }
    }
    outK[i] = lastK;
    outD[i] = lastD;
  }
  return [outK, outD];
}

/**
 * stochRsiDeque over an RSI column with tracked-extreme rescans. While every RSI from bar `period` on is a number,
 * "the last fastK RSI values" is a plain index window; a NaN RSI (after a NaN or infinite close) hands over to
 * the deque path, which skips NaN RSI values as the streaming kernel does.
 */
function stochRsiBatch(cols: OhlcvColumns, p: Params): Float64Array[] {
  const c = cols.close;
  const period = p.period as number;
  const window = p.fastK as number;
  const len = c.length;
  const r = rsiColumn(c, period);
  const first = period + window - 1;
  if (nanIn(r, period, first)) return stochRsiDeque(cols, p);
  const outK = warmupColumn(len, first);
  const outD = warmupColumn(len, first);
  const dSma = new RollingSma(p.fastD as number);
  let lastK = NaN;
  let lastD = NaN;
  let hiAt = -1;
  let loAt = -1;
  for (let i = first, start = period; i < len; i++, start++) {
    const x = r[i] as number;
    if (x !== x) return stochRsiDeque(cols, p);
    if (hiAt < start) hiAt = lastMaxAt(r, start, i);
    else if (x >= (r[hiAt] as number)) hiAt = i;
    if (loAt < start) loAt = lastMinAt(r, start, i);
    else if (x <= (r[loAt] as number)) loAt = i;
    const k = fastK(x, r[hiAt] as number, r[loAt] as number);
    const d = dSma.push(k);
    if (d === d) {
      lastK = k;
      lastD = d;
    }
    outK[i] = lastK;
    outD[i] = lastD;
  }
  return [outK, outD];
}

function willrDeque({ high: h, low: l, close: c }: OhlcvColumns, p: Params): Float64Array[] {
  const n = p.period as number;
  const len = c.length;
  const out = warmupColumn(len, n - 1);
  const hi = new RollingExtreme(n, true);
  const lo = new RollingExtreme(n, false);
  for (let i = 0; i < len; i++) {
    const hh = hi.push(h[i] as number);
    const ll = lo.push(l[i] as number);
    if (i < n - 1) continue;
    const diff = (hh - ll) * -0.01;
    out[i] = diff !== 0.0 ? (hh - (c[i] as number)) / diff : 0.0;
  }
  return [out];
}

/** willrDeque with tracked-extreme rescans (NaN-free high/low only). */
function willrBatch(cols: OhlcvColumns, p: Params): Float64Array[] {
  const { high: h, low: l, close: c } = cols;
  const n = p.period as number;
  if (nanIn(h, 0, n - 1) || nanIn(l, 0, n - 1)) return willrDeque(cols, p);
  const len = c.length;
  const out = warmupColumn(len, n - 1);
  let hiAt = -1;
  let loAt = -1;
  for (let i = n - 1, start = 0; i < len; i++, start++) {
    const x = h[i] as number;
    const y = l[i] as number;
    if (x !== x || y !== y) return willrDeque(cols, p);
    if (hiAt < start) hiAt = lastMaxAt(h, start, i);
    else if (x >= (h[hiAt] as number)) hiAt = i;
    if (loAt < start) loAt = lastMinAt(l, start, i);
    else if (y <= (l[loAt] as number)) loAt = i;
    const hh = h[hiAt] as number;
    const diff = (hh - (l[loAt] as number)) * -0.01;
    out[i] = diff !== 0.0 ? (hh - (c[i] as number)) / diff : 0.0;
  }
  return [out];
}

/** DonchianKernel's loop: highest high, midpoint, lowest low of the last n bars. */
function donchianDeque({ high: h, low: l, close: c }: OhlcvColumns, p: Params): Float64Array[] {
  const n = p.period as number;
  const len = c.length;
  const upper = warmupColumn(len, n - 1);
  const middle = warmupColumn(len, n - 1);
  const lower = warmupColumn(len, n - 1);
  const hi = new RollingExtreme(n, true);
  const lo = new RollingExtreme(n, false);
  for (let i = 0; i < len; i++) {
    const hh = hi.push(h[i] as number);
    const ll = lo.push(l[i] as number);
    if (i < n - 1) continue;
    upper[i] = hh;
    middle[i] = (hh + ll) / 2;
    lower[i] = ll;
  }
  return [upper, middle, lower];
}

/** donchianDeque with tracked-extreme rescans. */
function donchianBatch(cols: OhlcvColumns, p: Params): Float64Array[] {
  const { high: h, low: l, close: c } = cols;
  const n = p.period as number;
  if (nanIn(h, 0, n - 1) || nanIn(l, 0, n - 1)) return donchianDeque(cols, p);
  const len = c.length;
  const upper = warmupColumn(len, n - 1);
  const middle = warmupColumn(len, n - 1);
  const lower = warmupColumn(len, n - 1);
  let hiAt = -1;
  let loAt = -1;
  for (let i = n - 1, start = 0; i < len; i++, start++) {
    const x = h[i] as number;
    const y = l[i] as number;
    if (x !== x || y !== y) return donchianDeque(cols, p);
    if (hiAt < start) hiAt = lastMaxAt(h, start, i);
    else if (x >= (h[hiAt] as number)) hiAt = i;
    if (loAt < start) loAt = lastMinAt(l, start, i);
    else if (y <= (l[loAt] as number)) loAt = i;
    const hh = h[hiAt] as number;
    const ll = l[loAt] as number;
    upper[i] = hh;
    middle[i] = (hh + ll) / 2;
    lower[i] = ll;
  }
  return [upper, middle, lower];
}

/** MfiKernel's loop: positive/negative money flow rings with running sums; 0 when total flow < 1. */
function mfiBatch({ high: h, low: l, close: c, volume: v }: OhlcvColumns, p: Params): Float64Array[] {
  const n = p.period as number;
  const len = c.length;
  const out = warmupColumn(len, n);
  const pos = new Float64Array(n);
  const neg = new Float64Array(n);
  let posSum = 0;
  let negSum = 0;
  let slot = 0;
  let prevTp = len > 0 ? ((h[0] as number) + (l[0] as number) + (c[0] as number)) / 3.0 : 0;
  for (let i = 1; i < len; i++) {
    const tp = ((h[i] as number) + (l[i] as number) + (c[i] as number)) / 3.0;
    const s = slot;
    if (++slot === n) slot = 0;
    if (i > n) {
      posSum -= pos[s] as number;
      negSum -= neg[s] as number;
    }
    const d = tp - prevTp;
    prevTp = tp;
    const mf = tp * (v[i] as number);
    if (d < 0) {
      neg[s] = mf;
      negSum += mf;
      pos[s] = 0.0;
    } else if (d > 0) {
      pos[s] = mf;
      posSum += mf;
      neg[s] = 0.0;
    } else {
      pos[s] = 0.0;
      neg[s] = 0.0;
    }
    if (i < n) continue;
    const total = posSum + negSum;
    out[i] = total < 1.0 ? 0.0 : 100.0 * (posSum / total);
  }
  return [out];
}

/** AdxKernel's loop: +DM/-DM/TR summed then Wilder-smoothed, DIs from bar n, ADX seeded by mean DX at 2n-1. */
function adxBatch({ high: h, low: l, close: c }: OhlcvColumns, p: Params): Float64Array[] {
  const n = p.period as number;
  const len = c.length;
  const outAdx = nanColumn(len);
  const outPlus = nanColumn(len);
  const outMinus = nanColumn(len);
  if (len === 0) return [outAdx, outPlus, outMinus];
  let prevHigh = h[0] as number;
  let prevLow = l[0] as number;
  let prevClose = c[0] as number;
  let plusDM = 0;
  let minusDM = 0;
  let trSum = 0;
  let sumDX = 0;
  let adx = 0;
  for (let i = 1; i < len; i++) {
    const hi = h[i] as number;
    const lo = l[i] as number;
    const diffP = hi - prevHigh;
    prevHigh = hi;
    const diffM = prevLow - lo;
    prevLow = lo;
    let tr = hi - lo;
    const a = Math.abs(hi - prevClose);
    if (a > tr) tr = a;
    const b = Math.abs(lo - prevClose);
    if (b > tr) tr = b;
    prevClose = c[i] as number;
    if (i < n) {
      if (diffM > 0 && diffP < diffM) minusDM += diffM;
      else if (diffP > 0 && diffP > diffM) plusDM += diffP;
      trSum += tr;
      continue;
    }
    minusDM -= minusDM / n;
    plusDM -= plusDM / n;
    if (diffM > 0 && diffP < diffM) minusDM += diffM;
    else if (diffP > 0 && diffP > diffM) plusDM += diffP;
    trSum = trSum - trSum / n + tr;
    let minusDI = 0.0;
    let plusDI = 0.0;
    let dx = NaN;
    if (!isZero(trSum)) {
      minusDI = 100.0 * (minusDM / trSum);
      plusDI = 100.0 * (plusDM / trSum);
      const s = minusDI + plusDI;
      if (!isZero(s)) dx = 100.0 * (Math.abs(minusDI - plusDI) / s);
    }
    outPlus[i] = plusDI;
    outMinus[i] = minusDI;
    if (i < 2 * n - 1) {
      if (dx === dx) sumDX += dx;
      continue;
    }
    if (i === 2 * n - 1) {
      if (dx === dx) sumDX += dx;
      adx = sumDX / n;
    } else if (dx === dx) {
      adx = (adx * (n - 1) + dx) / n;
    }
    outAdx[i] = adx;
  }
  return [outAdx, outPlus, outMinus];
}

/** SarKernel's loop (TA_SAR): state in locals; each bar's SAR is written before it is advanced. */
function sarBatch({ high: h, low: l, close: c }: OhlcvColumns, p: Params): Float64Array[] {
  const max = p.maximum as number;
  const accel = Math.min(p.acceleration as number, max);
  const len = c.length;
  const out = new Float64Array(len);
  if (len === 0) return [out];
  out[0] = NaN;
  if (len === 1) return [out];
  let newHigh = h[0] as number;
  let newLow = l[0] as number;
  const h1 = h[1] as number;
  const l1 = l[1] as number;
  const diffP = h1 - newHigh;
  const diffM = newLow - l1;
  let isLong = !(diffM > 0 && diffP < diffM);
  let af = accel;
  let ep = isLong ? h1 : l1;
  let sar = isLong ? newLow : newHigh;
  newLow = l1;
  newHigh = h1;
  for (let i = 1; i < len; i++) {
    const hi = h[i] as number;
    const lo = l[i] as number;
    const prevLow = newLow;
    const prevHigh = newHigh;
    newLow = lo;
    newHigh = hi;
    if (isLong) {
      if (lo <= sar) {
        isLong = false;
        sar = ep;
        if (sar < prevHigh) sar = prevHigh;
        if (sar < hi) sar = hi;
        out[i] = sar;
        af = accel;
        ep = lo;
        sar = sar + af * (ep - sar);
        if (sar < prevHigh) sar = prevHigh;
        if (sar < hi) sar = hi;
      } else {
        out[i] = sar;
        if (hi > ep) {
          ep = hi;
          af += accel;
          if (af > max) af = max;
        }
        sar = sar + af * (ep - sar);
        if (sar > prevLow) sar = prevLow;
        if (sar > lo) sar = lo;
      }
    } else if (hi >= sar) {
      isLong = true;
      sar = ep;
      if (sar > prevLow) sar = prevLow;
      if (sar > lo) sar = lo;
      out[i] = sar;
      af = accel;
      ep = hi;
      sar = sar + af * (ep - sar);
      if (sar > prevLow) sar = prevLow;
      if (sar > lo) sar = lo;
    } else {
      out[i] = sar;
      if (lo < ep) {
        ep = lo;
        af += accel;
        if (af > max) af = max;
      }
      sar = sar + af * (ep - sar);
      if (sar < prevHigh) sar = prevHigh;
      if (sar < hi) sar = hi;
    }
  }
  return [out];
}

/** VwapKernel's loop: typical-price VWAP, cumulative (window 0) or over a ring of the last `window` bars. */
function vwapBatch({ high: h, low: l, close: c, volume: v }: OhlcvColumns, p: Params): Float64Array[] {
  const w = p.window as number;
  const len = c.length;
  const out = new Float64Array(len);
  const pvRing = new Float64Array(w);
  const volRing = new Float64Array(w);
  let sumPV = 0;
  let sumV = 0;
  let slot = 0;
  for (let i = 0; i < len; i++) {
    const vol = v[i] as number;
    const pv = (((h[i] as number) + (l[i] as number) + (c[i] as number)) / 3) * vol;
    if (w > 0) {
      if (i >= w) {
        sumPV -= pvRing[slot] as number;
        sumV -= volRing[slot] as number;
      }
      pvRing[slot] = pv;
      volRing[slot] = vol;
      if (++slot === w) slot = 0;
    }
    sumPV += pv;
    sumV += vol;
    out[i] = (w === 0 || i >= w - 1) && sumV > 0 ? sumPV / sumV : NaN;
  }
  return [out];
}

export const BATCH_KERNELS: Partial<Record<IndicatorName, BatchKernel>> = {
  SMA: { reads: ['close'], run: smaBatch },
  EMA: { reads: ['close'], run: emaBatch },
  WMA: { reads: ['close'], run: wmaBatch },
  DEMA: { reads: ['close'], run: demaBatch },
  TEMA: { reads: ['close'], run: temaBatch },
  RSI: { reads: ['close'], run: rsiBatch },
  MACD: { reads: ['close'], run: macdBatch },
  BBANDS: { reads: ['close'], run: bbandsBatch },
  ATR: { reads: ['high', 'low', 'close'], run: atrBatch },
  CCI: { reads: ['high', 'low', 'close'], run: cciBatch },
  ROC: { reads: ['close'], run: rocBatch },
  OBV: { reads: ['close', 'volume'], run: obvBatch },
  STOCH: { reads: ['high', 'low', 'close'], run: stochBatch },
  STOCHRSI: { reads: ['close'], run: stochRsiBatch },
  WILLR: { reads: ['high', 'low', 'close'], run: willrBatch },
  MFI: { reads: ['high', 'low', 'close', 'volume'], run: mfiBatch },
  ADX: { reads: ['high', 'low', 'close'], run: adxBatch },
  DONCHIAN: { reads: ['high', 'low', 'close'], run: donchianBatch },
  SAR: { reads: ['high', 'low', 'close'], run: sarBatch },
  VWAP: { reads: ['high', 'low', 'close', 'volume'], run: vwapBatch },
};
