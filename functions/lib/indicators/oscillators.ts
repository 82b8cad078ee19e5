/** RSI, MACD, STOCH, STOCHRSI, CCI, MFI, WILLR, ROC, ported from TA-Lib's C loops. */
import { Kernel, isZero, param, type KernelDef, type Params, type BarValues } from './kernel.ts';
import { History, RollingEma, RollingExtreme, RollingSma, decayBars } from './rolling.ts';

/** Wilder RSI exactly as TA_RSI (default compatibility): SMA seed of gains/losses over bars 1..n. */
export class RsiCore {
  readonly period: number;
  count = 0;
  prev = 0;
  gain = 0;
  loss = 0;
  constructor(period: number) {
    this.period = period;
  }
  push(x: number): number {
    const n = this.period;
    const i = this.count++;
    if (i === 0) {
      this.prev = x;
      return NaN;
    }
    const d = x - this.prev;
    this.prev = x;
    if (i <= n) {
      if (d < 0) this.loss -= d;
      else this.gain += d;
      if (i < n) return NaN;
      this.loss /= n;
      this.gain /= n;
    } else {
      this.loss *= n - 1;
      this.gain *= n - 1;
      if (d < 0) this.loss -= d;
      else this.gain += d;
      this.loss /= n;
      this.gain /= n;
    }
    const t = this.gain + this.loss;
    return isZero(t) ? 0.0 : 100.0 * (this.gain / t);
  }
}

class RsiKernel extends Kernel {
  rsi: RsiCore;
  constructor(p: Params) {
    super(1);
    this.rsi = new RsiCore(p.period as number);
  }
  step(bar: BarValues): void {
    const c = bar.close;
    this.n++;
    this.out[0] = this.rsi.push(c);
  }
}

/**
 * TA_MACD: the fast EMA is seeded with the SMA of the `fast` closes ending where the slow seed ends, so both lines
 * start together at bar slow-1; the signal EMA is seeded with the SMA of the first `signal` MACD values.
 */
class MacdKernel extends Kernel {
  fastEma: RollingEma;
  slowEma: RollingEma;
  signalEma: RollingEma;
  constructor(p: Params) {
    super(3);
    let fast = p.fast as number;
    let slow = p.slow as number;
    if (slow < fast) [fast, slow] = [slow, fast];
    this.fastEma = new RollingEma(fast, slow - fast);
    this.slowEma = new RollingEma(slow);
    this.signalEma = new RollingEma(p.signal as number);
  }
  step(bar: BarValues): void {
    const c = bar.close;
    this.n++;
    const f = this.fastEma.push(c);
    const s = this.slowEma.push(c);
    if (s !== s) return;
    const line = f - s;
    const sig = this.signalEma.push(line);
    if (sig !== sig) return;
    this.out[0] = line;
    this.out[1] = sig;
    this.out[2] = line - sig;
  }
}

/** Fast %K as TA-Lib computes it: (close - lowest) / ((highest - lowest) / 100), 0 on a flat window. */
export function fastK(close: number, highest: number, lowest: number): number {
  const diff = (highest - lowest) / 100.0;
  return diff !== 0.0 ? (close - lowest) / diff : 0.0;
}

class StochKernel extends Kernel {
  hi: RollingExtreme;
  lo: RollingExtreme;
  kSma: RollingSma;
  dSma: RollingSma;
  readonly fastKPeriod: number;
  constructor(p: Params) {
    super(2);
    this.fastKPeriod = p.fastK as number;
    this.hi = new RollingExtreme(this.fastKPeriod, true);
    this.lo = new RollingExtreme(this.fastKPeriod, false);
    this.kSma = new RollingSma(p.slowK as number);
    this.dSma = new RollingSma(p.slowD as number);
  }
  step(bar: BarValues): void {
    const h = bar.high;
    const l = bar.low;
    const c = bar.close;
    const i = this.n++;
    const hh = this.hi.push(h);
    const ll = this.lo.push(l);
    if (i < this.fastKPeriod - 1) return;
    const k = this.kSma.push(fastK(c, hh, ll));
    if (k !== k) return;
    const d = this.dSma.push(k);
    if (d !== d) return;
    this.out[0] = k;
    this.out[1] = d;
  }
}

/** TA_STOCHRSI: STOCHF (fast %K over `fastK` RSI values, %D = SMA) applied to RSI. */
class StochRsiKernel extends Kernel {
  rsi: RsiCore;
  hi: RollingExtreme;
  lo: RollingExtreme;
  dSma: RollingSma;
  rsiCount = 0;
  readonly fastKPeriod: number;
  constructor(p: Params) {
    super(2);
    this.fastKPeriod = p.fastK as number;
    this.rsi = new RsiCore(p.period as number);
    this.hi = new RollingExtreme(this.fastKPeriod, true);
    this.lo = new RollingExtreme(this.fastKPeriod, false);
    this.dSma = new RollingSma(p.fastD as number);
  }
  step(bar: BarValues): void {
    const c = bar.close;
    this.n++;
    const r = this.rsi.push(c);
    if (r !== r) return;
    const j = this.rsiCount++;
    const hh = this.hi.push(r);
    const ll = this.lo.push(r);
    if (j < this.fastKPeriod - 1) return;
    const k = fastK(r, hh, ll);
    const d = this.dSma.push(k);
    if (d !== d) return;
    this.out[0] = k;
    this.out[1] = d;
  }
}

