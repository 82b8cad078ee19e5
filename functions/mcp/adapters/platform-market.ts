/**
 * MarketReadPort over the platform: candles, latest prices and coverage from the read layer (functions/lib/read),
 * instruments, gaps and dead-letter counts from the TimescaleDB tables of sql/timescale/004_platform_tables.sql.
 */
import { TIMEFRAME_MS } from '../../../schemas/common.ts';
import type { Timeframe } from '../../../schemas/common.ts';
import type { ReadLayer } from '../../lib/read/index.ts';
import type { MarketReadPort, SqlPort, StoreCoverage, StoredCandle } from '../ports.ts';

export interface PlatformMarketOptions {
  layer: ReadLayer;
  sql: SqlPort;
  /** Series whose freshness get_data_quality reports (exchange + symbols). */
  streams: { exchange: string; symbols: string[] };
  /** A 1m series whose newest candle is older than this is reported stale. */
  staleAfterMs?: number;
  /** Timeframes list_markets reports coverage for. */
  coverageTimeframes?: Timeframe[];
  /** Where a store's failed coverage read goes; list_markets then reports the stores that answered. */
  onStoreError?: (error: unknown) => void;
  now?: () => number;
}

export function createPlatformMarketRead(opts: PlatformMarketOptions): MarketReadPort {
  const { layer, sql } = opts;
  const now = opts.now ?? (() => Date.now());
  const staleAfterMs = opts.staleAfterMs ?? 180_000;
  const coverageTimeframes = opts.coverageTimeframes ?? ['1m', '1h', '1d'];

  return {
    async candles(q) {
      const series = { exchange: q.exchange, symbol: q.symbol, timeframe: q.timeframe };
      if (q.maxPoints !== undefined) {
        // Downsampled reads are bounded by maxPoints: read the whole range (stable bucket edges on every page) and slice.
        const r = await layer.candles({ ...series, from: q.from, to: q.to, maxPoints: q.maxPoints });
        if (r.downsampled) return { bucketMs: r.bucketMs, candles: r.candles.filter((c) => q.after === undefined || c.timestamp > q.after).slice(0, q.limit) };
      }
      // Raw pages: read windows just wide enough for `limit` candles, widening over sparse stretches.
      const step = TIMEFRAME_MS[q.timeframe];
      const out: StoredCandle[] = [];
      let from = q.after === undefined ? q.from : Math.max(q.from, q.after + step);
      let span = q.limit * step;
      while (out.length < q.limit && from <= q.to) {
        const to = Math.min(q.to, from + span - step);
        const r = await layer.candles({ ...series, from, to });
        out.push(...r.candles.filter((c) => c.timestamp >= from && c.timestamp <= to));
        from = to + step;
        span *= 4;
      }
      return { bucketMs: step, candles: out.slice(0, q.limit) };
    },

    async latest(exchange, symbols) {
      const rows = await layer.latest({ exchange, symbols });
      const t = now();
      return rows.map((r) => ({ exchange: r.exchange, symbol: r.symbol, timestamp: r.timestamp, close: r.close, state: r.state, ageMs: Math.max(0, t - r.timestamp) }));
    },

    async markets(q) {
      const { rows } = await sql.query<{ exchange: string; symbol: string; base: string; quote: string; active: boolean }>(
        `SELECT exchange, symbol, base, quote, active FROM market_metadata
          WHERE ($1::text IS NULL OR exchange = $1) AND ($2::text IS NULL OR exchange || ':' || symbol > $2) ORDER BY exchange, symbol LIMIT $3`,
        [q.exchange ?? null, q.after ?? null, q.limit]);
      const coverage = new Map<string, StoreCoverage[]>();
      const filter = q.exchange === undefined ? {} : { exchange: q.exchange };
      const stores = [['timescale', layer.coverage], ['clickhouse', layer.clickHouseCoverage]] as const;
      // Both stores and every timeframe at once; a store that fails drops out of the answer rather than failing it.
      const reads = await Promise.all(stores.map(([store, read]) => Promise.all(coverageTimeframes.map((timeframe) => read({ timeframe, ...filter })))
        .then((perTimeframe) => perTimeframe.flatMap((rows, i) => rows.map((c) => ({ store, timeframe: coverageTimeframes[i] as Timeframe, c }))))
        .catch((error: unknown) => {
          opts.onStoreError?.(error);
          return [];
        })));
      for (const { store, timeframe, c } of reads.flat()) {
        const key = `${c.exchange}:${c.symbol}`;
        coverage.set(key, [...(coverage.get(key) ?? []), { store, timeframe, first: c.first, last: c.last, candles: c.candles }]);
      }
      return rows.map((r) => ({ ...r, coverage: coverage.get(`${r.exchange}:${r.symbol}`) ?? [] }));
    },

    async gaps(q) {
      const { rows } = await sql.query<{ exchange: string; symbol: string; timeframe: Timeframe; from_ms: number; to_ms: number; reason: string; detected_ms: number; resolved: boolean }>(
        `SELECT exchange, symbol, timeframe, extract(epoch FROM from_ts) * 1000 AS from_ms, extract(epoch FROM to_ts) * 1000 AS to_ms, reason,
                extract(epoch FROM detected_at) * 1000 AS detected_ms, resolved_at IS NOT NULL AS resolved
           FROM gaps WHERE ($1::text IS NULL OR exchange = $1) AND ($2::text IS NULL OR symbol = $2) AND (NOT $3 OR resolved_at IS NULL)
          ORDER BY detected_at DESC, symbol LIMIT $4`,
        [q.exchange ?? null, q.symbol ?? null, q.openOnly, q.limit]);
      return rows.map((r) => ({ exchange: r.exchange, symbol: r.symbol, timeframe: r.timeframe, from: Math.round(Number(r.from_ms)), to: Math.round(Number(r.to_ms)), reason: r.reason, detectedAt: Math.round(Number(r.detected_ms)), repaired: r.resolved }));
    },

    async deadLetters(q) {
      const { rows } = await sql.query<{ stage: string; reason_code: string; n: string; last_ms: number | null }>(
        `SELECT stage, reason_code, sum(count) AS n, extract(epoch FROM max(last_at)) * 1000 AS last_ms FROM dead_letters
          WHERE day >= (to_timestamp($1 / 1000.0) AT TIME ZONE 'UTC')::date GROUP BY stage, reason_code ORDER BY n DESC, stage, reason_code`, [q.sinceMs]);
      return rows.map((r) => ({ stage: r.stage, reasonCode: r.reason_code, count: Number(r.n), lastAt: Math.round(Number(r.last_ms ?? 0)) }));
    },

    async streams() {
      const rows = await layer.latest({ exchange: opts.streams.exchange, symbols: opts.streams.symbols });
      const t = now();
      return opts.streams.symbols.map((symbol) => {
        const r = rows.find((x) => x.symbol === symbol);
        const ageMs = r === undefined ? null : Math.max(0, t - r.receivedAt);
        return { stream: `ohlcv:1m:${opts.streams.exchange}:${symbol}`, status: ageMs === null ? 'stopped' : ageMs > staleAfterMs ? 'stale' : 'connected', lastMessageAt: r?.receivedAt ?? null, ageMs, reconnects: 0 };
      });
    },
  };
}
