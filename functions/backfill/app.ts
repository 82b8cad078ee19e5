import type { Hono } from 'hono';
import { TIMEFRAME_MS, bucketStart } from '../../schemas/common.ts';
import { BackfillRequest, type BackfillProgress } from '../../schemas/analytics-requests.ts';
import type { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { isCryptoCompareError } from '../lib/cryptocompare/errors.ts';
import { fetchRange } from '../lib/cryptocompare/paginate.ts';
import type { RestClient } from '../lib/cryptocompare/rest-client.ts';
import { createOneToManyApp, refuse, type BatchAppOptions, type Refusal } from '../lib/batch/index.ts';

export interface BackfillDeps extends BatchAppOptions {
  /** REST client (live CryptoCompare or the simulator); the caller owns the API key and the rate limiter. */
  client: Pick<RestClient, 'histo'>;
  source?: OhlcvMessage['source'];
  /** Largest number of candles one request may ask for (symbols x buckets); bigger requests are refused, not truncated. */
  maxCandles?: number;
}

/** One element's answer: the candles for `ohlcv-raw`, then one `backfill_progress` (done) for `analytics-requests`. */
export type BackfillOutput = OhlcvMessage | BackfillProgress;

export const DEFAULT_MAX_BACKFILL_CANDLES = 20_000;

/** Buckets a request covers over all its symbols. */
export function requestedCandles(r: Pick<BackfillRequest, 'symbols' | 'timeframe' | 'from' | 'to'>): number {
  const step = TIMEFRAME_MS[r.timeframe];
  return r.symbols.length * ((bucketStart(r.to, r.timeframe) - bucketStart(r.from, r.timeframe)) / step + 1);
}

/**
 * backfill: BackfillRequest in; answers `{ ok: true, messages: [...candles, progress] }` via paged REST (`fetchRange`).
 * Refused (dead letter): a request larger than `maxCandles`, an unknown pair, a request CryptoCompare rejects or an
 * unauthorised key. Rate limits and upstream outages throw, so the pipeline retries the batch (nothing is half-done:
 * writes downstream are idempotent).
 */
export function createBackfillApp(deps: BackfillDeps): Hono {
  const maxCandles = deps.maxCandles ?? DEFAULT_MAX_BACKFILL_CANDLES;
  return createOneToManyApp<BackfillRequest, BackfillOutput>({
    ...deps,
    name: 'backfill',
    stage: 'backfill',
    input: BackfillRequest,
    async process(requests, ctx) {
      const outcomes: Array<BackfillOutput[] | Refusal> = [];
      for (const r of requests) outcomes.push(await backfillOne(r, ctx.now, deps, maxCandles));
      return outcomes;
    },
  });
}

async function backfillOne(r: BackfillRequest, now: number, deps: BackfillDeps, maxCandles: number): Promise<BackfillOutput[] | Refusal> {
  const wanted = requestedCandles(r);
  if (wanted > maxCandles) {
    return refuse('RANGE_TOO_LARGE', `backfill ${r.requestId} asks for ${wanted} candles (max ${maxCandles}); split it into smaller time ranges or fewer symbols`, { wanted, maxCandles });
  }
  const candles: OhlcvMessage[] = [];
  let pages = 0;
  for (const symbol of r.symbols) {
    try {
      const range = await fetchRange({ client: deps.client, exchange: r.exchange, symbol, timeframe: r.timeframe, from: r.from, to: r.to, source: deps.source ?? 'cryptocompare', now: () => now });
      candles.push(...range.candles);
      pages += range.pages;
    } catch (error) {
      if (isCryptoCompareError(error, 'CC_BAD_REQUEST') || isCryptoCompareError(error, 'CC_NO_DATA') || isCryptoCompareError(error, 'CC_UNAUTHORIZED')) {
        return refuse(error.code, `backfill ${r.requestId} (${symbol}): ${error.message}`, { symbol });
      }
      throw error;
    }
  }
  const progress: BackfillProgress = { kind: 'backfill_progress', requestId: r.requestId, status: 'done', candles: candles.length, pages, at: now };
  return [...candles, progress];
}