/**
 * CCI of the typical price `tp` over the full ring `buf` (TA_CCI's inner loops): average, then mean absolute
 * deviation, each summed in ring order exactly as TA-Lib does, so flat windows give exactly 0 as in TA-Lib. The
 * loops are unrolled by four without reassociating: each sum stays one serial chain in the same order, only the
 * per-iteration loop overhead (which, not the add latency, bounded the plain loop in V8) is cut.
 */
export function cciOf(buf: Float64Array, tp: number): number {
  const n = buf.length;
  const quads = n - (n & 3);
  let avg = 0;
  let j = 0;
  for (; j < quads; j += 4) {
    avg += buf[j] as number;
    avg += buf[j + 1] as number;
    avg += buf[j + 2] as number;
    avg += buf[j + 3] as number;
  }
  for (; j < n; j++) avg += buf[j] as number;
  avg /= n;
  let dev = 0;
  for (j = 0; j < quads; j += 4) {
    dev += Math.abs((buf[j] as number) - avg);
    dev += Math.abs((buf[j + 1] as number) - avg);
    dev += Math.abs((buf[j + 2] as number) - avg);
    dev += Math.abs((buf[j + 3] as number) - avg);
  }
  for (; j < n; j++) dev += Math.abs((buf[j] as number) - avg);
  const t = tp - avg;
  return t !== 0.0 && dev !== 0.0 ? t / (0.015 * (dev / n)) : 0.0;
}

/**
 * TA_CCI: typical prices in a circular buffer indexed like TA-Lib's (bar % n), average and mean absolute
 * deviation summed in buffer order. O(n) per bar, as in TA-Lib: a mean absolute deviation has no O(1) update.
 */
class CciKernel extends Kernel {
  readonly period: number;
  buf: Float64Array;
  slot = 0;
  constructor(p: Params) {
    super(1);
    this.period = p.period as number;
    this.buf = new Float64Array(this.period);
  }
  step(bar: BarValues): void {
    const h = bar.high;
    const l = bar.low;
    const c = bar.close;
    const n = this.period;
    const i = this.n++;
    const tp = (h + l + c) / 3;
    this.buf[this.slot] = tp;
    if (++this.slot === n) this.slot = 0;
    if (i < n - 1) return;
    this.out[0] = cciOf(this.buf, tp);
  }
}

/** TA_MFI: positive/negative money flow in a circular buffer; 0 when total flow < 1. */
class MfiKernel extends Kernel {
  readonly period: number;
  pos: Float64Array;
  neg: Float64Array;
  posSum = 0;
  negSum = 0;
  prevTp = 0;
  slot = 0;
  constructor(p: Params) {
    super(1);
    this.period = p.period as number;
    this.pos = new Float64Array(this.period);
    this.neg = new Float64Array(this.period);
  }
  step(bar: BarValues): void {
    const h = bar.high;
    const l = bar.low;
    const c = bar.close;
    const v = bar.volume;
    const n = this.period;
    const i = this.n++;
    const tp = (h + l + c) / 3.0;
    if (i === 0) {
      this.prevTp = tp;
      return;
    }
    const slot = this.slot;
    if (++this.slot === n) this.slot = 0;
    if (i > n) {
      this.posSum -= this.pos[slot] as number;
      this.negSum -= this.neg[slot] as number;
    }
    const d = tp - this.prevTp;
    this.prevTp = tp;
    const mf = tp * v;
    if (d < 0) {
      this.neg[slot] = mf;
      this.negSum += mf;
      this.pos[slot] = 0.0;
    } else if (d > 0) {
      this.pos[slot] = mf;
      this.posSum += mf;
      this.neg[slot] = 0.0;
    } else {
      this.pos[slot] = 0.0;
      this.neg[slot] = 0.0;
    }
    if (i < n) return;
    const total = this.posSum + this.negSum;
    this.out[0] = total < 1.0 ? 0.0 : 100.0 * (this.posSum / total);
  }
}

class WillrKernel extends Kernel {
  hi: RollingExtreme;
  lo: RollingExtreme;
  readonly period: number;
  constructor(p: Params) {
    super(1);
    this.period = p.period as number;
    this.hi = new RollingExtreme(this.period, true);
    this.lo = new RollingExtreme(this.period, false);
  }
  step(bar: BarValues): void {
    const h = bar.high;
    const l = bar.low;
    const c = bar.close;
    const i = this.n++;
    const hh = this.hi.push(h);
    const ll = this.lo.push(l);
    if (i < this.period - 1) return;
    const diff = (hh - ll) * -0.01;
    this.out[0] = diff !== 0.0 ? (hh - c) / diff : 0.0;
  }
}

