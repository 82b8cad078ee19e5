import * as z from 'zod';
import { EpochMs } from './common.ts';

export const PipelineStage = z.enum(['ingest', 'validate', 'enrich', 'indicators', 'alerts', 'signals', 'sink-timescale', 'sink-clickhouse', 'backfill']);

/**
 * A refused message, as written to a dead-letter topic: the original payload untouched (parsed JSON when it was JSON,
 * otherwise the raw text), the stage that refused it, a stable reason code and a message a person can act on.
 */
export const DeadLetter = z.object({
  schemaVersion: z.literal(1),
  stage: PipelineStage,
  reasonCode: z.string().regex(/^[A-Z][A-Z0-9_]*$/).describe('Stable code, e.g. OHLC_INVARIANT, PRICE_NOT_POSITIVE'),
  message: z.string().max(2000),
  original: z.unknown().describe('The refused payload as received'),
  originalTopic: z.string().optional(),
  failedAt: EpochMs,
  details: z.record(z.string(), z.unknown()).optional(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;
export type PipelineStage = z.infer<typeof PipelineStage>;
