/** SMA, EMA, WMA, DEMA, TEMA on close, in TA-Lib's arithmetic order. */
import { Kernel, param, type KernelDef, type Params, type BarValues } from './kernel.ts';
import { RollingEma, RollingSma, decayBars } from './rolling.ts';

const period = (def: number) => param('period', def, 2, 100000, 'number of bars in the average');

class SmaKernel extends Kernel {
  sma: RollingSma;
  constructor(p: Params) {
    super(1);
    this.sma = new RollingSma(p.period as number);
  }
  step(bar: BarValues): void {
    const c = bar.close;
    this.n++;
    this.out[0] = this.sma.push(c);
  }
}

class EmaKernel extends Kernel {
  ema: RollingEma;
  constructor(p: Params) {
    super(1);
    this.ema = new RollingEma(p.period as number);
  }
  step(bar: BarValues): void {
    const c = bar.close;
    this.n++;
    this.out[0] = this.ema.push(c);
  }
}

/** TA-Lib WMA: periodSum/periodSub running sums, weights 1..n (newest heaviest). */
class WmaKernel extends Kernel {
  readonly period: number;
  buf: Float64Array;
  periodSum = 0;
  periodSub = 0;
  trailing = 0;
  slot = 0;
  constructor(p: Params) {
    super(1);
    this.period = p.period as number;
    this.buf = new Float64Array(this.period);
  }
  step(bar: BarValues): void {
    const c = bar.close;
    const n = this.period;
    const i = this.n++;
    let s = this.slot;
    this.buf[s] = c;
    if (++s === n) s = 0;
    this.slot = s;
    if (i < n - 1) {
      this.periodSub += c;
      this.periodSum += c * (i + 1);
      this.out[0] = NaN;
      return;
    }
    this.periodSub += c;
    this.periodSub -= this.trailing;
    this.periodSum += c * n;
    this.trailing = this.buf[s] as number;
    this.out[0] = this.periodSum / ((n * (n + 1)) >> 1);
    this.periodSum -= this.periodSub;
  }
}

class DemaKernel extends Kernel {
  e1: RollingEma;
  e2: RollingEma;
  constructor(p: Params) {
    super(1);
    this.e1 = new RollingEma(p.period as number);
    this.e2 = new RollingEma(p.period as number);
  }
  step(bar: BarValues): void {
    const c = bar.close;
    this.n++;
    const a = this.e1.push(c);
    const b = a === a ? this.e2.push(a) : NaN;
    this.out[0] = 2.0 * a - b;
  }
}

class TemaKernel extends Kernel {
  e1: RollingEma;
  e2: RollingEma;
  e3: RollingEma;
  constructor(p: Params) {
    super(1);
    this.e1 = new RollingEma(p.period as number);
    this.e2 = new RollingEma(p.period as number);
    this.e3 = new RollingEma(p.period as number);
  }
  step(bar: BarValues): void {
    const c = bar.close;
    this.n++;
    const a = this.e1.push(c);
    const b = a === a ? this.e2.push(a) : NaN;
    const d = b === b ? this.e3.push(b) : NaN;
    this.out[0] = d + (3.0 * a - 3.0 * b);
  }
}

const emaUnstable = (p: Params) => decayBars(2 / ((p.period as number) + 1));

export const movingAverages: KernelDef[] = [
  {
    name: 'SMA', description: 'Simple moving average of close.', params: [period(20)], outputs: ['sma'], convention: 'ta-lib',
    method: 'ta-lib:SMA (running sum)', lookback: (p) => (p.period as number) - 1, unstable: () => 0, create: (p) => new SmaKernel(p),
  },
  {
    name: 'EMA', description: 'Exponential moving average of close, k = 2/(n+1), seeded with the SMA of the first n closes.', params: [period(20)], outputs: ['ema'],
    convention: 'ta-lib', method: 'ta-lib:EMA (k=2/(n+1), SMA seed)', lookback: (p) => (p.period as number) - 1, unstable: emaUnstable, create: (p) => new EmaKernel(p),
  },
  {
    name: 'WMA', description: 'Linearly weighted moving average of close (weights 1..n, newest heaviest).', params: [period(20)], outputs: ['wma'],
    convention: 'ta-lib', method: 'ta-lib:WMA (linear weights)', lookback: (p) => (p.period as number) - 1, unstable: () => 0, create: (p) => new WmaKernel(p),
  },
  {
    name: 'DEMA', description: 'Double EMA: 2*EMA - EMA(EMA).', params: [period(20)], outputs: ['dema'], convention: 'ta-lib',
    method: 'ta-lib:DEMA (2*EMA1 - EMA2, SMA seeds)', lookback: (p) => 2 * ((p.period as number) - 1), unstable: emaUnstable, create: (p) => new DemaKernel(p),
  },
  {
    name: 'TEMA', description: 'Triple EMA: 3*EMA1 - 3*EMA2 + EMA3.', params: [period(20)], outputs: ['tema'], convention: 'ta-lib',
    method: 'ta-lib:TEMA (3*EMA1 - 3*EMA2 + EMA3, SMA seeds)', lookback: (p) => 3 * ((p.period as number) - 1), unstable: emaUnstable, create: (p) => new TemaKernel(p),
  },
];