class RocKernel extends Kernel {
  hist: History;
  readonly period: number;
  constructor(p: Params) {
    super(1);
    this.period = p.period as number;
    this.hist = new History(this.period + 1);
  }
  step(bar: BarValues): void {
    const c = bar.close;
    const i = this.n++;
    this.hist.push(c);
    if (i < this.period) return;
    const prev = this.hist.at(this.period);
    this.out[0] = prev !== 0.0 ? (c / prev - 1.0) * 100.0 : 0.0;
  }
}

const period = (def: number, min = 2) => param('period', def, min, 100000, 'number of bars');
const wilder = (p: Params) => decayBars(1 / (p.period as number));

export const oscillators: KernelDef[] = [
  {
    name: 'RSI', description: 'Relative Strength Index (Wilder), 0..100.', params: [period(14)], outputs: ['rsi'], convention: 'ta-lib',
    method: 'ta-lib:RSI (Wilder smoothing, SMA seed)', lookback: (p) => p.period as number, unstable: wilder, create: (p) => new RsiKernel(p),
  },
  {
    name: 'MACD', description: 'MACD line (fast EMA - slow EMA), signal EMA of the line, histogram.',
    params: [param('fast', 12, 2, 100000, 'fast EMA period'), param('slow', 26, 2, 100000, 'slow EMA period'), param('signal', 9, 1, 100000, 'signal EMA period')],
    outputs: ['macd', 'signal', 'hist'], convention: 'ta-lib', method: 'ta-lib:MACD (EMA seeds aligned at bar slow-1, signal SMA seed)',
    lookback: (p) => Math.max(p.fast as number, p.slow as number) - 1 + (p.signal as number) - 1,
    unstable: (p) => decayBars(2 / (Math.max(p.fast as number, p.slow as number) + 1)), create: (p) => new MacdKernel(p),
  },
  {
    name: 'STOCH', description: 'Slow stochastic: %K = SMA(fast %K), %D = SMA(%K).',
    params: [param('fastK', 14, 1, 100000, 'high/low window'), param('slowK', 3, 1, 100000, 'SMA of fast %K'), param('slowD', 3, 1, 100000, 'SMA of slow %K')],
    outputs: ['slowK', 'slowD'], convention: 'ta-lib', method: 'ta-lib:STOCH (SMA smoothing, all outputs from the full lookback)',
    lookback: (p) => (p.fastK as number) - 1 + (p.slowK as number) - 1 + (p.slowD as number) - 1, unstable: () => 0, create: (p) => new StochKernel(p),
  },
  {
    name: 'STOCHRSI', description: 'Stochastic RSI: fast stochastic (%K, %D = SMA) over RSI values.',
    params: [period(14), param('fastK', 14, 1, 100000, 'RSI high/low window'), param('fastD', 3, 1, 100000, 'SMA of %K')],
    outputs: ['fastK', 'fastD'], convention: 'ta-lib', method: 'ta-lib:STOCHRSI (STOCHF over Wilder RSI)',
    lookback: (p) => (p.period as number) + (p.fastK as number) - 1 + (p.fastD as number) - 1, unstable: wilder, create: (p) => new StochRsiKernel(p),
  },
  {
    name: 'CCI', description: 'Commodity Channel Index: (TP - SMA(TP)) / (0.015 * mean deviation).', params: [period(20)], outputs: ['cci'],
    convention: 'ta-lib', method: 'ta-lib:CCI (typical price, mean absolute deviation)', lookback: (p) => (p.period as number) - 1, unstable: () => 0, create: (p) => new CciKernel(p),
  },
  {
    name: 'MFI', description: 'Money Flow Index, 0..100 (volume-weighted RSI on typical price).', params: [period(14)], outputs: ['mfi'],
    convention: 'ta-lib', method: 'ta-lib:MFI (money-flow sums over n bars)', lookback: (p) => p.period as number, unstable: () => 0, create: (p) => new MfiKernel(p),
  },
  {
    name: 'WILLR', description: "Williams' %R, -100..0.", params: [period(14)], outputs: ['willr'], convention: 'ta-lib',
    method: 'ta-lib:WILLR', lookback: (p) => (p.period as number) - 1, unstable: () => 0, create: (p) => new WillrKernel(p),
  },
  {
    name: 'ROC', description: 'Rate of change in percent: (close/close[n] - 1) * 100.', params: [period(10, 1)], outputs: ['roc'], convention: 'ta-lib',
    method: 'ta-lib:ROC', lookback: (p) => p.period as number, unstable: () => 0, create: (p) => new RocKernel(p),
  },
];
