/**
 * The named analytics queries over PostgreSQL/TimescaleDB candles, for when ClickHouse is not wired in. Each name maps
 * to one fixed statement; arguments are bound parameters only.
 */
import { TIMEFRAME_MS } from '../../../schemas/common.ts';
import type { AnalyticsPort, AnalyticsQueryName, AnalyticsRow, SqlPort } from '../ports.ts';
import { tableRef } from './sql-schema.ts';

export function createSqlAnalytics(sql: SqlPort, schema: string): AnalyticsPort {
  const candles = tableRef(schema, 'candles');
  const base = `WITH r AS (
      SELECT symbol, ts, close, volume, close / NULLIF(lag(close) OVER (PARTITION BY symbol ORDER BY ts), 0) - 1 AS ret
      FROM ${candles} WHERE exchange = $1 AND timeframe = $2 AND symbol = ANY($3::text[]) AND ts BETWEEN $4 AND $5)`;
  const statements: Record<AnalyticsQueryName, string> = {
    returns: `${base} SELECT symbol, count(*)::int AS bars, (array_agg(close ORDER BY ts))[1] AS first_close, (array_agg(close ORDER BY ts DESC))[1] AS last_close,
        ((array_agg(close ORDER BY ts DESC))[1] / NULLIF((array_agg(close ORDER BY ts))[1], 0) - 1) * 100 AS total_return_pct,
        avg(ret) * 100 AS mean_return_pct, min(ret) * 100 AS min_return_pct, max(ret) * 100 AS max_return_pct
      FROM r GROUP BY symbol ORDER BY symbol LIMIT $6`,
    volatility: `${base} SELECT symbol, count(ret)::int AS returns, stddev_samp(ret) * 100 AS stddev_pct, stddev_samp(ret) * sqrt($7::float8) * 100 AS annualized_pct
      FROM r GROUP BY symbol ORDER BY symbol LIMIT $6`,
    correlation: `${base} SELECT a.symbol AS symbol_a, b.symbol AS symbol_b, count(*)::int AS pairs, corr(a.ret, b.ret) AS correlation
      FROM r a JOIN r b ON a.ts = b.ts AND a.symbol < b.symbol WHERE a.ret IS NOT NULL AND b.ret IS NOT NULL
      GROUP BY a.symbol, b.symbol ORDER BY a.symbol, b.symbol LIMIT $6`,
    volume_profile: `${base}, bounds AS (SELECT symbol, min(close) AS lo, max(close) AS hi FROM r GROUP BY symbol)
      SELECT r.symbol, width_bucket(r.close, b.lo, b.hi + 1e-9, $7::int) AS bucket,
        b.lo + (b.hi - b.lo) * (width_bucket(r.close, b.lo, b.hi + 1e-9, $7::int) - 1) / $7::int AS price_from,
        b.lo + (b.hi - b.lo) * width_bucket(r.close, b.lo, b.hi + 1e-9, $7::int) / $7::int AS price_to, sum(r.volume) AS volume, count(*)::int AS bars
      FROM r JOIN bounds b USING (symbol) GROUP BY r.symbol, 2, b.lo, b.hi ORDER BY r.symbol, 2 LIMIT $6`,
    top_movers: `${base} SELECT symbol, (array_agg(close ORDER BY ts))[1] AS first_close, (array_agg(close ORDER BY ts DESC))[1] AS last_close,
        ((array_agg(close ORDER BY ts DESC))[1] / NULLIF((array_agg(close ORDER BY ts))[1], 0) - 1) * 100 AS change_pct, sum(volume) AS volume
      FROM r GROUP BY symbol ORDER BY change_pct DESC NULLS LAST LIMIT $6`,
  };
  return {
    async run(name, p) {
      const params: unknown[] = [p.exchange, p.timeframe, p.symbols, p.from, p.to, p.limit];
      if (name === 'volatility') params.push((365 * 86_400_000) / TIMEFRAME_MS[p.timeframe]);
      if (name === 'volume_profile') params.push(p.buckets);
      const { rows } = await sql.query<Record<string, unknown>>(statements[name], params);
      return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' || typeof v === 'string' || v === null ? (typeof v === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v) ? Number(v) : v) : String(v)]))) as AnalyticsRow[];
    },
  };
}
