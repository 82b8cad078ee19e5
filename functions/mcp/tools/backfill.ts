import * as z from 'zod';
import { BackfillProgress, BackfillRequest } from '../../../schemas/analytics-requests.ts';
import { Symbol, Timeframe } from '../../../schemas/common.ts';
import { queryKey } from '../cursor.ts';
import { badInput, notFound } from '../result.ts';
import { READ_ONLY, defineTool } from './define.ts';
import { ExchangeArg, RangeArg, checkRange } from './shared.ts';

const RequestId = z.string().regex(/^bf_[a-z0-9]{6,40}$/, 'requestId is the id request_backfill returned (bf_...)');

export const requestBackfill = defineTool({
  name: 'request_backfill',
  title: 'Request backfill',
  description: 'Queues a REST re-fetch of a range (e.g. a gap from get_data_quality) for up to 20 symbols; both stores are updated idempotently. '
    + 'The same arguments give the same requestId, so repeating a call does not queue twice (unless it failed: then it is queued again). Track it with get_backfill_status.',
  scope: 'backfill',
  input: z.object({ exchange: ExchangeArg, symbols: z.array(Symbol).min(1).max(20), timeframe: Timeframe, range: RangeArg }),
  output: z.object({ summary: z.string(), requestId: z.string(), status: BackfillProgress.shape.status }),
  annotations: { title: 'Request backfill', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { deps, keyId }) {
    checkRange(args.range, args.timeframe, 600_000);
    const now = deps.now();
    if (args.range.from > now) throw badInput('range starts in the future: nothing to backfill yet');
    const symbols = [...new Set(args.symbols)].sort();
    const requestId = `bf_${queryKey([keyId, args.exchange, symbols, args.timeframe, args.range])}`;
    const existing = await deps.backfill.status(requestId);
    // A failed request is queued again: an upstream refusal (no data yet, a key since fixed) may not last, and one that
    // will (too large) fails again at once, cheaply.
    if (existing !== null && existing.status !== 'failed') return { summary: `already ${existing.status} as ${requestId}`, requestId, status: existing.status };
    const request = BackfillRequest.parse({
      kind: 'backfill', requestId, exchange: args.exchange, symbols, timeframe: args.timeframe, from: args.range.from, to: Math.min(args.range.to, now),
      reason: 'agent', requestedBy: keyId, requestedAt: now,
    });
    await deps.backfill.enqueue(request);
    const again = existing === null ? '' : ` again (the last attempt failed: ${existing.error?.code ?? 'unknown'})`;
    return { summary: `queued ${requestId}${again}: ${symbols.length} symbols ${args.timeframe}`, requestId, status: 'queued' as const };
  },
});

export const getBackfillStatus = defineTool({
  name: 'get_backfill_status',
  title: 'Backfill status',
  description: 'Progress of a backfill queued with request_backfill: queued, running, done or failed (with the reason it was refused), with candles and pages fetched.',
  scope: 'read',
  input: z.object({ requestId: RequestId }),
  output: z.object({ summary: z.string(), progress: BackfillProgress }),
  annotations: { ...READ_ONLY, title: 'Backfill status' },
  async run(args, { deps }) {
    const progress = await deps.backfill.status(args.requestId);
    if (progress === null) throw notFound('BACKFILL_NOT_FOUND', `no backfill ${args.requestId}: use the requestId request_backfill returned`);
    const why = progress.error === undefined ? '' : ` (${progress.error.code}: ${progress.error.message})`;
    return { summary: `${args.requestId}: ${progress.status}${why}, ${progress.candles} candles in ${progress.pages} pages`, progress };
  },
});
