/**
 * Dedicated batch kernels: one tight loop per indicator over Float64Array columns.
 *
 * Why: the generic batch path drives every indicator through one shared `kernel.step()` call site, which V8 sees
 * as megamorphic (no inlining, a dispatch per bar) and which keeps state in object fields. Each loop below keeps
 * its state in locals and repeats the streaming kernel's arithmetic in the same order, or in a branch-free form
 * that is exactly equal (said where used), so results stay bit-identical to update()
 * (test/indicators/streaming.test.ts and batch-kernels.test.ts check batch == streaming on every bar).
 *
 * Most kernels read their parameters and take their output columns, then run the loop in a function of typed
 * arrays and numbers only (smaLoop, willrLoop, ...). Why: a batch kernel runs once per call, so V8 first compiles
 * its loop mid-run (OSR); a loop in the same function as the Params/Outputs handling was then recompiled against
 * those objects' shapes, deoptimised when they changed, and in the bench kept running at up to half speed.
 */
import { headEnd } from './four-bar-loop.ts';
import { isZero as importedIsZero, type Params } from './kernel.ts';
import { RsiCore, cciOf as importedCciOf, fastK as importedFastK } from './oscillators.ts';
import { RollingExtreme, RollingSma } from './rolling.ts';
import type { IndicatorName } from './types.ts';

/*
 * Imported helpers the loops call per bar, as module constants: under a CommonJS-style loader (tsx, which runs the
 * benches) every call through an import binding is a getter call first, which cost as much as the rest of an RSI bar.
 */
const isZero = importedIsZero;
const cciOf = importedCciOf;
const fastK = importedFastK;

/** The OHLCV columns a batch kernel reads; a column the caller did not supply is all NaN. */
export interface OhlcvColumns { open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array; volume: Float64Array }
export type Field = keyof OhlcvColumns;

export interface BatchKernel {
  /** Columns the loop reads (always including close), so computeBatch(Bar[]) extracts only those. */
  reads: readonly Field[];
  /**
   * Writes the outputs, aligned to the input and NaN during warm-up, into the columns it takes from `out`. It returns
   * nothing: an array literal after the loop has no type feedback when V8 compiles the loop on its first run (OSR),
   * so that code deoptimised at the end of every call, and V8 then never optimised the whole function again.
   */
  run(cols: OhlcvColumns, p: Params, out: Outputs): void;
}

/**
 * Where a kernel writes its outputs: the caller's columns when it passed some (as TA-Lib writes into the caller's
 * buffers: no allocation, no page faults on first touch), else fresh ones.
 */
export class Outputs {
  readonly len: number;
  /** The columns taken so far, by output index: the kernel's result. */
  readonly columns: Float64Array[] = [];
  private readonly into: readonly Float64Array[] | undefined;
  constructor(len: number, into?: readonly Float64Array[]) {
    this.len = len;
    this.into = into;
  }
  /**
   * Output j with its first `warmup` entries NaN; the kernel writes every later entry (saves a fill pass). Without
   * caller columns, `reuse` (a kernel's own scratch column, overwritten in place) saves an allocation.
   */
  column(j: number, warmup: number, reuse?: Float64Array): Float64Array {
    const given = this.into?.[j];
    const col = given !== undefined ? given.fill(NaN, 0, warmup) : (reuse ?? new Float64Array(this.len).fill(NaN, 0, warmup));
    this.columns[j] = col;
    return col;
  }
}

/** A scratch column (not an output) whose first `warmup` entries are NaN. */
function warmupColumn(n: number, warmup: number): Float64Array {
  return new Float64Array(n).fill(NaN, 0, warmup);
}

/*
 * Rolling highest/lowest in batch (STOCH, STOCHRSI, WILLR, DONCHIAN) by van Herk/Gil-Werman: cut the input into
 * blocks of `window` bars; the window ending at bar i is the tail of the previous block (its suffix extremes,
 * computed once when that block completes) plus the head of the current block (a running prefix extreme), so each
 * bar costs two compare-and-picks per side. Every pick goes through a 2-slot array (`pick`): V8 compiles a ternary
 * or Math.max on doubles to a branch, and these comparisons come out at random on market data; the mispredicted
 * branches of TA-Lib's tracked extreme (rescan when the extreme leaves the window) cost 2.5x this whole loop.
 * Among equal values every pick keeps the newest, as the streaming kernels' monotonic deque does, so the values
 * agree bit for bit; with a NaN in the column they would not (the deque keeps NaN entries in its own way), so on
 * meeting a NaN the loops hand the whole input to the deque path. They check each bar as it enters (no separate
 * pass: a pre-scan of two columns cost a fifth of the loop). STOCH, STOCHRSI, WILLR and DONCHIAN each repeat the
 * block scan inline: one shared scan writing the extremes into columns, then a pass per indicator, measured 10-55%
 * slower (STOCHRSI fell behind @ixjb94), and one shared scan per block into scratch arrays, read back by each
 * indicator's pass over the block, cost WILLR and DONCHIAN 1.5 ns per bar (13%). Each loop goes block by block, an
 * inner loop over the bars of one block after the suffix extremes of the block before it: no bar tests for the end
 * of its block (WILLR 14.1 -> 12.9 ns).
 */

