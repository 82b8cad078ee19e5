/** BBANDS, ATR (TA-Lib) and the published band indicators built on them: Keltner, Donchian, SuperTrend. */
import { Kernel, param, type KernelDef, type Params, type BarValues } from './kernel.ts';
import { RollingEma, RollingExtreme, RollingSma, decayBars } from './rolling.ts';

/** TA-Lib TRANGE + ATR: TR from bar 1 (needs a previous close), seed = mean TR[1..n], then Wilder smoothing. */
export class AtrCore {
  readonly period: number;
  count = 0;
  prevClose = 0;
  value = 0;
  constructor(period: number) {
    this.period = period;
  }
  push(h: number, l: number, c: number): number {
    const n = this.period;
    const i = this.count++;
    const pc = this.prevClose;
    this.prevClose = c;
    if (i === 0) return NaN;
    let tr = h - l;
    const a = Math.abs(pc - h);
    if (a > tr) tr = a;
    const b = Math.abs(l - pc);
    if (b > tr) tr = b;
    if (n <= 1) return tr;
    if (i < n) {
      this.value += tr;
      return NaN;
    }
    if (i === n) {
      this.value = (this.value + tr) / n;
      return this.value;
    }
    this.value *= n - 1;
    this.value += tr;
    this.value /= n;
    return this.value;
  }
}

class AtrKernel extends Kernel {
  atr: AtrCore;
  constructor(p: Params) {
    super(1);
    this.atr = new AtrCore(p.period as number);
  }
  step(bar: BarValues): void {
    const h = bar.high;
    const l = bar.low;
    const c = bar.close;
    this.n++;
    this.out[0] = this.atr.push(h, l, c);
  }
}

/** TA-Lib BBANDS with an SMA middle band and population sd from a running sum of squares. */
class BbandsKernel extends Kernel {
  readonly period: number;
  readonly up: number;
  readonly dn: number;
  sma: RollingSma;
  sq: Float64Array;
  sumSq = 0;
  slot = 0;
  constructor(p: Params) {
    super(3);
    this.period = p.period as number;
    this.up = p.nbDevUp as number;
    this.dn = p.nbDevDn as number;
    this.sma = new RollingSma(this.period);
    this.sq = new Float64Array(this.period);
  }
  step(bar: BarValues): void {
    const c = bar.close;
    const n = this.period;
    const i = this.n++;
    const mid = this.sma.push(c);
    const x2 = c * c;
    let s = this.slot;
    this.sq[s] = x2;
    if (++s === n) s = 0;
    this.slot = s;
    this.sumSq += x2;
    if (i < n - 1) return;
    let var2 = this.sumSq / n;
    this.sumSq -= this.sq[s] as number;
    var2 -= mid * mid;
    const sd = var2 >= 1e-14 ? Math.sqrt(var2) : 0.0;
    this.out[0] = mid + this.up * sd;
    this.out[1] = mid;
    this.out[2] = mid - this.dn * sd;
  }
}

/** Keltner channel (Raschke): EMA(typical price) ± mult * ATR. */
class KeltnerKernel extends Kernel {
  ema: RollingEma;
  atr: AtrCore;
  readonly mult: number;
  constructor(p: Params) {
    super(3);
    this.ema = new RollingEma(p.period as number);
    this.atr = new AtrCore(p.atrPeriod as number);
    this.mult = p.mult as number;
  }
  step(bar: BarValues): void {
    const h = bar.high;
    const l = bar.low;
    const c = bar.close;
    this.n++;
    const mid = this.ema.push((h + l + c) / 3);
    const atr = this.atr.push(h, l, c);
    if (mid !== mid || atr !== atr) return;
    this.out[0] = mid + this.mult * atr;
    this.out[1] = mid;
    this.out[2] = mid - this.mult * atr;
  }
}

/** Donchian channel: highest high and lowest low of the last n bars (current bar included), and their midpoint. */
class DonchianKernel extends Kernel {
  hi: RollingExtreme;
  lo: RollingExtreme;
  readonly period: number;
  constructor(p: Params) {
    super(3);
    this.period = p.period as number;
    this.hi = new RollingExtreme(this.period, true);
    this.lo = new RollingExtreme(this.period, false);
  }
  step(bar: BarValues): void {
    const h = bar.high;
    const l = bar.low;
    const i = this.n++;
    const hh = this.hi.push(h);
    const ll = this.lo.push(l);
    if (i < this.period - 1) return;
    this.out[0] = hh;
    this.out[1] = (hh + ll) / 2;
    this.out[2] = ll;
  }
}

