import * as z from 'zod';
import { EpochMs, Exchange, Symbol, Timeframe } from './common.ts';

/** Fetch a range over REST and write it to both stores (idempotently). */
export const BackfillRequest = z.object({
  kind: z.literal('backfill'),
  requestId: z.string().min(1).max(100),
  exchange: Exchange,
  symbols: z.array(Symbol).min(1).max(100),
  timeframe: Timeframe,
  from: EpochMs,
  to: EpochMs,
  reason: z.enum(['gap', 'agent', 'cli', 'schedule']),
  requestedBy: z.string().max(100),
  requestedAt: EpochMs,
}).refine((r) => r.from <= r.to, { message: 'from must not be after to', path: ['from'] });

/** Progress of a backfill, published by the backfill worker under the same requestId. */
export const BackfillProgress = z.object({
  kind: z.literal('backfill_progress'),
  requestId: z.string(),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  candles: z.number().int().nonnegative(),
  pages: z.number().int().nonnegative(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  at: EpochMs,
});

export const AnalyticsRequestMessage = z.union([BackfillRequest, BackfillProgress]);
export type AnalyticsRequestMessage = z.infer<typeof AnalyticsRequestMessage>;
export type BackfillRequest = z.infer<typeof BackfillRequest>;
export type BackfillProgress = z.infer<typeof BackfillProgress>;
