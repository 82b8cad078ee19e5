/** OBV (TA-Lib) and VWAP (published: cumulative or rolling typical-price VWAP). */
import { Kernel, param, type KernelDef, type Params, type BarValues } from './kernel.ts';

/** TA_OBV: starts at volume[0] (not 0), then adds/subtracts volume as close rises/falls. */
class ObvKernel extends Kernel {
  obv = 0;
  prevClose = 0;
  constructor() {
    super(1);
  }
  step(bar: BarValues): void {
    const c = bar.close;
    const v = bar.volume;
    const i = this.n++;
    if (i === 0) this.obv = v;
    else if (c > this.prevClose) this.obv += v;
    else if (c < this.prevClose) this.obv -= v;
    this.prevClose = c;
    this.out[0] = this.obv;
  }
}

/** VWAP of typical price: cumulative since the first bar (window 0) or over the last `window` bars. */
class VwapKernel extends Kernel {
  readonly window: number;
  pv: Float64Array;
  vol: Float64Array;
  sumPV = 0;
  sumV = 0;
  slot = 0;
  constructor(p: Params) {
    super(1);
    this.window = p.window as number;
    this.pv = new Float64Array(this.window);
    this.vol = new Float64Array(this.window);
  }
  step(bar: BarValues): void {
    const h = bar.high;
    const l = bar.low;
    const c = bar.close;
    const v = bar.volume;
    const i = this.n++;
    const pv = ((h + l + c) / 3) * v;
    const w = this.window;
    if (w > 0) {
      const slot = this.slot;
      if (++this.slot === w) this.slot = 0;
      if (i >= w) {
        this.sumPV -= this.pv[slot] as number;
        this.sumV -= this.vol[slot] as number;
      }
      this.pv[slot] = pv;
      this.vol[slot] = v;
    }
    this.sumPV += pv;
    this.sumV += v;
    this.out[0] = (w === 0 || i >= w - 1) && this.sumV > 0 ? this.sumPV / this.sumV : NaN;
  }
}

export const volume: KernelDef[] = [
  {
    name: 'OBV', description: 'On-Balance Volume (starts at the first bar volume).', params: [], outputs: ['obv'], convention: 'ta-lib',
    method: 'ta-lib:OBV (OBV[0] = volume[0])', lookback: () => 0, unstable: () => 0, create: () => new ObvKernel(),
  },
  {
    name: 'VWAP', description: 'Volume-weighted average typical price, cumulative (window 0) or rolling over `window` bars.',
    params: [param('window', 0, 0, 100000, 'rolling window in bars; 0 = cumulative since the first bar')], outputs: ['vwap'], convention: 'published',
    reference: 'VWAP = sum(TP*volume)/sum(volume), TP = (high+low+close)/3', method: 'published:VWAP (typical price)',
    lookback: (p) => Math.max(0, (p.window as number) - 1), unstable: () => 0, create: (p) => new VwapKernel(p),
  },
];