/**
 * SuperTrend (Seban; as TradingView's ta.supertrend): bands hl2 ± mult*ATR that only tighten while price stays
 * inside them; the trend flips when close crosses the active band. direction: +1 up (line = lower band), -1 down.
 */
class SuperTrendKernel extends Kernel {
  atr: AtrCore;
  readonly mult: number;
  upper = NaN;
  lower = NaN;
  dir = 0;
  prevClose = NaN;
  constructor(p: Params) {
    super(4);
    this.atr = new AtrCore(p.period as number);
    this.mult = p.mult as number;
  }
  step(bar: BarValues): void {
    const h = bar.high;
    const l = bar.low;
    const c = bar.close;
    this.n++;
    const atr = this.atr.push(h, l, c);
    const pc = this.prevClose;
    this.prevClose = c;
    if (atr !== atr) return;
    const hl2 = (h + l) / 2;
    let up = hl2 + this.mult * atr;
    let lo = hl2 - this.mult * atr;
    if (this.dir === 0) {
      this.dir = -1;
    } else {
      if (!(lo > this.lower || pc < this.lower)) lo = this.lower;
      if (!(up < this.upper || pc > this.upper)) up = this.upper;
      if (this.dir === -1) this.dir = c > up ? 1 : -1;
      else this.dir = c < lo ? -1 : 1;
    }
    this.upper = up;
    this.lower = lo;
    this.out[0] = this.dir === 1 ? lo : up;
    this.out[1] = this.dir;
    this.out[2] = up;
    this.out[3] = lo;
  }
}

const wilder = (n: number) => decayBars(1 / n);

export const volatility: KernelDef[] = [
  {
    name: 'BBANDS', description: 'Bollinger Bands: SMA ± k population standard deviations.',
    params: [param('period', 20, 2, 100000, 'number of bars'), param('nbDevUp', 2, -3e37, 3e37, 'upper band deviations', false), param('nbDevDn', 2, -3e37, 3e37, 'lower band deviations', false)],
    outputs: ['upper', 'middle', 'lower'], convention: 'ta-lib', method: 'ta-lib:BBANDS (SMA, population sd)',
    lookback: (p) => (p.period as number) - 1, unstable: () => 0, create: (p) => new BbandsKernel(p),
  },
  {
    name: 'ATR', description: 'Average True Range (Wilder).', params: [param('period', 14, 1, 100000, 'number of bars')], outputs: ['atr'],
    convention: 'ta-lib', method: 'ta-lib:ATR (TR from bar 1, SMA seed, Wilder smoothing)', lookback: (p) => p.period as number,
    unstable: (p) => wilder(p.period as number), create: (p) => new AtrKernel(p),
  },
  {
    name: 'KELTNER', description: 'Keltner channel: EMA of typical price ± mult * ATR.',
    params: [param('period', 20, 2, 100000, 'EMA period'), param('atrPeriod', 10, 1, 100000, 'ATR period'), param('mult', 2, 0, 1000, 'ATR multiplier', false)],
    outputs: ['upper', 'middle', 'lower'], convention: 'published', reference: 'L. Raschke, Keltner channel (EMA of typical price, ATR bands); EMA and ATR seeded as TA-Lib',
    method: 'published:Keltner (EMA(TP) ± mult*ATR)', lookback: (p) => Math.max((p.period as number) - 1, p.atrPeriod as number),
    unstable: (p) => Math.max(decayBars(2 / ((p.period as number) + 1)), wilder(p.atrPeriod as number)), create: (p) => new KeltnerKernel(p),
  },
  {
    name: 'DONCHIAN', description: 'Donchian channel: highest high, lowest low over n bars and the midpoint.',
    params: [param('period', 20, 1, 100000, 'number of bars')], outputs: ['upper', 'middle', 'lower'], convention: 'published',
    reference: 'R. Donchian, price channel (current bar included)', method: 'published:Donchian', lookback: (p) => (p.period as number) - 1,
    unstable: () => 0, create: (p) => new DonchianKernel(p),
  },
  {
    name: 'SUPERTREND', description: 'SuperTrend: ATR trailing band that flips with the trend; direction +1 up, -1 down.',
    params: [param('period', 10, 1, 100000, 'ATR period'), param('mult', 3, 0, 1000, 'ATR multiplier', false)],
    outputs: ['supertrend', 'direction', 'upper', 'lower'], convention: 'published',
    reference: "O. Seban, SuperTrend; band/flip rules as TradingView ta.supertrend, ATR seeded as TA-Lib", method: 'published:SuperTrend (hl2 ± mult*ATR)',
    lookback: (p) => p.period as number, unstable: (p) => wilder(p.period as number), create: (p) => new SuperTrendKernel(p),
  },
];
