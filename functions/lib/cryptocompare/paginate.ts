import { bucketStart, splitSymbol, TIMEFRAME_MS, type Timeframe } from '../../../schemas/common.ts';
import type { OhlcvMessage } from '../../../schemas/ohlcv.ts';
import { badRequest } from './errors.ts';
import { normalizeHistoPage } from './normalize.ts';
import type { HistoUnit, RestClient } from './rest-client.ts';

/** Backward pagination of min-api histo over [from, to]: oldest first, one candle per bucket, gaps reported. */

/** The histo unit and aggregate each timeframe is fetched with (min-api and Data API alike). */
export const PLAN: Readonly<Record<Timeframe, { unit: HistoUnit; aggregate: number }>> = {
  '1m': { unit: 'minute', aggregate: 1 },
  '5m': { unit: 'minute', aggregate: 5 },
  '15m': { unit: 'minute', aggregate: 15 },
  '30m': { unit: 'minute', aggregate: 30 },
  '1h': { unit: 'hour', aggregate: 1 },
  '4h': { unit: 'hour', aggregate: 4 },
  '1d': { unit: 'day', aggregate: 1 },
};

export interface FetchRangeOptions {
  client: Pick<RestClient, 'histo'>;
  /** Lower-case exchange id; `cccagg` is the aggregate index. */
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
  /** Epoch ms, inclusive (bucket containing it). */
  from: number;
  /** Epoch ms, inclusive (bucket containing it). */
  to: number;
  source?: OhlcvMessage['source'];
  /** Candles per request (default and max 2000 / aggregate). */
  pageSize?: number;
  /** Wall clock; a `to` at or after it asks for the latest page, whose newest candle is still forming. */
  now?: () => number;
  onPage?: (page: { page: number; candles: number; oldest: number | null; newest: number | null }) => void;
}

export interface FetchRangeResult {
  candles: OhlcvMessage[];
  pages: number;
  /** Missing bucket spans inside the range (after the listing), each [from, to] inclusive bucket starts. */
  gaps: Array<{ from: number; to: number }>;
  /** The range reached back before the pair listed: older buckets are zero padding and were left out. */
  reachedListing: boolean;
}

function exchangeParam(exchange: string): string {
  return exchange === 'cccagg' ? 'CCCAGG' : exchange.charAt(0).toUpperCase() + exchange.slice(1);
}

export async function fetchRange(opts: FetchRangeOptions): Promise<FetchRangeResult> {
  if (!(opts.from <= opts.to)) throw badRequest('fetchRange', `from (${opts.from}) is after to (${opts.to})`, 'from');
  const { unit, aggregate } = PLAN[opts.timeframe];
  const step = TIMEFRAME_MS[opts.timeframe];
  const first = bucketStart(opts.from, opts.timeframe);
  const last = bucketStart(opts.to, opts.timeframe);
  const maxPage = Math.floor(2000 / aggregate);
  const pageSize = Math.max(1, Math.min(opts.pageSize ?? maxPage, maxPage));
  const { base, quote } = splitSymbol(opts.symbol);
  const now = opts.now ?? (() => Date.now());
  const byTime = new Map<number, OhlcvMessage>();
  let reachedListing = false;
  let pages = 0;
  let cursor = last;
  let previousOldest = Number.POSITIVE_INFINITY;
  const latest = opts.to >= now();

  for (;;) {
    const asksLatest = latest && pages === 0;
    const wanted = Math.ceil((cursor - first) / step);
    const { data, receivedAt } = await opts.client.histo({
      unit, fsym: base, tsym: quote, e: exchangeParam(opts.exchange), aggregate,
      limit: Math.max(1, Math.min(pageSize, wanted)),
      ...(asksLatest ? {} : { toTs: Math.floor(cursor / 1000) }),
    });
    pages += 1;
    const candles = normalizeHistoPage(data, { exchange: opts.exchange, symbol: opts.symbol, timeframe: opts.timeframe, receivedAt, source: opts.source ?? 'cryptocompare' }, asksLatest);
    let oldest = Number.POSITIVE_INFINITY;
    let newest = Number.NEGATIVE_INFINITY;
    let listed = 0;
    for (const c of candles) {
      oldest = Math.min(oldest, c.timestamp);
      newest = Math.max(newest, c.timestamp);
      if (c.quality.flags.includes('pre_listing_padding')) continue;
      listed += 1;
      // Overlapping boundary candles and duplicated rows collapse here; the later copy is the fresher one.
      if (c.timestamp >= first && c.timestamp <= last) byTime.set(c.timestamp, c);
    }
    opts.onPage?.({ page: pages, candles: candles.length, oldest: Number.isFinite(oldest) ? oldest : null, newest: Number.isFinite(newest) ? newest : null });
    if (candles.length > 0 && listed < candles.length) reachedListing = true;
    // Stop: empty page, page made no progress backwards, range start reached, or the page is (partly) pre-listing padding.
    if (candles.length === 0 || oldest >= previousOldest || oldest <= first || reachedListing) break;
    previousOldest = oldest;
    // toTs is inclusive: asking from the oldest bucket repeats it, which the map dedupes.
    cursor = oldest;
  }

  return { ...finishRange(byTime, { first, last, step, reachedListing, latest }), pages, reachedListing };
}

/**
 * Sorts the collected candles and reports the buckets missing between `first` and `last` (from the first listed
 * candle when the listing was reached); the candle after a gap carries `gap_before` and `gapBeforeMs`.
 */
export function finishRange(byTime: ReadonlyMap<number, OhlcvMessage>, r: { first: number; last: number; step: number; reachedListing: boolean; latest: boolean }): Pick<FetchRangeResult, 'candles' | 'gaps'> {
  const sorted = [...byTime.values()].sort((a, b) => a.timestamp - b.timestamp);
  const gaps: Array<{ from: number; to: number }> = [];
  const candles: OhlcvMessage[] = [];
  let expected = r.reachedListing ? (sorted[0]?.timestamp ?? r.first) : r.first;
  for (const c of sorted) {
    if (c.timestamp > expected) {
      gaps.push({ from: expected, to: c.timestamp - r.step });
      candles.push({ ...c, quality: { ...c.quality, flags: [...c.quality.flags, 'gap_before'], level: c.quality.level === 'high' ? 'medium' : c.quality.level, gapBeforeMs: c.timestamp - expected } });
    } else {
      candles.push(c);
    }
    expected = c.timestamp + r.step;
  }
  // A range reaching "now" legitimately ends at the forming bucket, which may start before `last`.
  if (sorted.length > 0 && expected <= r.last && !r.latest) gaps.push({ from: expected, to: r.last });
  return { candles, gaps };
}
