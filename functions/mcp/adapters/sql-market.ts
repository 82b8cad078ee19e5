/** MarketReadPort over the tables of ./sql-schema.ts (every value is a bound parameter). */
import type { Timeframe } from '../../../schemas/common.ts';
import { TIMEFRAME_MS } from '../../../schemas/common.ts';
import type { QualityFlag } from '../../../schemas/ohlcv.ts';
import { planRead } from '../../lib/read/index.ts';
import type { MarketReadPort, SqlPort, StoredCandle } from '../ports.ts';
import { tableRef } from './sql-schema.ts';

interface CandleRow { ts: number; open: number; high: number; low: number; close: number; volume: number; quote_volume: number; trades: number | null; state: StoredCandle['state']; revision: number; flags: string | null; n: number }

function toCandle(r: CandleRow): StoredCandle {
  const flags = r.flags === null || r.flags === '' ? [] : [...new Set(r.flags.split(',').filter((f) => f.length > 0))];
  return {
    timestamp: Number(r.ts), open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume, quoteVolume: r.quote_volume,
    trades: r.trades === null ? null : Number(r.trades), state: r.state, revision: Number(r.revision), flags: flags as QualityFlag[], candles: Number(r.n),
  };
}

export function createSqlMarketRead(sql: SqlPort, schema: string, now: () => number = () => Date.now()): MarketReadPort {
  const candles = tableRef(schema, 'candles');
  // A bucket is forming if any part is, else revised if any part is (the read layer's rule).
  const bucketState = `CASE WHEN bool_or(state = 'forming') THEN 'forming' WHEN bool_or(state = 'revised') THEN 'revised' ELSE 'closed' END`;
  return {
    async candles(q) {
      const bucketMs = planRead(q.timeframe, q.from, q.to, q.maxPoints).bucketMs;
      const params: unknown[] = [q.exchange, q.symbol, q.timeframe, q.from, q.to, q.after ?? -1, q.limit];
      if (bucketMs === TIMEFRAME_MS[q.timeframe]) {
        const { rows } = await sql.query<CandleRow>(
          `SELECT ts::float8 AS ts, open, high, low, close, volume, quote_volume, trades, state, revision, array_to_string(flags, ',') AS flags, 1 AS n
           FROM ${candles} WHERE exchange = $1 AND symbol = $2 AND timeframe = $3 AND ts BETWEEN $4 AND $5 AND ts > $6 ORDER BY ts LIMIT $7`, params);
        return { bucketMs, candles: rows.map(toCandle) };
      }
      params.push(bucketMs);
      const { rows } = await sql.query<CandleRow>(
        `SELECT (ts / $8 * $8)::float8 AS ts, (array_agg(open ORDER BY ts))[1] AS open, max(high) AS high, min(low) AS low,
                (array_agg(close ORDER BY ts DESC))[1] AS close, sum(volume) AS volume, sum(quote_volume) AS quote_volume, sum(trades)::int AS trades,
                ${bucketState} AS state, max(revision) AS revision, string_agg(array_to_string(flags, ','), ',') AS flags, count(*)::int AS n
         FROM ${candles} WHERE exchange = $1 AND symbol = $2 AND timeframe = $3 AND ts BETWEEN $4 AND $5 AND ts / $8 * $8 > $6
         GROUP BY ts / $8 ORDER BY 1 LIMIT $7`, params);
      return { bucketMs, candles: rows.map(toCandle) };
    },

    async latest(exchange, symbols) {
      const { rows } = await sql.query<{ symbol: string; ts: number; close: number; state: StoredCandle['state'] }>(
        `SELECT DISTINCT ON (symbol) symbol, ts::float8 AS ts, close, state FROM ${candles}
         WHERE exchange = $1 AND timeframe = '1m' AND symbol = ANY($2::text[]) ORDER BY symbol, ts DESC`, [exchange, symbols]);
      const t = now();
      return rows.map((r) => ({ exchange, symbol: r.symbol, timestamp: Number(r.ts), close: r.close, state: r.state, ageMs: Math.max(0, t - Number(r.ts)) }));
    },

    async markets(q) {
      const { rows } = await sql.query<{ exchange: string; symbol: string; base: string; quote: string; active: boolean }>(
        `SELECT exchange, symbol, base, quote, active FROM ${tableRef(schema, 'instruments')}
         WHERE ($1::text IS NULL OR exchange = $1) AND ($2::text IS NULL OR exchange || ':' || symbol > $2) ORDER BY exchange, symbol LIMIT $3`,
        [q.exchange ?? null, q.after ?? null, q.limit]);
      if (rows.length === 0) return [];
      const { rows: cov } = await sql.query<{ exchange: string; symbol: string; store: string; timeframe: Timeframe; first: number; last: number; n: number }>(
        `SELECT exchange, symbol, store, timeframe, min(ts)::float8 AS first, max(ts)::float8 AS last, count(*)::int AS n FROM ${candles}
         WHERE exchange || ':' || symbol = ANY($1::text[]) GROUP BY exchange, symbol, store, timeframe ORDER BY store, timeframe`,
        [rows.map((r) => `${r.exchange}:${r.symbol}`)]);
      return rows.map((r) => ({
        ...r,
        coverage: cov.filter((c) => c.exchange === r.exchange && c.symbol === r.symbol)
          .map((c) => ({ store: c.store, timeframe: c.timeframe, first: Number(c.first), last: Number(c.last), candles: Number(c.n) })),
      }));
    },

    async gaps(q) {
      const { rows } = await sql.query<{ exchange: string; symbol: string; timeframe: Timeframe; from_ts: string; to_ts: string; reason: string; detected_at: string; repaired: boolean }>(
        `SELECT exchange, symbol, timeframe, from_ts, to_ts, reason, detected_at, repaired FROM ${tableRef(schema, 'gaps')}
         WHERE ($1::text IS NULL OR exchange = $1) AND ($2::text IS NULL OR symbol = $2) AND (NOT $3 OR NOT repaired)
         ORDER BY detected_at DESC, symbol LIMIT $4`, [q.exchange ?? null, q.symbol ?? null, q.openOnly, q.limit]);
      return rows.map((r) => ({ exchange: r.exchange, symbol: r.symbol, timeframe: r.timeframe, from: Number(r.from_ts), to: Number(r.to_ts), reason: r.reason, detectedAt: Number(r.detected_at), repaired: r.repaired }));
    },

    async deadLetters(q) {
      const { rows } = await sql.query<{ stage: string; reason_code: string; n: number; last_at: string }>(
        `SELECT stage, reason_code, count(*)::int AS n, max(failed_at) AS last_at FROM ${tableRef(schema, 'dead_letters')}
         WHERE failed_at >= $1 GROUP BY stage, reason_code ORDER BY n DESC, stage, reason_code`, [q.sinceMs]);
      return rows.map((r) => ({ stage: r.stage, reasonCode: r.reason_code, count: Number(r.n), lastAt: Number(r.last_at) }));
    },

    async streams() {
      const { rows } = await sql.query<{ stream: string; status: string; last_message_at: string | null; reconnects: number }>(
        `SELECT stream, status, last_message_at, reconnects FROM ${tableRef(schema, 'stream_status')} ORDER BY stream`);
      const t = now();
      return rows.map((r) => {
        const last = r.last_message_at === null ? null : Number(r.last_message_at);
        return { stream: r.stream, status: r.status, lastMessageAt: last, ageMs: last === null ? null : Math.max(0, t - last), reconnects: Number(r.reconnects) };
      });
    },
  };
}
