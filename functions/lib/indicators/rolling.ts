/**
 * Rolling building blocks shared by the indicator kernels. Each mirrors the arithmetic order of the TA-Lib
 * routine it stands for (INT_SMA, INT_EMA, Wilder smoothing), so streaming results equal TA-Lib's to the last bits.
 */

/** Simple moving average in TA-Lib INT_SMA order: add the new value, divide, then drop the oldest. */
export class RollingSma {
  readonly period: number;
  buf: Float64Array;
  count = 0;
  /** Next slot to write; also the oldest value once the window is full. */
  slot = 0;
  sum = 0;
  constructor(period: number) {
    this.period = period;
    this.buf = new Float64Array(period);
  }
  /** Feeds x; returns the SMA or NaN during warm-up. */
  push(x: number): number {
    const n = this.period;
    const buf = this.buf;
    let s = this.slot;
    buf[s] = x;
    this.sum += x;
    if (++s === n) s = 0;
    this.slot = s;
    if (++this.count < n) return NaN;
    const out = this.sum / n;
    this.sum -= buf[s] as number;
    return out;
  }
}

/** EMA with TA-Lib's classic seed (SMA of the first `period` inputs after `skip` ignored inputs). */
export class RollingEma {
  readonly period: number;
  readonly k: number;
  readonly skip: number;
  count = 0;
  sum = 0;
  value = NaN;
  constructor(period: number, skip = 0) {
    this.period = period;
    this.k = 2 / (period + 1);
    this.skip = skip;
  }
  /** Feeds x; returns the EMA or NaN during warm-up. */
  push(x: number): number {
    const c = this.count++;
    if (c < this.skip) return NaN;
    const seen = c - this.skip + 1;
    if (seen < this.period) {
      this.sum += x;
      return NaN;
    }
    if (seen === this.period) {
      this.sum += x;
      this.value = this.sum / this.period;
      return this.value;
    }
    this.value = (x - this.value) * this.k + this.value;
    return this.value;
  }
}

/**
 * Sliding-window max (or min) over the last `period` values via a monotonic deque of indices in a ring:
 * O(1) amortised per push.
 */
export class RollingExtreme {
  readonly period: number;
  readonly isMax: number;
  vals: Float64Array;
  idxs: Float64Array;
  head = 0;
  size = 0;
  count = 0;
  constructor(period: number, isMax: boolean) {
    this.period = period;
    this.isMax = isMax ? 1 : 0;
    this.vals = new Float64Array(period + 1);
    this.idxs = new Float64Array(period + 1);
  }
  /** Feeds x; returns the extreme of the last `period` values (partial window during warm-up). */
  push(x: number): number {
    const vals = this.vals;
    const idxs = this.idxs;
    const cap = vals.length;
    const i = this.count++;
    let head = this.head;
    let size = this.size;
    // Drop dominated values from the back, then append.
    if (this.isMax === 1) {
      while (size > 0) {
        let back = head + size - 1;
        if (back >= cap) back -= cap;
        if ((vals[back] as number) <= x) size--;
        else break;
      }
    } else {
      while (size > 0) {
        let back = head + size - 1;
        if (back >= cap) back -= cap;
        if ((vals[back] as number) >= x) size--;
        else break;
      }
    }
    let tail = head + size;
    if (tail >= cap) tail -= cap;
    vals[tail] = x;
    idxs[tail] = i;
    size++;
    // Expire the front once it falls out of the window.
    if ((idxs[head] as number) <= i - this.period) {
      if (++head === cap) head = 0;
      size--;
    }
    this.head = head;
    this.size = size;
    return vals[head] as number;
  }
}

/** Fixed-size history of the last `size` values: at(0) is the newest. */
export class History {
  buf: Float64Array;
  /** Slot of the newest value. */
  last = -1;
  constructor(size: number) {
    this.buf = new Float64Array(Math.max(1, size));
  }
  push(x: number): void {
    if (++this.last === this.buf.length) this.last = 0;
    this.buf[this.last] = x;
  }
  /** Value `ago` pushes back (0 = newest); caller guarantees ago < min(pushes, size). */
  at(ago: number): number {
    let s = this.last - ago;
    if (s < 0) s += this.buf.length;
    return this.buf[s] as number;
  }
}

/** Bars needed for a seed's weight to decay below 0.1% under smoothing factor alpha (the "unstable period"). */
export function decayBars(alpha: number): number {
  return alpha >= 1 ? 0 : Math.ceil(Math.log(1e-3) / Math.log(1 - alpha));
}
