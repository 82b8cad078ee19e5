import type * as z from 'zod';
import type { CandleSource, CandleState, QualityFlag } from '../../../schemas/ohlcv.ts';
import { flagsOfMask } from './quality.ts';
import type { Relation } from './relations.ts';
import type { ClickHousePort, SqlPort, StoredCandle } from './types.ts';

export interface SeriesRange {
  exchange: string;
  symbol: string;
  /** Timeframe of raw rows (only used when reading the raw table). */
  timeframe: string;
  from: number;
  to: number;
  source?: z.infer<typeof CandleSource> | undefined;
}

interface CandleRow {
  t: number | string;
  source: string;
  open: number; high: number; low: number; close: number; volume: number; quote_volume: number;
  trades: number | string | null;
  state?: CandleState;
  flags?: QualityFlag[];
  candles?: number | string;
  forming?: number | string;
  revised?: number | string;
  quality_mask?: number | string;
  revision: number | string;
}

/** Row -> StoredCandle; when two sources stored the same bucket, the first source (alphabetical) is kept. */
function toCandles(rows: readonly CandleRow[]): StoredCandle[] {
  const out: StoredCandle[] = [];
  for (const r of rows) {
    const timestamp = Number(r.t);
    if (out.length > 0 && out[out.length - 1]!.timestamp === timestamp) continue;
    const forming = Number(r.forming ?? 0);
    const revised = Number(r.revised ?? 0);
    out.push({
      timestamp,
      open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume, quoteVolume: r.quote_volume,
      trades: r.trades === null ? null : Number(r.trades),
      state: r.state ?? (forming > 0 ? 'forming' : revised > 0 ? 'revised' : 'closed'),
      revision: Number(r.revision),
      flags: r.flags ?? flagsOfMask(Number(r.quality_mask ?? 0)),
      candles: Number(r.candles ?? 1),
    });
  }
  return out;
}

export async function timescaleCandles(sql: SqlPort, relation: Relation, range: SeriesRange): Promise<StoredCandle[]> {
  const params: unknown[] = [range.exchange, range.symbol, range.from, range.to, range.source ?? null];
  const text = relation.rollup
    ? `SELECT extract(epoch FROM bucket) * 1000 AS t, source, open, high, low, close, volume, quote_volume,
              trades::float8 AS trades, candles::int AS candles, forming::int AS forming, revised::int AS revised,
              quality_mask, max_revision AS revision
         FROM ${relation.name}
        WHERE exchange = $1 AND symbol = $2 AND bucket >= to_timestamp($3::float8 / 1000) AND bucket <= to_timestamp($4::float8 / 1000)
          AND ($5::text IS NULL OR source = $5)
        ORDER BY bucket, source`
    : `SELECT extract(epoch FROM ts) * 1000 AS t, source, open, high, low, close, volume, quote_volume,
              trades::float8 AS trades, state, quality_flags AS flags, revision
         FROM ohlcv
        WHERE exchange = $1 AND symbol = $2 AND timeframe = $6 AND ts >= to_timestamp($3::float8 / 1000) AND ts <= to_timestamp($4::float8 / 1000)
          AND ($5::text IS NULL OR source = $5)
        ORDER BY ts, source`;
  if (!relation.rollup) params.push(range.timeframe);
  const { rows } = await sql.query<CandleRow>(text, params);
  return toCandles(rows);
}

export async function clickHouseCandles(ch: ClickHousePort, relation: Relation, range: SeriesRange): Promise<StoredCandle[]> {
  const sourceFilter = range.source === undefined ? '' : 'AND source = {source:String}';
  const query = relation.rollup
    ? `SELECT toUnixTimestamp64Milli(toDateTime64(bucket, 3, 'UTC')) AS t, source, open, high, low, close, volume, quote_volume,
              trades, candles, forming, revised, quality_mask, max_revision AS revision
         FROM ${relation.name}
        WHERE exchange = {exchange:String} AND symbol = {symbol:String}
          AND bucket >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND bucket <= fromUnixTimestamp64Milli({to:Int64}, 'UTC') ${sourceFilter}
        ORDER BY bucket, source`
    : `SELECT toUnixTimestamp64Milli(ts) AS t, source, open, high, low, close, volume, quote_volume, trades, state,
              quality_flags AS flags, revision
         FROM ohlcv FINAL
        WHERE exchange = {exchange:String} AND symbol = {symbol:String} AND timeframe = {timeframe:String}
          AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts <= fromUnixTimestamp64Milli({to:Int64}, 'UTC') ${sourceFilter}
        ORDER BY ts, source`;
  const result = await ch.query({
    query,
    query_params: { exchange: range.exchange, symbol: range.symbol, timeframe: range.timeframe, from: range.from, to: range.to, ...(range.source ? { source: range.source } : {}) },
    format: 'JSONEachRow',
  });
  return toCandles(await result.json<CandleRow>());
}
