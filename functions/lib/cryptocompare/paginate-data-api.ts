import { bucketStart, TIMEFRAME_MS } from '../../../schemas/common.ts';
import type { OhlcvMessage } from '../../../schemas/ohlcv.ts';
import { badRequest } from './errors.ts';
import { normalizeDataApiEntries } from './normalize.ts';
import { finishRange, PLAN, type FetchRangeOptions, type FetchRangeResult } from './paginate.ts';
import type { RestClient } from './rest-client.ts';

/**
 * Backward pagination over the Data API (`to_ts`, inclusive, as its own guidance reuses the earliest TIMESTAMP).
 * The min-api keeps minutes for 7 days only; this reaches further. `cccagg` maps to the CCCAGG successor index (cadli).
 */

export interface FetchDataApiRangeOptions extends Omit<FetchRangeOptions, 'client'> {
  client: Pick<RestClient, 'dataApiHistorical'>;
}

export async function fetchDataApiRange(opts: FetchDataApiRangeOptions): Promise<FetchRangeResult> {
  if (!(opts.from <= opts.to)) throw badRequest('fetchDataApiRange', `from (${opts.from}) is after to (${opts.to})`, 'from');
  const { unit, aggregate } = PLAN[opts.timeframe];
  const step = TIMEFRAME_MS[opts.timeframe];
  const first = bucketStart(opts.from, opts.timeframe);
  const last = bucketStart(opts.to, opts.timeframe);
  const maxPage = unit === 'day' ? 5000 : 2000;
  const pageSize = Math.max(1, Math.min(opts.pageSize ?? maxPage, maxPage));
  const index = opts.exchange === 'cccagg';
  const now = opts.now ?? (() => Date.now());
  const latest = opts.to >= now();
  const byTime = new Map<number, OhlcvMessage>();
  let pages = 0;
  let cursor = last;
  let previousOldest = Number.POSITIVE_INFINITY;
  let reachedListing = false;

  for (;;) {
    const asksLatest = latest && pages === 0;
    const { data, receivedAt } = await opts.client.dataApiHistorical({
      kind: index ? 'index' : 'spot', unit, aggregate, market: index ? 'cadli' : opts.exchange, instrument: opts.symbol,
      limit: Math.max(1, Math.min(pageSize, Math.ceil((cursor - first) / step) + 1)),
      ...(asksLatest ? {} : { toTs: Math.floor(cursor / 1000) }),
    });
    pages += 1;
    const candles = normalizeDataApiEntries(data, { exchange: opts.exchange, symbol: opts.symbol, timeframe: opts.timeframe, receivedAt, source: opts.source ?? 'cryptocompare' }, asksLatest);
    let oldest = Number.POSITIVE_INFINITY;
    let newest = Number.NEGATIVE_INFINITY;
    for (const c of candles) {
      oldest = Math.min(oldest, c.timestamp);
      newest = Math.max(newest, c.timestamp);
      if (c.timestamp >= first && c.timestamp <= last) byTime.set(c.timestamp, c);
    }
    opts.onPage?.({ page: pages, candles: candles.length, oldest: Number.isFinite(oldest) ? oldest : null, newest: Number.isFinite(newest) ? newest : null });
    if (oldest <= first) break;
    // The Data API has no rows before listing: a page that is empty or reaches no further back means the series starts there.
    if (candles.length === 0 || oldest >= previousOldest) {
      reachedListing = true;
      break;
    }
    previousOldest = oldest;
    cursor = oldest;
  }
  return { ...finishRange(byTime, { first, last, step, reachedListing, latest }), pages, reachedListing };
}
