import * as z from 'zod';
import type { ClickHouseClient } from '@clickhouse/client-web';
import { EpochMs, Exchange, Symbol, Timeframe } from '../../../schemas/common.ts';
import { CandleSource, CandleState, QualityFlag } from '../../../schemas/ohlcv.ts';

/** The SQL port the read layer needs; a pg.Pool (or PoolClient) satisfies it. Queries are always parameterised. */
export interface SqlPort {
  query<T = Record<string, unknown>>(text: string, params: unknown[]): Promise<{ rows: T[] }>;
}

export type ClickHousePort = Pick<ClickHouseClient, 'query' | 'insert'>;

export interface Stores {
  timescale: SqlPort;
  clickhouse: ClickHousePort;
}

/** A candle as the stores serve it: raw, from a rollup, or merged by downsampling. */
export const StoredCandle = z.object({
  timestamp: EpochMs.describe('Bucket start'),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number(),
  quoteVolume: z.number(),
  trades: z.number().nullable(),
  state: CandleState.describe('forming if any part is forming; revised if any part was revised'),
  revision: z.number().int().describe('Highest revision among the parts'),
  flags: z.array(QualityFlag).describe('Union of the quality flags of the parts'),
  candles: z.number().int().describe('1m candles (or stored candles) merged into this one'),
});
export type StoredCandle = z.infer<typeof StoredCandle>;

export const CandlesQuery = z.object({
  exchange: Exchange,
  symbol: Symbol,
  timeframe: Timeframe,
  from: EpochMs,
  to: EpochMs,
  maxPoints: z.number().int().min(1).max(100_000).optional(),
  source: CandleSource.optional(),
}).refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] });
export type CandlesQuery = z.input<typeof CandlesQuery>;

export const CandlesResult = z.object({
  exchange: Exchange,
  symbol: Symbol,
  timeframe: Timeframe,
  bucketMs: z.number().int().describe('Width of each returned candle; > the timeframe when downsampled'),
  servedFrom: z.string().describe('Relation read: ohlcv (raw) or a rollup such as ohlcv_1h'),
  downsampled: z.boolean(),
  candles: z.array(StoredCandle),
});
export type CandlesResult = z.infer<typeof CandlesResult>;

export const LatestQuery = z.object({ symbols: z.array(Symbol).min(1).max(200), exchange: Exchange.optional() });
export type LatestQuery = z.infer<typeof LatestQuery>;
export const LatestCandle = StoredCandle.extend({ exchange: Exchange, symbol: Symbol, source: CandleSource, receivedAt: EpochMs });
export type LatestCandle = z.infer<typeof LatestCandle>;

export const CoverageQuery = z.object({ exchange: Exchange.optional(), symbol: Symbol.optional(), timeframe: Timeframe });
export type CoverageQuery = z.infer<typeof CoverageQuery>;
export const Coverage = z.object({
  exchange: Exchange,
  symbol: Symbol,
  timeframe: Timeframe,
  first: EpochMs,
  last: EpochMs,
  candles: z.number().int(),
  expected: z.number().int().describe('Buckets between first and last inclusive'),
  completeness: z.number().min(0).max(1),
});
export type Coverage = z.infer<typeof Coverage>;

export const GapsQuery = z.object({ exchange: Exchange, symbol: Symbol, timeframe: Timeframe, from: EpochMs, to: EpochMs });
export type GapsQuery = z.infer<typeof GapsQuery>;
export const Gap = z.object({ from: EpochMs.describe('First missing bucket'), to: EpochMs.describe('Last missing bucket (inclusive)'), buckets: z.number().int() });
export type Gap = z.infer<typeof Gap>;

export const ParityQuery = z.object({ exchange: Exchange, symbol: Symbol, timeframe: Timeframe, from: EpochMs, to: EpochMs });
export type ParityQuery = z.infer<typeof ParityQuery>;
export const ParityReport = z.object({
  buckets: z.number().int(),
  matched: z.number().int(),
  onlyTimescale: z.array(EpochMs),
  onlyClickHouse: z.array(EpochMs),
  mismatched: z.array(z.object({ timestamp: EpochMs, fields: z.array(z.string()) })),
});
export type ParityReport = z.infer<typeof ParityReport>;
