import type { Timeframe } from '../../schemas/common.ts';
import type { RestClient } from '../../functions/lib/cryptocompare/rest-client.ts';
import type { CandlesQuery, CandlesResult, ReadLayer } from '../../functions/lib/read/index.ts';

const UNIT: Readonly<Record<Timeframe, { unit: 'minute' | 'hour' | 'day'; aggregate: number; ms: number }>> = {
  '1m': { unit: 'minute', aggregate: 1, ms: 60_000 }, '5m': { unit: 'minute', aggregate: 5, ms: 300_000 }, '15m': { unit: 'minute', aggregate: 15, ms: 900_000 },
  '30m': { unit: 'minute', aggregate: 30, ms: 1_800_000 }, '1h': { unit: 'hour', aggregate: 1, ms: 3_600_000 }, '4h': { unit: 'hour', aggregate: 4, ms: 14_400_000 },
  '1d': { unit: 'day', aggregate: 1, ms: 86_400_000 },
};

/**
 * The dashboard's history straight from CryptoCompare's REST (histo* with aggregate) when no store is running (the
 * simulator-only dashboard, or before the stores are up); same result shape as the read layer's `candles`.
 */
export function restHistory(client: RestClient): Pick<ReadLayer, 'candles'> {
  return {
    async candles(q: CandlesQuery): Promise<CandlesResult> {
      const u = UNIT[q.timeframe];
      const [fsym, tsym] = q.symbol.split('-') as [string, string];
      const limit = Math.min(2000, Math.max(1, Math.floor((q.to - q.from) / u.ms)));
      const { data } = await client.histo({ unit: u.unit, fsym, tsym, aggregate: u.aggregate, limit, toTs: Math.floor(q.to / 1000) });
      const candles = data.entries
        .filter((e) => e.time * 1000 >= q.from && e.open > 0)
        .map((e) => ({
          timestamp: e.time * 1000, open: e.open, high: e.high, low: e.low, close: e.close, volume: e.volumefrom, quoteVolume: e.volumeto,
          trades: null, state: 'closed' as const, revision: 0, flags: [], candles: u.aggregate,
        }));
      return { exchange: q.exchange, symbol: q.symbol, timeframe: q.timeframe, bucketMs: u.ms, servedFrom: 'cryptocompare-rest', downsampled: false, candles };
    },
  };
}
