import { TIMEFRAME_MS, type Timeframe } from '../../../schemas/common.ts';
import type { Market, SimCandle, SimTicker, SimTrade } from './context.ts';

/**
 * A deterministic, random-access synthetic market.
 * Every minute's price is a pure function of (seed, exchange, symbol, minute): log-price = sinusoids + multi-octave
 * hash value noise, so any bucket is computable without walking from the epoch. Higher timeframes aggregate minutes.
 */

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Latest a late revision lands after a minute closes (CryptoCompare: minute revisions within ~30 min). */
export const MAX_REVISION_DELAY_MS = 30 * MINUTE;
const ZERO_VOLUME_RATE = 0.03;
const REVISION_RATE = 0.02;

const BASE_USD: Readonly<Record<string, number>> = { BTC: 60_000, ETH: 3_000, SOL: 150, XRP: 0.6, DOGE: 0.15, ADA: 0.45, USDT: 1, USDC: 1, LTC: 80, BNB: 550 };
const QUOTE_PER_USD: Readonly<Record<string, number>> = { USD: 1, USDT: 1, USDC: 1, EUR: 0.92, GBP: 0.79, JPY: 150 };
const NOTIONAL_PER_MINUTE_USD: Readonly<Record<string, number>> = { BTC: 2_400_000, ETH: 1_000_000, SOL: 300_000 };
const DEFAULT_LISTED_AT: Readonly<Record<string, number>> = { BTC: Date.UTC(2010, 6, 17), ETH: Date.UTC(2015, 7, 7), SOL: Date.UTC(2020, 3, 10) };

export const DEFAULT_SYMBOLS = ['BTC-USD', 'ETH-USD', 'SOL-USD'];
export const DEFAULT_EXCHANGES = ['cccagg', 'coinbase', 'kraken', 'binance'];

