/**
 * The named analytics queries on ClickHouse (sql/clickhouse: `ohlcv` ReplacingMergeTree read FINAL for 1m, the rollup
 * views for coarser timeframes). Each name is one fixed statement; arguments travel as typed query parameters.
 */
import { TIMEFRAME_MS } from '../../../schemas/common.ts';
import type { Timeframe } from '../../../schemas/common.ts';
import { RAW, rollupOf } from '../../lib/read/relations.ts';
import type { ClickHousePort } from '../../lib/read/types.ts';
import type { AnalyticsPort, AnalyticsQueryName, AnalyticsRow } from '../ports.ts';

/** Closes (and volumes) of the requested series as rows `(symbol, t, close, volume)`. */
function seriesSql(timeframe: Timeframe): string {
  const relation = timeframe === '1m' ? RAW : rollupOf(timeframe);
  if (relation === undefined || !relation.rollup) {
    return `SELECT symbol, toUnixTimestamp64Milli(ts) AS t, close, volume FROM ohlcv FINAL
      WHERE exchange = {exchange:String} AND timeframe = {timeframe:String} AND symbol IN {symbols:Array(String)}
        AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts <= fromUnixTimestamp64Milli({to:Int64}, 'UTC')`;
  }
  return `SELECT symbol, toUnixTimestamp64Milli(toDateTime64(bucket, 3, 'UTC')) AS t, any(close) AS close, sum(volume) AS volume FROM ${relation.name}
      WHERE exchange = {exchange:String} AND symbol IN {symbols:Array(String)}
        AND bucket >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND bucket <= fromUnixTimestamp64Milli({to:Int64}, 'UTC')
      GROUP BY symbol, t`;
}

function statement(name: AnalyticsQueryName, timeframe: Timeframe): string {
  const r = `WITH s AS (${seriesSql(timeframe)}),
    r AS (SELECT symbol, t, close, volume,
      close / nullIf(lagInFrame(toNullable(close)) OVER (PARTITION BY symbol ORDER BY t ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), 0) - 1 AS ret FROM s)`;
  switch (name) {
    case 'returns':
      return `${r} SELECT symbol, toInt32(count()) AS bars, argMin(close, t) AS first_close, argMax(close, t) AS last_close,
        (argMax(close, t) / nullIf(argMin(close, t), 0) - 1) * 100 AS total_return_pct, avg(ret) * 100 AS mean_return_pct, min(ret) * 100 AS min_return_pct, max(ret) * 100 AS max_return_pct
        FROM r GROUP BY symbol ORDER BY symbol LIMIT {limit:UInt32}`;
    case 'volatility':
      return `${r} SELECT symbol, toInt32(count(ret)) AS returns, stddevSamp(ret) * 100 AS stddev_pct, stddevSamp(ret) * sqrt({periods:Float64}) * 100 AS annualized_pct
        FROM r GROUP BY symbol ORDER BY symbol LIMIT {limit:UInt32}`;
    case 'correlation':
      return `${r} SELECT a.symbol AS symbol_a, b.symbol AS symbol_b, toInt32(count()) AS pairs, corr(a.ret, b.ret) AS correlation
        FROM r AS a INNER JOIN r AS b ON a.t = b.t WHERE a.symbol < b.symbol AND a.ret IS NOT NULL AND b.ret IS NOT NULL
        GROUP BY a.symbol, b.symbol ORDER BY a.symbol, b.symbol LIMIT {limit:UInt32}`;
    case 'volume_profile':
      return `${r}, bounds AS (SELECT symbol, min(close) AS lo, max(close) AS hi FROM r GROUP BY symbol)
        SELECT r.symbol AS symbol, toInt32(widthBucket(r.close, b.lo, b.hi + 1e-9, {buckets:UInt32})) AS bucket,
          b.lo + (b.hi - b.lo) * (bucket - 1) / {buckets:UInt32} AS price_from, b.lo + (b.hi - b.lo) * bucket / {buckets:UInt32} AS price_to,
          sum(r.volume) AS volume, toInt32(count()) AS bars
        FROM r INNER JOIN bounds AS b ON r.symbol = b.symbol GROUP BY symbol, bucket, b.lo, b.hi ORDER BY symbol, bucket LIMIT {limit:UInt32}`;
    case 'top_movers':
      return `${r} SELECT symbol, argMin(close, t) AS first_close, argMax(close, t) AS last_close,
        (argMax(close, t) / nullIf(argMin(close, t), 0) - 1) * 100 AS change_pct, sum(volume) AS volume
        FROM r GROUP BY symbol ORDER BY change_pct DESC NULLS LAST LIMIT {limit:UInt32}`;
  }
}

export function createClickHouseAnalytics(ch: Pick<ClickHousePort, 'query'>): AnalyticsPort {
  return {
    async run(name, p) {
      const result = await ch.query({
        query: statement(name, p.timeframe),
        query_params: {
          exchange: p.exchange, timeframe: p.timeframe, symbols: p.symbols, from: p.from, to: p.to, limit: p.limit, buckets: p.buckets,
          periods: (365 * 86_400_000) / TIMEFRAME_MS[p.timeframe],
        },
        format: 'JSONEachRow',
      });
      const rows = await result.json<Record<string, unknown>>();
      // ClickHouse sends 64-bit and Float64 values as JSON numbers or strings depending on settings; normalise to numbers.
      return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v) ? Number(v) : typeof v === 'number' || typeof v === 'string' || v === null ? v : String(v)]))) as AnalyticsRow[];
    },
  };
}