/** b when takeB, else a, without a branch. */
function pick(sel: number[], a: number, b: number, takeB: boolean): number {
  sel[0] = a;
  sel[1] = b;
  return sel[Number(takeB)] as number;
}

/**
 * Per-window scratch of the block extremes: suffix maxima/minima of the last complete block, +-Infinity past it.
 * Plain arrays of doubles, not Float64Array: once any ArrayBuffer in the isolate has been detached (a fetch or
 * Request body read through a web stream, tsx's module loader), V8 checks every typed-array access for detachment
 * on every pass, and the picks make a dozen scratch accesses per bar (WILLR 18.0 -> 14.1 ns per bar).
 */
interface Blocks { sufHi: number[]; sufLo: number[]; sel: number[] }

/** A packed array of `len` doubles (pushed one by one: `new Array(len)` would be holey, and every read hole-checked). */
function doubles(len: number, value: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < len; i++) a.push(value);
  return a;
}

function blocks(window: number): Blocks {
  return { sufHi: doubles(window + 1, -Infinity), sufLo: doubles(window + 1, Infinity), sel: doubles(2, 0) };
}

/** Suffix extremes of the block hi/lo[last-window+1 .. last] (strict compares going back keep the newer value). */
function completeBlock(hi: Float64Array, lo: Float64Array, last: number, window: number, { sufHi, sufLo, sel }: Blocks): void {
  let mh = hi[last] as number;
  let ml = lo[last] as number;
  sufHi[window - 1] = mh;
  sufLo[window - 1] = ml;
  for (let j = window - 2, b = last - 1; j >= 0; j--, b--) {
    const u = hi[b] as number;
    const v = lo[b] as number;
    mh = pick(sel, mh, u, u > mh);
    ml = pick(sel, ml, v, v < ml);
    sufHi[j] = mh;
    sufLo[j] = ml;
  }
}

/** SMA in RollingSma order: add the new value, divide, then drop the oldest (warm-up summed in its own loop). */
function smaBatch({ close }: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  smaLoop(close, n, out.column(0, n - 1));
}

function smaLoop(c: Float64Array, n: number, dst: Float64Array): void {
  const len = c.length;
  let sum = 0;
  for (let i = 0; i < n - 1 && i < len; i++) sum += c[i] as number;
  let i = n - 1;
  for (const head = headEnd(i, len); i < head; i++) {
    sum += c[i] as number;
    dst[i] = sum / n;
    sum -= c[i - n + 1] as number;
  }
  for (; i < len; i += 4) {
    const old = i - n + 1;
    const x0 = c[i] as number;
    const x1 = c[i + 1] as number;
    const x2 = c[i + 2] as number;
    const x3 = c[i + 3] as number;
    const y0 = c[old] as number;
    const y1 = c[old + 1] as number;
    const y2 = c[old + 2] as number;
    const y3 = c[old + 3] as number;
    sum += x0;
    dst[i] = sum / n;
    sum -= y0;
    sum += x1;
    dst[i + 1] = sum / n;
    sum -= y1;
    sum += x2;
    dst[i + 2] = sum / n;
    sum -= y2;
    sum += x3;
    dst[i + 3] = sum / n;
    sum -= y3;
  }
}

/** WmaKernel's loop: periodSum/periodSub running sums, weights 1..n (TA_WMA order). */
function wmaBatch({ close }: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  wmaLoop(close, n, out.column(0, n - 1));
}

