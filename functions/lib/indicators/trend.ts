/** ADX/+DI/-DI and SAR ported from TA-Lib; Ichimoku as published by Hosoda. */
import { Kernel, isZero, param, type KernelDef, type Params, type BarValues } from './kernel.ts';
import { History, RollingExtreme, decayBars } from './rolling.ts';

/**
 * TA_ADX (+ TA_PLUS_DI / TA_MINUS_DI): DM and TR summed over bars 1..n-1, Wilder-smoothed from bar n (where the
 * DIs start), DX averaged over bars n..2n-1 to seed ADX (first value at 2n-1), then Wilder-smoothed.
 */
class AdxKernel extends Kernel {
  readonly period: number;
  prevHigh = 0;
  prevLow = 0;
  prevClose = 0;
  plusDM = 0;
  minusDM = 0;
  tr = 0;
  sumDX = 0;
  adx = 0;
  constructor(p: Params) {
    super(3);
    this.period = p.period as number;
  }
  step(bar: BarValues): void {
    const h = bar.high;
    const l = bar.low;
    const c = bar.close;
    const n = this.period;
    const i = this.n++;
    if (i === 0) {
      this.prevHigh = h;
      this.prevLow = l;
      this.prevClose = c;
      return;
    }
    const diffP = h - this.prevHigh;
    this.prevHigh = h;
    const diffM = this.prevLow - l;
    this.prevLow = l;
    let tr = h - l;
    const a = Math.abs(h - this.prevClose);
    if (a > tr) tr = a;
    const b = Math.abs(l - this.prevClose);
    if (b > tr) tr = b;
    this.prevClose = c;
    if (i < n) {
      if (diffM > 0 && diffP < diffM) this.minusDM += diffM;
      else if (diffP > 0 && diffP > diffM) this.plusDM += diffP;
      this.tr += tr;
      return;
    }
    this.minusDM -= this.minusDM / n;
    this.plusDM -= this.plusDM / n;
    if (diffM > 0 && diffP < diffM) this.minusDM += diffM;
    else if (diffP > 0 && diffP > diffM) this.plusDM += diffP;
    this.tr = this.tr - this.tr / n + tr;
    let minusDI = 0.0;
    let plusDI = 0.0;
    let dx = NaN;
    if (!isZero(this.tr)) {
      minusDI = 100.0 * (this.minusDM / this.tr);
      plusDI = 100.0 * (this.plusDM / this.tr);
      const s = minusDI + plusDI;
      if (!isZero(s)) dx = 100.0 * (Math.abs(minusDI - plusDI) / s);
    }
    this.out[1] = plusDI;
    this.out[2] = minusDI;
    if (i < 2 * n - 1) {
      if (dx === dx) this.sumDX += dx;
      return;
    }
    if (i === 2 * n - 1) {
      if (dx === dx) this.sumDX += dx;
      this.adx = this.sumDX / n;
    } else if (dx === dx) {
      this.adx = (this.adx * (n - 1) + dx) / n;
    }
    this.out[0] = this.adx;
  }
}

/** TA_SAR: initial direction from MINUS_DM of bars 0-1; the SAR of each bar is emitted before it is advanced. */
class SarKernel extends Kernel {
  readonly accel: number;
  readonly max: number;
  isLong = 0;
  af = 0;
  ep = 0;
  sar = 0;
  newHigh = 0;
  newLow = 0;
  constructor(p: Params) {
    super(1);
    this.max = p.maximum as number;
    this.accel = Math.min(p.acceleration as number, this.max);
  }
  step(bar: BarValues): void {
    const h = bar.high;
    const l = bar.low;
    const i = this.n++;
    if (i === 0) {
      this.newHigh = h;
      this.newLow = l;
      return;
    }
    if (i === 1) {
      const diffP = h - this.newHigh;
      const diffM = this.newLow - l;
      this.isLong = diffM > 0 && diffP < diffM ? 0 : 1;
      this.af = this.accel;
      if (this.isLong === 1) {
        this.ep = h;
        this.sar = this.newLow;
      } else {
        this.ep = l;
        this.sar = this.newHigh;
      }
      this.newLow = l;
      this.newHigh = h;
    }
    const prevLow = this.newLow;
    const prevHigh = this.newHigh;
    this.newLow = l;
    this.newHigh = h;
    let sar = this.sar;
    if (this.isLong === 1) {
      if (l <= sar) {
        this.isLong = 0;
        sar = this.ep;
        if (sar < prevHigh) sar = prevHigh;
        if (sar < h) sar = h;
        this.out[0] = sar;
        this.af = this.accel;
        this.ep = l;
        sar = sar + this.af * (this.ep - sar);
        if (sar < prevHigh) sar = prevHigh;
        if (sar < h) sar = h;
      } else {
        this.out[0] = sar;
        if (h > this.ep) {
          this.ep = h;
          this.af += this.accel;
          if (this.af > this.max) this.af = this.max;
        }
        sar = sar + this.af * (this.ep - sar);
        if (sar > prevLow) sar = prevLow;
        if (sar > l) sar = l;
      }
    } else if (h >= sar) {
      this.isLong = 1;
      sar = this.ep;
      if (sar > prevLow) sar = prevLow;
      if (sar > l) sar = l;
      this.out[0] = sar;
      this.af = this.accel;
      this.ep = h;
      sar = sar + this.af * (this.ep - sar);
      if (sar > prevLow) sar = prevLow;
      if (sar > l) sar = l;
    } else {
      this.out[0] = sar;
      if (l < this.ep) {
        this.ep = l;
        this.af += this.accel;
        if (this.af > this.max) this.af = this.max;
      }
      sar = sar + this.af * (this.ep - sar);
      if (sar < prevHigh) sar = prevHigh;
      if (sar < h) sar = h;
    }
    this.sar = sar;
  }
}

