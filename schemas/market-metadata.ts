import * as z from 'zod';
import { EpochMs, Exchange, Symbol, Timeframe } from './common.ts';

/** An instrument a source offers: which pairs trade where. Compacted topic, keyed `instrument:exchange:symbol`. */
export const InstrumentMetadata = z.object({
  kind: z.literal('instrument'),
  exchange: Exchange,
  symbol: Symbol,
  base: z.string(),
  quote: z.string(),
  baseName: z.string().optional(),
  active: z.boolean(),
  updatedAt: EpochMs,
});

/** A span of expected candles that is missing, found by the WebSocket client (reconnect) or the gap scanner. */
export const GapMetadata = z.object({
  kind: z.literal('gap'),
  exchange: Exchange,
  symbol: Symbol,
  timeframe: Timeframe,
  from: EpochMs.describe('First missing bucket start'),
  to: EpochMs.describe('Last missing bucket start (inclusive)'),
  reason: z.enum(['reconnect', 'stall', 'scan', 'source_gap']),
  detectedAt: EpochMs,
});

/** Liveness of one stream (a subscription or a REST poller), for freshness dashboards and alerts. */
export const StreamStatusMetadata = z.object({
  kind: z.literal('stream_status'),
  stream: z.string().describe('e.g. websocket:24~CCCAGG~BTC~USD~m'),
  status: z.enum(['connected', 'reconnecting', 'stale', 'stopped']),
  lastMessageAt: EpochMs.nullable(),
  reconnects: z.number().int().nonnegative(),
  at: EpochMs,
});

export const MarketMetadataMessage = z.discriminatedUnion('kind', [InstrumentMetadata, GapMetadata, StreamStatusMetadata]);
export type MarketMetadataMessage = z.infer<typeof MarketMetadataMessage>;
export type GapMetadata = z.infer<typeof GapMetadata>;