function wmaLoop(c: Float64Array, n: number, dst: Float64Array): void {
  const len = c.length;
  const divider = (n * (n + 1)) >> 1;
  let periodSum = 0;
  let periodSub = 0;
  for (let i = 0; i < n - 1 && i < len; i++) {
    const x = c[i] as number;
    periodSub += x;
    periodSum += x * (i + 1);
  }
  let trailing = 0;
  let i = n - 1;
  for (const head = headEnd(i, len); i < head; i++) {
    const x = c[i] as number;
    periodSub += x;
    periodSub -= trailing;
    periodSum += x * n;
    trailing = c[i - n + 1] as number;
    dst[i] = periodSum / divider;
    periodSum -= periodSub;
  }
  for (; i < len; i += 4) {
    const old = i - n + 1;
    const x0 = c[i] as number;
    const x1 = c[i + 1] as number;
    const x2 = c[i + 2] as number;
    const x3 = c[i + 3] as number;
    const y0 = c[old] as number;
    const y1 = c[old + 1] as number;
    const y2 = c[old + 2] as number;
    const y3 = c[old + 3] as number;
    periodSub += x0;
    periodSub -= trailing;
    periodSum += x0 * n;
    dst[i] = periodSum / divider;
    periodSum -= periodSub;
    periodSub += x1;
    periodSub -= y0;
    periodSum += x1 * n;
    dst[i + 1] = periodSum / divider;
    periodSum -= periodSub;
    periodSub += x2;
    periodSub -= y1;
    periodSum += x2 * n;
    dst[i + 2] = periodSum / divider;
    periodSum -= periodSub;
    periodSub += x3;
    periodSub -= y2;
    periodSum += x3 * n;
    dst[i + 3] = periodSum / divider;
    periodSum -= periodSub;
    trailing = y3;
  }
}

/**
 * RollingEma over src[from..]: SMA seed of the first `period` inputs, then (x - ema) * k + ema.
 * Entries before the seed completes stay NaN (`dst`, when given, must hold NaN there).
 */
function emaFrom(src: Float64Array, from: number, period: number, dst?: Float64Array): Float64Array {
  const len = src.length;
  const out = dst ?? warmupColumn(len, from + period - 1);
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

function emaBatch({ close }: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  emaFrom(close, 0, n, out.column(0, n - 1));
}

function demaBatch({ close }: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  const e1 = emaFrom(close, 0, n);
  const e2 = emaFrom(e1, n - 1, n);
  // 2*EMA1 - EMA2 (into e2's buffer unless the caller gave one); NaN while EMA2 warms up, as the streaming kernel.
  const dst = out.column(0, 0, e2);
  for (let i = 0; i < e2.length; i++) dst[i] = 2.0 * (e1[i] as number) - (e2[i] as number);
}

function temaBatch({ close }: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  const e1 = emaFrom(close, 0, n);
  const e2 = emaFrom(e1, n - 1, n);
  const e3 = emaFrom(e2, 2 * (n - 1), n);
  const dst = out.column(0, 0, e3);
  for (let i = 0; i < e3.length; i++) {
    const a = e1[i] as number;
    const b = e2[i] as number;
    dst[i] = (e3[i] as number) + (3.0 * a - 3.0 * b);
  }
}

/**
 * RsiCore's Wilder RSI: SMA seed of gains/losses over bars 1..n, then (avg*(n-1) + x)/n. The seed has its own
 * loop so the smoothing loop carries no warm-up branch (that branch doubled the time per bar).
 */
function rsiColumn(c: Float64Array, n: number, dst?: Float64Array): Float64Array {
  const len = c.length;
  const out = dst ?? warmupColumn(len, n);
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
  const t = gain + loss;
  out[n] = isZero(t) ? 0.0 : 100.0 * (gain / t);
  const last = rsiSmoothed(c, n, out, prev, gain, loss);
  if (!(last - last === 0)) rsiSmoothedBranching(c, n, out, prev, gain, loss);
  return out;
}

/**
 * The smoothing loop of rsiColumn from bar n+1, with the gain/loss choice as arithmetic: a price change is up or
 * down at random, and the mispredicted branch cost twice the rest of the bar. For a finite d, (|d| + d) / 2 is d or
 * +0 and (|d| - d) / 2 is -d or +0, exactly, and adding +0 leaves a non-negative average unchanged, so the sums equal
 * RsiCore's bit for bit. A non-finite d (infinite close, overflow) would put NaN where RsiCore skips the term; it
 * also leaves an average non-finite for good, so the last gain + loss, returned, is then not finite and the caller
 * redoes the loop with RsiCore's branch. (The check is the caller's: code after a loop V8 compiled mid-run has no
 * type feedback and deoptimised on every call.)
 */
function rsiSmoothed(c: Float64Array, n: number, out: Float64Array, prev: number, gain: number, loss: number): number {
  const len = c.length;
  const m = n - 1;
  let t = gain + loss;
  for (let i = n + 1; i < len; i++) {
    const x = c[i] as number;
    const d = x - prev;
    prev = x;
    const a = Math.abs(d);
    loss = (loss * m + (a - d) * 0.5) / n;
    gain = (gain * m + (a + d) * 0.5) / n;
    t = gain + loss;
    out[i] = isZero(t) ? 0.0 : 100.0 * (gain / t);
  }
  return t;
}

/** rsiSmoothed with RsiCore's branch, for inputs with non-finite price changes. */
function rsiSmoothedBranching(c: Float64Array, n: number, out: Float64Array, prev: number, gain: number, loss: number): void {
  const len = c.length;
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
    const t = gain + loss;
    out[i] = isZero(t) ? 0.0 : 100.0 * (gain / t);
  }
}

