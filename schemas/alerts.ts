import * as z from 'zod';
import { EpochMs, Exchange, Symbol, Timeframe } from './common.ts';

const EventBase = z.object({
  id: z.string().min(1).max(200).describe('Idempotency key: the same condition on the same candle always yields the same id'),
  at: EpochMs.describe('Candle time (or detection time for system events) the event refers to'),
  emittedAt: EpochMs,
  title: z.string().max(200),
  message: z.string().max(2000),
  severity: z.enum(['info', 'warning', 'critical']),
});

const SeriesRef = z.object({ exchange: Exchange, symbol: Symbol, timeframe: Timeframe });

/** A user/agent alert rule fired. */
export const AlertEvent = EventBase.extend(SeriesRef.shape).extend({
  kind: z.literal('alert'),
  ruleId: z.string(),
  condition: z.string().describe('Human-readable condition, e.g. "close crosses above 65000"'),
  price: z.number(),
  evidence: z.record(z.string(), z.unknown()),
  webhookUrl: z.string().url().optional(),
});

/** A trading signal from indicator/pattern combinations. */
export const SignalEvent = EventBase.extend(SeriesRef.shape).extend({
  kind: z.literal('signal'),
  signal: z.string().describe('e.g. macd_cross, golden_cross, rsi_regime'),
  direction: z.enum(['bullish', 'bearish', 'neutral']),
  strength: z.number().min(0).max(1),
  price: z.number(),
  evidence: z.record(z.string(), z.unknown()),
});

/** An operational alert about the platform itself (gaps, latency, storage, quota). */
export const SystemEvent = EventBase.extend({
  kind: z.literal('system'),
  check: z.enum(['data_gap', 'high_latency', 'storage_capacity', 'api_quota', 'stream_stale', 'dead_letters']),
  status: z.enum(['firing', 'resolved']),
  subject: z.string().describe('What it is about: a stream, a store, a symbol'),
  value: z.number().optional(),
  threshold: z.number().optional(),
});

export const AlertsMessage = z.discriminatedUnion('kind', [AlertEvent, SignalEvent, SystemEvent]);
export type AlertsMessage = z.infer<typeof AlertsMessage>;
export type AlertEvent = z.infer<typeof AlertEvent>;
export type SignalEvent = z.infer<typeof SignalEvent>;
export type SystemEvent = z.infer<typeof SystemEvent>;
