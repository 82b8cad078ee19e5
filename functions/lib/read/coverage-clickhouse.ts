import { TIMEFRAME_MS } from '../../../schemas/common.ts';
import { RAW, rollupOf } from './relations.ts';
import type { ClickHousePort, Coverage, CoverageQuery } from './types.ts';

/**
 * Coverage of one timeframe in ClickHouse, shaped like the TimescaleDB coverage: first/last bucket and distinct buckets
 * per series, read from the same relation the candles are served from (raw `ohlcv` for 1m, the rollup views otherwise).
 * Distinct timestamps need no FINAL: duplicates and revisions share their key's timestamp.
 */
export async function clickHouseCoverage(ch: Pick<ClickHousePort, 'query'>, q: CoverageQuery): Promise<Coverage[]> {
  const step = TIMEFRAME_MS[q.timeframe];
  const relation = q.timeframe === '1m' ? RAW : rollupOf(q.timeframe) ?? RAW;
  const time = relation.rollup ? `toDateTime64(bucket, 3, 'UTC')` : 'ts';
  const where = [
    relation.rollup ? '' : 'timeframe = {timeframe:String}',
    q.exchange === undefined ? '' : 'exchange = {exchange:String}',
    q.symbol === undefined ? '' : 'symbol = {symbol:String}',
  ].filter((w) => w !== '');
  const result = await ch.query({
    query: `SELECT exchange, symbol, toUnixTimestamp64Milli(min(${time})) AS first, toUnixTimestamp64Milli(max(${time})) AS last, uniqExact(${time}) AS n
      FROM ${relation.name} ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
      GROUP BY exchange, symbol ORDER BY exchange, symbol`,
    query_params: { timeframe: q.timeframe, ...(q.exchange === undefined ? {} : { exchange: q.exchange }), ...(q.symbol === undefined ? {} : { symbol: q.symbol }) },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ exchange: string; symbol: string; first: number | string; last: number | string; n: number | string }>();
  return rows.map((r) => {
    const first = Number(r.first);
    const last = Number(r.last);
    const candles = Number(r.n);
    const expected = Math.round((last - first) / step) + 1;
    return { exchange: r.exchange, symbol: r.symbol, timeframe: q.timeframe, first, last, candles, expected, completeness: candles / expected };
  });
}