function rsiBatch({ close }: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  rsiColumn(close, n, out.column(0, n));
}

/** TA_MACD: fast EMA seeded on the `fast` closes ending at bar slow-1, signal EMA seeded on the first MACD values. */
function macdBatch({ close }: OhlcvColumns, p: Params, out: Outputs): void {
  let fast = p.fast as number;
  let slow = p.slow as number;
  if (slow < fast) [fast, slow] = [slow, fast];
  const fastEma = emaFrom(close, slow - fast, fast);
  const line = emaFrom(close, 0, slow);
  for (let i = slow - 1; i < line.length; i++) line[i] = (fastEma[i] as number) - (line[i] as number);
  const signal = emaFrom(line, slow - 1, p.signal as number);
  // Outputs start with the signal. Like MacdKernel, a bar whose line or signal is NaN (only after a NaN close)
  // repeats the previous outputs. Without caller columns, line and signal are rewritten in place and fastEma's
  // buffer becomes the histogram.
  const outLine = out.column(0, 0, line);
  const outSignal = out.column(1, 0, signal);
  const hist = out.column(2, 0, fastEma);
  for (let i = 0; i < line.length; i++) {
    const ln = line[i] as number;
    const sig = signal[i] as number;
    if (ln !== ln || sig !== sig) {
      outLine[i] = i > 0 ? (outLine[i - 1] as number) : NaN;
      outSignal[i] = i > 0 ? (outSignal[i - 1] as number) : NaN;
      hist[i] = i > 0 ? (hist[i - 1] as number) : NaN;
    } else {
      outLine[i] = ln;
      outSignal[i] = sig;
      hist[i] = ln - sig;
    }
  }
}

/** TA-Lib BBANDS: SMA middle band, population sd from running sums (same order as BbandsKernel). */
function bbandsBatch({ close: c }: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  const up = p.nbDevUp as number;
  const dn = p.nbDevDn as number;
  const len = c.length;
  const upper = out.column(0, n - 1);
  const middle = out.column(1, n - 1);
  const lower = out.column(2, n - 1);
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
}

/** AtrCore: TR from bar 1, seed = mean TR[1..n], then Wilder smoothing. */
function atrBatch({ high, low, close }: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  atrLoop(high, low, close, n, out.column(0, n <= 1 ? 1 : n));
}

function atrLoop(h: Float64Array, l: Float64Array, c: Float64Array, n: number, dst: Float64Array): void {
  const len = c.length;
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
      dst[i] = tr;
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
    dst[i] = value;
  }
}

/** TA_CCI: typical prices in a ring indexed bar % n, average and mean absolute deviation summed in ring order. */
function cciBatch({ high, low, close }: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  cciLoop(high, low, close, n, out.column(0, n - 1));
}

function cciLoop(h: Float64Array, l: Float64Array, c: Float64Array, n: number, dst: Float64Array): void {
  const len = c.length;
  const buf = new Float64Array(n);
  let slot = 0;
  for (let i = 0; i < len; i++) {
    const tp = ((h[i] as number) + (l[i] as number) + (c[i] as number)) / 3;
    buf[slot] = tp;
    if (++slot === n) slot = 0;
    if (i >= n - 1) dst[i] = cciOf(buf, tp);
  }
}

function rocBatch({ close }: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  rocLoop(close, n, out.column(0, n));
}

