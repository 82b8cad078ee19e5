import type { OhlcvMessage } from '../../../schemas/ohlcv.ts';
import { qualityMask } from './quality.ts';

/** Column order shared by the TimescaleDB and ClickHouse writers (plain inserts in the benchmark use it too). */
export const OHLCV_COLUMNS = [
  'source', 'exchange', 'symbol', 'timeframe', 'ts', 'open', 'high', 'low', 'close', 'volume', 'quote_volume', 'trades',
  'state', 'revision', 'received_at', 'transport', 'conversion_type', 'conversion_symbol', 'quality_flags', 'quality_mask',
  'quality_level', 'gap_before_ms',
] as const;

/**
 * One batch as column arrays for `INSERT ... SELECT FROM unnest(...)`: a fixed 22-parameter statement whatever the
 * batch size (no per-row placeholders, one plan). Flags travel as comma-joined text, split server-side.
 */
export function timescaleColumns(candles: readonly OhlcvMessage[]): unknown[] {
  return [
    candles.map((c) => c.source), candles.map((c) => c.exchange), candles.map((c) => c.symbol), candles.map((c) => c.timeframe),
    candles.map((c) => c.timestamp), candles.map((c) => c.open), candles.map((c) => c.high), candles.map((c) => c.low),
    candles.map((c) => c.close), candles.map((c) => c.volume), candles.map((c) => c.quoteVolume), candles.map((c) => c.trades),
    candles.map((c) => c.state), candles.map((c) => c.revision), candles.map((c) => c.receivedAt), candles.map((c) => c.transport),
    candles.map((c) => c.conversion.type), candles.map((c) => c.conversion.symbol), candles.map((c) => c.quality.flags.join(',')),
    candles.map((c) => qualityMask(c.quality.flags)), candles.map((c) => c.quality.level), candles.map((c) => c.quality.gapBeforeMs ?? null),
  ];
}

export const TIMESCALE_INSERT = `
INSERT INTO ohlcv (${OHLCV_COLUMNS.join(', ')})
SELECT s, e, sy, tf, to_timestamp(t / 1000.0), o, h, l, c, v, qv, tr, st, rv, to_timestamp(ra / 1000.0), tp, ct, cs,
       string_to_array(qf, ','), qm, ql, gb
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::float8[], $8::float8[],
              $9::float8[], $10::float8[], $11::float8[], $12::bigint[], $13::text[], $14::int[], $15::float8[], $16::text[],
              $17::text[], $18::text[], $19::text[], $20::int[], $21::text[], $22::bigint[])
       AS u(s, e, sy, tf, t, o, h, l, c, v, qv, tr, st, rv, ra, tp, ct, cs, qf, qm, ql, gb)`;

/** The revision rule: a newer revision wins; at the same revision only forming -> closed; an older one never overwrites. */
export const TIMESCALE_UPSERT = `${TIMESCALE_INSERT}
ON CONFLICT (source, exchange, symbol, timeframe, ts) DO UPDATE SET
  open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, volume = excluded.volume,
  quote_volume = excluded.quote_volume, trades = excluded.trades, state = excluded.state, revision = excluded.revision,
  received_at = excluded.received_at, transport = excluded.transport, conversion_type = excluded.conversion_type,
  conversion_symbol = excluded.conversion_symbol, quality_flags = excluded.quality_flags, quality_mask = excluded.quality_mask,
  quality_level = excluded.quality_level, gap_before_ms = excluded.gap_before_ms, updated_at = now()
WHERE excluded.revision > ohlcv.revision
   OR (excluded.revision = ohlcv.revision AND ohlcv.state = 'forming' AND excluded.state = 'closed')`;

/** `YYYY-MM-DD hh:mm:ss.sss` (UTC), the DateTime64(3) text form ClickHouse parses without extra settings. */
export function clickHouseTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
}

export interface ClickHouseOhlcvRow {
  source: string; exchange: string; symbol: string; timeframe: string; ts: string;
  open: number; high: number; low: number; close: number; volume: number; quote_volume: number; trades: number | null;
  state: string; revision: number; received_at: string; transport: string; conversion_type: string; conversion_symbol: string;
  quality_flags: string[]; quality_mask: number; quality_level: string; gap_before_ms: number | null;
}

export function clickHouseRow(c: OhlcvMessage): ClickHouseOhlcvRow {
  return {
    source: c.source, exchange: c.exchange, symbol: c.symbol, timeframe: c.timeframe, ts: clickHouseTime(c.timestamp),
    open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, quote_volume: c.quoteVolume, trades: c.trades,
    state: c.state, revision: c.revision, received_at: clickHouseTime(c.receivedAt), transport: c.transport,
    conversion_type: c.conversion.type, conversion_symbol: c.conversion.symbol, quality_flags: c.quality.flags,
    quality_mask: qualityMask(c.quality.flags), quality_level: c.quality.level, gap_before_ms: c.quality.gapBeforeMs ?? null,
  };
}