/** murmur3 finaliser over three 32-bit inputs: a well-mixed uniform 32-bit value. */
function mix(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ Math.imul(c, 0x27d4eb2f);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform in [0, 1). */
function unit(a: number, b: number, c: number): number {
  return mix(a, b, c) / 4294967296;
}

function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Prices carry 2 decimals above 1 and 8 significant digits below, like CryptoCompare's. */
export function roundPrice(p: number): number {
  if (p >= 1) return Math.round(p * 100) / 100;
  if (p <= 0) return 0;
  return Number(p.toPrecision(8));
}

export function roundVolume(v: number): number {
  return Math.round(v * 1e8) / 1e8;
}

/** Folds consecutive candles into one (open of the first traded one, max high, min low, last close, summed volumes). */
export function aggregateCandles(time: number, parts: readonly SimCandle[]): SimCandle {
  let open = 0;
  let high = 0;
  let low = Infinity;
  let close = 0;
  let volumefrom = 0;
  let volumeto = 0;
  let trades = 0;
  let revision = 0;
  let forming = false;
  let listed = false;
  for (const c of parts) {
    forming ||= c.forming;
    revision = Math.max(revision, c.revision);
    // Pre-listing padding is all zeros and must not drag the low to 0 or provide the open.
    if (c.open === 0 && c.close === 0 && c.high === 0) continue;
    if (!listed) { open = c.open; listed = true; }
    if (c.high > high) high = c.high;
    if (c.low < low) low = c.low;
    close = c.close;
    volumefrom += c.volumefrom;
    volumeto += c.volumeto;
    trades += c.trades;
  }
  if (!listed) low = 0;
  return { time, open, high, low, close, volumefrom: roundVolume(volumefrom), volumeto: roundVolume(volumeto), trades, forming, revision };
}

interface Series {
  key: number;
  priceScale: number;
  /** Multiplicative deviation of this exchange from the aggregate (0 for cccagg). */
  exchangeKey: number;
  isAggregate: boolean;
  notionalPerMinute: number;
  listedMinute: number;
  /** Sequential reads (aggregation) revisit the same noise knots and the previous close: remember the last ones. */
  knots: Float64Array;
  knotV0: Float64Array;
  knotV1: Float64Array;
  lastCloseMinute: number;
  lastClose: number;
}

interface BaseMinute {
  open: number;
  high: number;
  low: number;
  close: number;
  volumefrom: number;
  trades: number;
  /** Fractions and prices of the two intra-minute extremes, in time order (the trade path). */
  a: number;
  pa: number;
  b: number;
  pb: number;
  zero: boolean;
  padding: boolean;
}

// Sinusoid periods (minutes) and amplitudes (log-price): daily, weekly, monthly, half-year cycles.
const WAVES: ReadonlyArray<readonly [number, number]> = [[1440, 0.004], [10080, 0.015], [43200, 0.05], [262800, 0.18]];
// Value-noise octaves (knot spacing in minutes, amplitude): roughly a random walk of ~0.08%/min.
const OCTAVES: ReadonlyArray<readonly [number, number]> = [[1, 0.0006], [8, 0.0016], [64, 0.0045], [512, 0.013], [4096, 0.035]];

export interface MarketOptions {
  seed: number;
  symbols: string[];
  exchanges?: string[];
  /** Listing time per symbol (epoch ms); earlier candles are all-zero padding. */
  listedAt?: Record<string, number>;
}

export function createMarket(opts: MarketOptions): Market {
  const seed = opts.seed >>> 0;
  const symbols = Object.freeze(opts.symbols.map((s) => s.toUpperCase()));
  const exchanges = Object.freeze((opts.exchanges ?? DEFAULT_EXCHANGES).map((e) => e.toLowerCase()));
  const seriesCache = new Map<string, Series>();

  function listedAt(symbol: string): number {
    const sym = symbol.toUpperCase();
    const explicit = opts.listedAt?.[sym];
    const base = sym.split('-')[0] ?? sym;
    const ms = explicit ?? DEFAULT_LISTED_AT[base] ?? Date.UTC(2018, 0, 1) + (hashString(`${seed}:${sym}`) % 1000) * 86_400_000;
    return Math.floor(ms / MINUTE) * MINUTE;
  }

  function seriesOf(exchange: string, symbol: string): Series {
    const id = `${exchange.toLowerCase()}|${symbol.toUpperCase()}`;
    const cached = seriesCache.get(id);
    if (cached) return cached;
    const [base = 'X', quote = 'USD'] = symbol.toUpperCase().split('-');
    const baseUsd = BASE_USD[base] ?? 1 + (hashString(`${seed}:${base}`) % 100_000) / 100;
    const quoteUsd = QUOTE_PER_USD[quote] !== undefined ? 1 / QUOTE_PER_USD[quote] : BASE_USD[quote] ?? 1;
    const isAggregate = exchange.toLowerCase() === 'cccagg';
    const share = isAggregate ? 1 : 0.1 + (hashString(`${seed}:${exchange.toLowerCase()}`) % 200) / 1000;
    const series: Series = {
      // The price path is per symbol (exchanges track the aggregate); the exchange only adds a small deviation.
      key: hashString(`${seed}:${symbol.toUpperCase()}`),
      exchangeKey: hashString(`${seed}:${id}`),
      priceScale: baseUsd / quoteUsd,
      isAggregate,
      notionalPerMinute: (NOTIONAL_PER_MINUTE_USD[base] ?? 20_000) * share,
      listedMinute: Math.floor(listedAt(symbol) / MINUTE),
      knots: new Float64Array(OCTAVES.length).fill(Number.NaN),
      knotV0: new Float64Array(OCTAVES.length),
      knotV1: new Float64Array(OCTAVES.length),
      lastCloseMinute: Number.NaN,
      lastClose: 0,
    };
    seriesCache.set(id, series);
    return series;
  }

  /** Price at the boundary starting minute index `k` (unrounded). */
  function priceAt(s: Series, k: number): number {
    let log = 0;
    for (let i = 0; i < WAVES.length; i++) {
      const [period, amp] = WAVES[i]!;
      log += amp * Math.sin((2 * Math.PI * k) / period + (mix(s.key, i, 7) / 4294967296) * 2 * Math.PI);
    }
    for (let i = 0; i < OCTAVES.length; i++) {
      const [step, amp] = OCTAVES[i]!;
      const pos = k / step;
      const knot = Math.floor(pos);
      const f = pos - knot;
      const t = f * f * (3 - 2 * f);
      if (s.knots[i] !== knot) {
        s.knotV0[i] = s.knots[i] === knot - 1 ? s.knotV1[i]! : unit(s.key, knot, 100 + i);
        s.knotV1[i] = unit(s.key, knot + 1, 100 + i);
        s.knots[i] = knot;
      }
      const v0 = s.knotV0[i]!;
      const v1 = s.knotV1[i]!;
      log += amp * 2 * (v0 + (v1 - v0) * t - 0.5);
    }
    let price = s.priceScale * Math.exp(log);
    if (!s.isAggregate) price *= 1 + 0.0008 * (unit(s.exchangeKey, Math.floor(k / 16), 3) - 0.5);
    return price;
  }

  function isZeroVolume(s: Series, m: number): boolean {
    return unit(s.exchangeKey, m, 11) < ZERO_VOLUME_RATE;
  }

  /** Close of minute `m` (or the listing price when `m` is before listing): zero-volume minutes repeat the previous close. */
  function closeOf(s: Series, m: number): number {
    if (s.lastCloseMinute === m) return s.lastClose;
    let j = m;
    while (j >= s.listedMinute && isZeroVolume(s, j)) j--;
    const close = roundPrice(priceAt(s, Math.max(j + 1, s.listedMinute)));
    s.lastCloseMinute = m;
    s.lastClose = close;
    return close;
  }

  function baseMinute(s: Series, m: number): BaseMinute {
    if (m < s.listedMinute) return { open: 0, high: 0, low: 0, close: 0, volumefrom: 0, trades: 0, a: 0.3, pa: 0, b: 0.7, pb: 0, zero: true, padding: true };
    const open = closeOf(s, m - 1);
    if (isZeroVolume(s, m)) return { open, high: open, low: open, close: open, volumefrom: 0, trades: 0, a: 0.3, pa: open, b: 0.7, pb: open, zero: true, padding: false };
    const close = closeOf(s, m);
    const wickUp = 0.0007 * unit(s.exchangeKey, m, 21) ** 2;
    const wickDown = 0.0007 * unit(s.exchangeKey, m, 22) ** 2;
    const high = roundPrice(Math.max(open, close) * (1 + wickUp));
    const low = roundPrice(Math.min(open, close) * (1 - wickDown));
    const highFirst = unit(s.exchangeKey, m, 23) < 0.5;
    const a = 0.15 + 0.3 * unit(s.exchangeKey, m, 24);
    const b = 0.55 + 0.3 * unit(s.exchangeKey, m, 25);
    const minuteOfDay = ((m % 1440) + 1440) % 1440;
    const season = 1 + 0.4 * Math.sin((2 * Math.PI * minuteOfDay) / 1440);
    const noise = 0.3 + 1.2 * unit(s.exchangeKey, m, 26) + 1.5 * unit(s.exchangeKey, m, 27) ** 4;
    const usdNotional = s.notionalPerMinute * season * noise;
    const volumefrom = roundVolume(usdNotional / close);
    const avgTrades = 30 * (0.5 + unit(s.exchangeKey, m, 28));
    const trades = Math.max(1, Math.round(avgTrades * noise));
    return { open, high, low, close, volumefrom, trades, a, pa: highFirst ? high : low, b, pb: highFirst ? low : high, zero: false, padding: false };
  }

  /** Price on the minute's trade path (open → first extreme → second extreme → close) at fraction f of the minute. */
  function pathPrice(bm: BaseMinute, f: number): number {
    if (f <= bm.a) return bm.open + (bm.pa - bm.open) * (f / bm.a);
    if (f <= bm.b) return bm.pa + (bm.pb - bm.pa) * ((f - bm.a) / (bm.b - bm.a));
    return bm.pb + (bm.close - bm.pb) * ((f - bm.b) / (1 - bm.b));
  }

  function revisionOf(s: Series, m: number): { at: number; factor: number } | null {
    if (unit(s.exchangeKey, m, 31) >= REVISION_RATE) return null;
    const delay = MINUTE * (1 + Math.floor(unit(s.exchangeKey, m, 32) * 29));
    return { at: (m + 1) * MINUTE + delay, factor: 0.05 + 0.25 * unit(s.exchangeKey, m, 33) };
  }

  function minuteCandle(s: Series, m: number, asOf: number): SimCandle {
    const time = m * MINUTE;
    const bm = baseMinute(s, m);
    if (bm.padding) return { time, open: 0, high: 0, low: 0, close: 0, volumefrom: 0, volumeto: 0, trades: 0, forming: time + MINUTE > asOf, revision: 0 };
    if (time + MINUTE > asOf) {
      const f = Math.max(0, Math.min(1, (asOf - time) / MINUTE));
      if (bm.zero) return { time, open: bm.open, high: bm.open, low: bm.open, close: bm.open, volumefrom: 0, volumeto: 0, trades: 0, forming: true, revision: 0 };
      const close = roundPrice(pathPrice(bm, f));
      let high = Math.max(bm.open, close);
      let low = Math.min(bm.open, close);
      if (f >= bm.a) { high = Math.max(high, bm.pa); low = Math.min(low, bm.pa); }
      if (f >= bm.b) { high = Math.max(high, bm.pb); low = Math.min(low, bm.pb); }
      const volumefrom = roundVolume(bm.volumefrom * f);
      return { time, open: bm.open, high, low, close, volumefrom, volumeto: roundVolume(volumefrom * close), trades: Math.floor(bm.trades * f), forming: true, revision: 0 };
    }
    let { high, low, volumefrom, trades } = bm;
    let revision = 0;
    const rev = bm.zero ? null : revisionOf(s, m);
    if (rev && asOf >= rev.at) {
      // A late revision: trades reported late add volume and stretch the range a little; open/close stay put.
      revision = 1;
      volumefrom = roundVolume(volumefrom * (1 + rev.factor));
      trades += Math.max(1, Math.round(trades * rev.factor));
      high = roundPrice(high * (1 + rev.factor / 1000));
      low = roundPrice(low * (1 - rev.factor / 1000));
    }
    const typical = (bm.open + high + low + bm.close) / 4;
    return { time, open: bm.open, high, low, close: bm.close, volumefrom, volumeto: roundVolume(volumefrom * typical), trades, forming: false, revision };
  }

  // Closed buckets whose revision window has passed never change again: cache their aggregates.
  const finalCache = new Map<string, SimCandle>();
  function cachedFinal(id: string, compute: () => SimCandle): SimCandle {
    const hit = finalCache.get(id);
    if (hit) return hit;
    const value = compute();
    if (finalCache.size > 200_000) finalCache.clear();
    finalCache.set(id, value);
    return value;
  }

  function aggregateOf(s: Series, seriesId: string, step: number, start: number, asOf: number): SimCandle {
    const end = start + step;
    if (end <= s.listedMinute * MINUTE) return { time: start, open: 0, high: 0, low: 0, close: 0, volumefrom: 0, volumeto: 0, trades: 0, forming: end > asOf, revision: 0 };
    const compute = (): SimCandle => {
      // Hours are built from minutes, everything longer from hours: same result as folding the minutes directly.
      const child = step > HOUR && step % HOUR === 0 ? HOUR : MINUTE;
      const parts: SimCandle[] = [];
      for (let t = start; t < end && t <= asOf; t += child) {
        parts.push(child === MINUTE ? minuteCandle(s, t / MINUTE, asOf) : aggregateOf(s, seriesId, HOUR, t, asOf));
      }
      const agg = aggregateCandles(start, parts);
      if (end > asOf) agg.forming = true;
      return agg;
    };
    if (end + MAX_REVISION_DELAY_MS <= asOf) return cachedFinal(`${seriesId}|${step}|${start}`, compute);
    return compute();
  }

  function candle(exchange: string, symbol: string, timeframe: Timeframe, bucketStart: number, asOf: number): SimCandle {
    const step = TIMEFRAME_MS[timeframe];
    if (bucketStart % step !== 0) throw new RangeError(`bucket ${bucketStart} is not aligned to ${timeframe}`);
    const s = seriesOf(exchange, symbol);
    if (step === MINUTE) return minuteCandle(s, bucketStart / MINUTE, asOf);
    return { ...aggregateOf(s, `${exchange.toLowerCase()}|${symbol.toUpperCase()}`, step, bucketStart, asOf) };
  }

  function ticker(exchange: string, symbol: string, asOf: number): SimTicker {
    const hourStart = Math.floor(asOf / HOUR) * HOUR;
    const dayStart = Math.floor(asOf / 86_400_000) * 86_400_000;
    // CryptoCompare's 24h is "last 23 hours + current hour".
    const hours: SimCandle[] = [];
    for (let t = hourStart - 23 * HOUR; t <= hourStart; t += HOUR) hours.push(candle(exchange, symbol, '1h', t, asOf));
    const h24 = aggregateCandles(hourStart - 23 * HOUR, hours);
    const day = candle(exchange, symbol, '1d', dayStart, asOf);
    const minute = candle(exchange, symbol, '1m', Math.floor(asOf / MINUTE) * MINUTE, asOf);
    const last = trades(exchange, symbol, asOf - 5 * MINUTE, asOf).at(-1);
    return {
      price: minute.close,
      lastUpdate: last?.time ?? asOf,
      open24h: h24.open,
      high24h: h24.high,
      low24h: h24.low,
      volume24h: h24.volumefrom,
      volume24hTo: h24.volumeto,
      openDay: day.open,
      highDay: day.high,
      lowDay: day.low,
      volumeDay: day.volumefrom,
      volumeDayTo: day.volumeto,
      lastVolume: last?.quantity ?? 0,
      lastVolumeTo: last ? roundVolume(last.quantity * last.price) : 0,
      lastTradeId: last?.id ?? '0',
    };
  }

  /** Trades with from <= time <= to, oldest first; each minute's trades walk its candle's path and sum to its volume. */
  function trades(exchange: string, symbol: string, from: number, to: number): SimTrade[] {
    const s = seriesOf(exchange, symbol);
    const out: SimTrade[] = [];
    for (let m = Math.floor(from / MINUTE); m * MINUTE <= to; m++) {
      const bm = baseMinute(s, m);
      if (bm.zero || bm.padding) continue;
      const weights: number[] = [];
      let total = 0;
      for (let i = 0; i < bm.trades; i++) {
        const w = 0.2 + unit(s.exchangeKey, m, 1000 + i);
        weights.push(w);
        total += w;
      }
      for (let i = 0; i < bm.trades; i++) {
        // The last trade lands at the very end of the minute so it prints the close.
        const f = i === bm.trades - 1 ? 0.999 : (i + unit(s.exchangeKey, m, 5000 + i)) / bm.trades;
        const time = m * MINUTE + Math.floor(f * MINUTE);
        if (time < from || time > to) continue;
        const price = i === bm.trades - 1 ? bm.close : roundPrice(pathPrice(bm, f));
        out.push({
          id: `${m}${String(i).padStart(4, '0')}`,
          time,
          price,
          quantity: roundVolume((bm.volumefrom * (weights[i] ?? 0)) / total),
          side: unit(s.exchangeKey, m, 9000 + i) < 0.5 ? 'buy' : 'sell',
        });
      }
    }
    return out;
  }

  return { symbols, exchanges, listedAt, candle, ticker, trades };
}