function rocLoop(c: Float64Array, n: number, dst: Float64Array): void {
  const len = c.length;
  let i = n;
  for (const head = headEnd(i, len); i < head; i++) {
    const prev = c[i - n] as number;
    dst[i] = prev !== 0.0 ? ((c[i] as number) / prev - 1.0) * 100.0 : 0.0;
  }
  for (; i < len; i += 4) {
    const p0 = c[i - n] as number;
    const p1 = c[i - n + 1] as number;
    const p2 = c[i - n + 2] as number;
    const p3 = c[i - n + 3] as number;
    const x0 = c[i] as number;
    const x1 = c[i + 1] as number;
    const x2 = c[i + 2] as number;
    const x3 = c[i + 3] as number;
    dst[i] = p0 !== 0.0 ? (x0 / p0 - 1.0) * 100.0 : 0.0;
    dst[i + 1] = p1 !== 0.0 ? (x1 / p1 - 1.0) * 100.0 : 0.0;
    dst[i + 2] = p2 !== 0.0 ? (x2 / p2 - 1.0) * 100.0 : 0.0;
    dst[i + 3] = p3 !== 0.0 ? (x3 / p3 - 1.0) * 100.0 : 0.0;
  }
}

/**
 * TA_OBV: starts at volume[0], then adds/subtracts volume as close rises/falls. The rise/fall/flat choice indexes
 * a 3-entry table instead of branching (closes rise or fall at random, and the mispredicted branch cost more than
 * the rest of the bar): obv + v, obv + (-v) = obv - v, and obv + (-0) = obv exactly, whatever v is (NaN included).
 */
function obvBatch({ close, volume }: OhlcvColumns, _p: Params, out: Outputs): void {
  obvLoop(close, volume, out.column(0, 0));
}

function obvLoop(c: Float64Array, v: Float64Array, dst: Float64Array): void {
  const len = c.length;
  if (len === 0) return;
  const step = new Float64Array([-0, 0, 0]);
  let obv = v[0] as number;
  let prev = c[0] as number;
  dst[0] = obv;
  for (let i = 1; i < len; i++) {
    const x = c[i] as number;
    const vol = v[i] as number;
    step[1] = vol;
    step[2] = -vol;
    obv += step[Number(x > prev) + 2 * Number(x < prev)] as number;
    prev = x;
    dst[i] = obv;
  }
}

/**
 * StochKernel's loop. The rolling helpers are the streaming kernel's own classes: called from this one loop they
 * stay monomorphic and inline. A bar whose %K or %D is NaN (only after a NaN input) repeats the previous outputs.
 */
function stochDeque({ high: h, low: l, close: c }: OhlcvColumns, p: Params, out: Outputs): void {
  const window = p.fastK as number;
  const len = c.length;
  const slowK = out.column(0, 0);
  const slowD = out.column(1, 0);
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
}

/** stochDeque with van Herk/Gil-Werman extremes (NaN-free high/low only). */
function stochBatch(cols: OhlcvColumns, p: Params, out: Outputs): void {
  const { high, low, close } = cols;
  if (!stochLoop(high, low, close, p.fastK as number, p.slowK as number, p.slowD as number, out.column(0, 0), out.column(1, 0))) stochDeque(cols, p, out);
}

/** False, with the outputs incomplete, on meeting a NaN high or low. */
function stochLoop(h: Float64Array, l: Float64Array, c: Float64Array, window: number, kPeriod: number, dPeriod: number, slowK: Float64Array, slowD: Float64Array): boolean {
  const len = c.length;
  const kBuf = doubles(kPeriod, 0);
  const dBuf = doubles(dPeriod, 0);
  let kSum = 0;
  let kSlot = 0;
  let kCount = 0;
  let dSum = 0;
  let dSlot = 0;
  let dCount = 0;
  const bk = blocks(window);
  const { sufHi, sufLo, sel } = bk;
  let lastK = NaN;
  let lastD = NaN;
  for (let start = 0; start < len; start += window) {
    if (start > 0) completeBlock(h, l, start - 1, window, bk);
    const end = Math.min(start + window, len);
    let preHi = -Infinity;
    let preLo = Infinity;
    for (let i = start, k = 1; i < end; i++, k++) {
      const x = h[i] as number;
      const y = l[i] as number;
      if (x !== x || y !== y) return false;
      preHi = pick(sel, preHi, x, x >= preHi);
      preLo = pick(sel, preLo, y, y <= preLo);
      const tailHi = sufHi[k] as number;
      const tailLo = sufLo[k] as number;
      const hh = pick(sel, tailHi, preHi, preHi >= tailHi);
      const ll = pick(sel, tailLo, preLo, preLo <= tailLo);
      if (i >= window - 1) {
        // kSma.push(fastK(...)) and dSma.push(sk), RollingSma's operations in its order, on plain arrays.
        const fk = fastK(c[i] as number, hh, ll);
        kBuf[kSlot] = fk;
        kSum += fk;
        if (++kSlot === kPeriod) kSlot = 0;
        if (++kCount >= kPeriod) {
          const sk = kSum / kPeriod;
          kSum -= kBuf[kSlot] as number;
          if (sk === sk) {
            dBuf[dSlot] = sk;
            dSum += sk;
            if (++dSlot === dPeriod) dSlot = 0;
            if (++dCount >= dPeriod) {
              const sd = dSum / dPeriod;
              dSum -= dBuf[dSlot] as number;
              if (sd === sd) {
                lastK = sk;
                lastD = sd;
              }
            }
          }
        }
      }
      slowK[i] = lastK;
      slowD[i] = lastD;
    }
  }
  return true;
}