/**
 * Ichimoku Kinko Hyo (Hosoda). Values are those computed at this bar: tenkan, kijun, senkouA/senkouB (plotted
 * `displacement` bars ahead), chikou = close (plotted `displacement` bars back). cloudA/cloudB are the spans that
 * were computed `displacement` bars ago, i.e. the cloud drawn under the current bar.
 */
class IchimokuKernel extends Kernel {
  readonly conv: number;
  readonly base: number;
  readonly spanB: number;
  readonly disp: number;
  convHi: RollingExtreme;
  convLo: RollingExtreme;
  baseHi: RollingExtreme;
  baseLo: RollingExtreme;
  spanHi: RollingExtreme;
  spanLo: RollingExtreme;
  histA: History;
  histB: History;
  constructor(p: Params) {
    super(7);
    this.conv = p.conversion as number;
    this.base = p.base as number;
    this.spanB = p.spanB as number;
    this.disp = p.displacement as number;
    this.convHi = new RollingExtreme(this.conv, true);
    this.convLo = new RollingExtreme(this.conv, false);
    this.baseHi = new RollingExtreme(this.base, true);
    this.baseLo = new RollingExtreme(this.base, false);
    this.spanHi = new RollingExtreme(this.spanB, true);
    this.spanLo = new RollingExtreme(this.spanB, false);
    this.histA = new History(this.disp + 1);
    this.histB = new History(this.disp + 1);
  }
  step(bar: BarValues): void {
    const h = bar.high;
    const l = bar.low;
    const c = bar.close;
    const i = this.n++;
    const tenkan = i >= this.conv - 1 ? (this.convHi.push(h) + this.convLo.push(l)) / 2 : (this.convHi.push(h), this.convLo.push(l), NaN);
    const kijun = i >= this.base - 1 ? (this.baseHi.push(h) + this.baseLo.push(l)) / 2 : (this.baseHi.push(h), this.baseLo.push(l), NaN);
    const spanB = i >= this.spanB - 1 ? (this.spanHi.push(h) + this.spanLo.push(l)) / 2 : (this.spanHi.push(h), this.spanLo.push(l), NaN);
    const spanA = (tenkan + kijun) / 2;
    this.histA.push(spanA);
    this.histB.push(spanB);
    const o = this.out;
    o[0] = tenkan;
    o[1] = kijun;
    o[2] = spanA;
    o[3] = spanB;
    o[4] = c;
    o[5] = i >= this.disp ? this.histA.at(this.disp) : NaN;
    o[6] = i >= this.disp ? this.histB.at(this.disp) : NaN;
  }
}

export const trend: KernelDef[] = [
  {
    name: 'ADX', description: 'Average Directional Index with +DI and -DI (Wilder).', params: [param('period', 14, 2, 100000, 'number of bars')],
    outputs: ['adx', 'plusDI', 'minusDI'], convention: 'ta-lib', method: 'ta-lib:ADX/PLUS_DI/MINUS_DI (Wilder smoothing; DIs from bar n, ADX from bar 2n-1)',
    lookback: (p) => 2 * (p.period as number) - 1, unstable: (p) => decayBars(1 / (p.period as number)), create: (p) => new AdxKernel(p),
  },
  {
    name: 'SAR', description: 'Parabolic SAR (Wilder).',
    params: [param('acceleration', 0.02, 0, 3e37, 'acceleration factor step', false), param('maximum', 0.2, 0, 3e37, 'acceleration factor cap', false)],
    outputs: ['sar'], convention: 'ta-lib', method: 'ta-lib:SAR (direction from the first MINUS_DM)', lookback: () => 1, unstable: () => 0, create: (p) => new SarKernel(p),
  },
  {
    name: 'ICHIMOKU', description: 'Ichimoku cloud: tenkan, kijun, senkou A/B (plotted ahead), chikou (close, plotted back), and the cloud under the current bar.',
    params: [param('conversion', 9, 1, 100000, 'tenkan-sen window'), param('base', 26, 1, 100000, 'kijun-sen window'), param('spanB', 52, 1, 100000, 'senkou span B window'), param('displacement', 26, 1, 100000, 'bars the spans are shifted')],
    outputs: ['tenkan', 'kijun', 'senkouA', 'senkouB', 'chikou', 'cloudA', 'cloudB'], convention: 'published',
    reference: 'G. Hosoda, Ichimoku Kinko Hyo: midpoints of highest high/lowest low; spans shifted +displacement, chikou -displacement',
    method: 'published:Ichimoku (midpoint lines)', lookback: (p) => Math.max(p.spanB as number, p.base as number, p.conversion as number) - 1 + (p.displacement as number),
    unstable: () => 0, create: (p) => new IchimokuKernel(p),
  },
];