/** StochRsiKernel's loop: fast stochastic over RSI values, %D = SMA; holds the last outputs like the kernel. */
function stochRsiDeque({ close: c }: OhlcvColumns, p: Params, out: Outputs): void {
  const window = p.fastK as number;
  const len = c.length;
  const outK = out.column(0, 0);
  const outD = out.column(1, 0);
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
}

/**
 * stochRsiDeque over an RSI column with van Herk/Gil-Werman extremes. While every RSI from bar `period` on is a
 * number, "the last fastK RSI values" is a plain index window; a NaN RSI (after a NaN or infinite close) hands over
 * to the deque path, which skips NaN RSI values as the streaming kernel does.
 */
function stochRsiBatch(cols: OhlcvColumns, p: Params, out: Outputs): void {
  const period = p.period as number;
  const window = p.fastK as number;
  const first = period + window - 1;
  const r = rsiColumn(cols.close, period);
  if (!stochRsiLoop(r, period, window, p.fastD as number, out.column(0, first), out.column(1, first))) stochRsiDeque(cols, p, out);
}

/** False, with the outputs incomplete, on meeting a NaN RSI. */
function stochRsiLoop(r: Float64Array, period: number, window: number, dPeriod: number, outK: Float64Array, outD: Float64Array): boolean {
  const len = r.length;
  const first = period + window - 1;
  const dSma = new RollingSma(dPeriod);
  const bk = blocks(window);
  const { sufHi, sufLo, sel } = bk;
  let lastK = NaN;
  let lastD = NaN;
  // Blocks start at bar `period`, the first RSI.
  for (let start = period; start < len; start += window) {
    if (start > period) completeBlock(r, r, start - 1, window, bk);
    const end = Math.min(start + window, len);
    let preHi = -Infinity;
    let preLo = Infinity;
    for (let i = start, k = 1; i < end; i++, k++) {
      const x = r[i] as number;
      if (x !== x) return false;
      preHi = pick(sel, preHi, x, x >= preHi);
      preLo = pick(sel, preLo, x, x <= preLo);
      const tailHi = sufHi[k] as number;
      const tailLo = sufLo[k] as number;
      const hh = pick(sel, tailHi, preHi, preHi >= tailHi);
      const ll = pick(sel, tailLo, preLo, preLo <= tailLo);
      if (i < first) continue;
      const fk = fastK(x, hh, ll);
      const d = dSma.push(fk);
      if (d === d) {
        lastK = fk;
        lastD = d;
      }
      outK[i] = lastK;
      outD[i] = lastD;
    }
  }
  return true;
}

function willrDeque({ high: h, low: l, close: c }: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  const len = c.length;
  const dst = out.column(0, n - 1);
  const hi = new RollingExtreme(n, true);
  const lo = new RollingExtreme(n, false);
  for (let i = 0; i < len; i++) {
    const hh = hi.push(h[i] as number);
    const ll = lo.push(l[i] as number);
    if (i < n - 1) continue;
    const diff = (hh - ll) * -0.01;
    dst[i] = diff !== 0.0 ? (hh - (c[i] as number)) / diff : 0.0;
  }
}

/** willrDeque with van Herk/Gil-Werman extremes (NaN-free high/low only). */
function willrBatch(cols: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  if (!willrLoop(cols.high, cols.low, cols.close, n, out.column(0, n - 1))) willrDeque(cols, p, out);
}

/** False, with the output incomplete, on meeting a NaN high or low. */
function willrLoop(h: Float64Array, l: Float64Array, c: Float64Array, n: number, dst: Float64Array): boolean {
  const len = c.length;
  const bk = blocks(n);
  const { sufHi, sufLo, sel } = bk;
  for (let start = 0; start < len; start += n) {
    if (start > 0) completeBlock(h, l, start - 1, n, bk);
    const end = Math.min(start + n, len);
    let preHi = -Infinity;
    let preLo = Infinity;
    for (let i = start, k = 1; i < end; i++, k++) {
      const x = h[i] as number;
      const y = l[i] as number;
      if (x !== x || y !== y) return false;
      preHi = pick(sel, preHi, x, x >= preHi);
      preLo = pick(sel, preLo, y, y <= preLo);
      const tailHi = sufHi[k] as number;
      const tailLo = sufLo[k] as number;
      const hh = pick(sel, tailHi, preHi, preHi >= tailHi);
      const ll = pick(sel, tailLo, preLo, preLo <= tailLo);
      if (i < n - 1) continue;
      const diff = (hh - ll) * -0.01;
      dst[i] = diff !== 0.0 ? (hh - (c[i] as number)) / diff : 0.0;
    }
  }
  return true;
}

/** DonchianKernel's loop: highest high, midpoint, lowest low of the last n bars. */
function donchianDeque({ high: h, low: l, close: c }: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  const len = c.length;
  const upper = out.column(0, n - 1);
  const middle = out.column(1, n - 1);
  const lower = out.column(2, n - 1);
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
}

/** donchianDeque with van Herk/Gil-Werman extremes (NaN-free high/low only). */
function donchianBatch(cols: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  if (!donchianLoop(cols.high, cols.low, n, out.column(0, n - 1), out.column(1, n - 1), out.column(2, n - 1))) donchianDeque(cols, p, out);
}

/** False, with the outputs incomplete, on meeting a NaN high or low. */
function donchianLoop(h: Float64Array, l: Float64Array, n: number, upper: Float64Array, middle: Float64Array, lower: Float64Array): boolean {
  const len = h.length;
  const bk = blocks(n);
  const { sufHi, sufLo, sel } = bk;
  for (let start = 0; start < len; start += n) {
    if (start > 0) completeBlock(h, l, start - 1, n, bk);
    const end = Math.min(start + n, len);
    let preHi = -Infinity;
    let preLo = Infinity;
    for (let i = start, k = 1; i < end; i++, k++) {
      const x = h[i] as number;
      const y = l[i] as number;
      if (x !== x || y !== y) return false;
      preHi = pick(sel, preHi, x, x >= preHi);
      preLo = pick(sel, preLo, y, y <= preLo);
      const tailHi = sufHi[k] as number;
      const tailLo = sufLo[k] as number;
      const hh = pick(sel, tailHi, preHi, preHi >= tailHi);
      const ll = pick(sel, tailLo, preLo, preLo <= tailLo);
      if (i < n - 1) continue;
      upper[i] = hh;
      middle[i] = (hh + ll) / 2;
      lower[i] = ll;
    }
  }
  return true;
}

/**
 * MfiKernel's loop: money flow rings with running positive/negative sums; 0 when total flow < 1. MfiKernel keeps
 * the flow in the positive or the negative ring (0 in the other); here each bar's flow and direction go in one
 * ring and the direction indexes the sum it moves (1 up, 2 down, 0 flat: a sum nobody reads), which replaces a
 * randomly mispredicted branch. Subtracting MfiKernel's 0 entries is an exact no-op, so the sums are identical.
 */
function mfiBatch({ high, low, close, volume }: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  mfiLoop(high, low, close, volume, n, out.column(0, n));
}

function mfiLoop(h: Float64Array, l: Float64Array, c: Float64Array, v: Float64Array, n: number, dst: Float64Array): void {
  const len = c.length;
  const flow = new Float64Array(n);
  const dir = new Int32Array(n);
  const sums = new Float64Array(3);
  let slot = 0;
  let prevTp = len > 0 ? ((h[0] as number) + (l[0] as number) + (c[0] as number)) / 3.0 : 0;
  for (let i = 1; i < len; i++) {
    const tp = ((h[i] as number) + (l[i] as number) + (c[i] as number)) / 3.0;
    const s = slot;
    if (++slot === n) slot = 0;
    if (i > n) {
      const k = dir[s] as number;
      sums[k] = (sums[k] as number) - (flow[s] as number);
    }
    const d = tp - prevTp;
    prevTp = tp;
    const mf = tp * (v[i] as number);
    const k = Number(d > 0) + 2 * Number(d < 0);
    flow[s] = mf;
    dir[s] = k;
    sums[k] = (sums[k] as number) + mf;
    if (i < n) continue;
    const posSum = sums[1] as number;
    const total = posSum + (sums[2] as number);
    dst[i] = total < 1.0 ? 0.0 : 100.0 * (posSum / total);
  }
}

/** AdxKernel's loop: +DM/-DM/TR summed then Wilder-smoothed, DIs from bar n, ADX seeded by mean DX at 2n-1. */
function adxBatch({ high: h, low: l, close: c }: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  const len = c.length;
  // The DIs are written from bar n, ADX from bar 2n-1 (bar 0 has no directional movement at any period).
  const outAdx = out.column(0, Math.max(1, 2 * n - 1));
  const outPlus = out.column(1, Math.max(1, n));
  const outMinus = out.column(2, Math.max(1, n));
  if (len === 0) return;
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
}

function sarBatch({ high: h, low: l, close: c }: OhlcvColumns, p: Params, out: Outputs): void {
  const max = p.maximum as number;
  sarLoop(h, l, c.length, Math.min(p.acceleration as number, max), max, out.column(0, 1));
}

/** SarKernel's loop (TA_SAR): state in locals; each bar's SAR is written before it is advanced. */
function sarLoop(h: Float64Array, l: Float64Array, len: number, accel: number, max: number, dst: Float64Array): void {
  if (len <= 1) return;
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
        dst[i] = sar;
        af = accel;
        ep = lo;
        sar = sar + af * (ep - sar);
        if (sar < prevHigh) sar = prevHigh;
        if (sar < hi) sar = hi;
      } else {
        dst[i] = sar;
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
      dst[i] = sar;
      af = accel;
      ep = hi;
      sar = sar + af * (ep - sar);
      if (sar > prevLow) sar = prevLow;
      if (sar > lo) sar = lo;
    } else {
      dst[i] = sar;
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
}

/**
 * SuperTrendKernel's loop: AtrCore's ATR (as atrBatch) and the band/flip rules with their state in locals. Like the
 * kernel, a bar whose ATR is NaN (warm-up, or after a NaN input) repeats the previous outputs.
 */
function superTrendBatch({ high: h, low: l, close: c }: OhlcvColumns, p: Params, out: Outputs): void {
  const n = p.period as number;
  const mult = p.mult as number;
  const len = c.length;
  const outTrend = out.column(0, 0);
  const outDir = out.column(1, 0);
  const outUpper = out.column(2, 0);
  const outLower = out.column(3, 0);
  let atr = 0;
  let upper = NaN;
  let lower = NaN;
  let dir = 0;
  let prevClose = NaN;
  // Direction as output: NaN until the first ATR (the state `dir` starts at 0).
  let trend = NaN;
  let direction = NaN;
  for (let i = 0; i < len; i++) {
    const hi = h[i] as number;
    const lo = l[i] as number;
    const cl = c[i] as number;
    const pc = prevClose;
    prevClose = cl;
    let value = NaN;
    if (i > 0) {
      let tr = hi - lo;
      const a = Math.abs(pc - hi);
      if (a > tr) tr = a;
      const b = Math.abs(lo - pc);
      if (b > tr) tr = b;
      if (n <= 1) value = tr;
      else if (i < n) atr += tr;
      else {
        if (i === n) atr = (atr + tr) / n;
        else {
          atr *= n - 1;
          atr += tr;
          atr /= n;
        }
        value = atr;
      }
    }
    if (value === value) {
      const hl2 = (hi + lo) / 2;
      let up = hl2 + mult * value;
      let dn = hl2 - mult * value;
      if (dir === 0) dir = -1;
      else {
        if (!(dn > lower || pc < lower)) dn = lower;
        if (!(up < upper || pc > upper)) up = upper;
        if (dir === -1) dir = cl > up ? 1 : -1;
        else dir = cl < dn ? -1 : 1;
      }
      upper = up;
      lower = dn;
      trend = dir === 1 ? dn : up;
      direction = dir;
    }
    outTrend[i] = trend;
    outDir[i] = direction;
    outUpper[i] = upper;
    outLower[i] = lower;
  }
}

/** VwapKernel's loop: typical-price VWAP, cumulative (window 0) or over a ring of the last `window` bars. */
function vwapBatch({ high: h, low: l, close: c, volume: v }: OhlcvColumns, p: Params, out: Outputs): void {
  const w = p.window as number;
  const len = c.length;
  const dst = out.column(0, 0);
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
    dst[i] = (w === 0 || i >= w - 1) && sumV > 0 ? sumPV / sumV : NaN;
  }
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
  SUPERTREND: { reads: ['high', 'low', 'close'], run: superTrendBatch },
  VWAP: { reads: ['high', 'low', 'close', 'volume'], run: vwapBatch },
};
