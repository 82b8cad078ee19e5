/** Argument and result fragments shared by several tools, derived from schemas/*.ts. */
import * as z from 'zod';
import { EpochMs, Exchange, Symbol, Timeframe, TIMEFRAME_MS } from '../../../schemas/common.ts';
import type { Timeframe as TimeframeT } from '../../../schemas/common.ts';
import { badInput } from '../result.ts';

export const ExchangeArg = Exchange.default('cccagg');
export const SymbolArg = Symbol;
export const TimeframeArg = Timeframe;

export const RangeArg = z.strictObject({
  from: EpochMs.describe('Inclusive start, epoch ms (UTC)'),
  to: EpochMs.describe('Inclusive end, epoch ms (UTC)'),
}).describe('Time range; at most 400 days');

export const MAX_RANGE_MS = 400 * 86_400_000;

/** Checks a range, and that it holds at most `maxBuckets` candles of `timeframe` when given. */
export function checkRange(range: { from: number; to: number }, timeframe?: TimeframeT, maxBuckets?: number): void {
  if (range.from > range.to) throw badInput('range.from must not be after range.to: swap them');
  if (range.to - range.from > MAX_RANGE_MS) throw badInput('range spans more than 400 days: split it into several calls');
  if (timeframe !== undefined && maxBuckets !== undefined && (range.to - range.from) / TIMEFRAME_MS[timeframe] > maxBuckets) {
    throw badInput(`range holds more than ${maxBuckets} ${timeframe} candles: use a larger timeframe or a shorter range`);
  }
}

export const LimitArg = (max: number, dflt: number) => z.number().int().min(1).max(max).default(dflt).describe(`Items per page (1..${max})`);

/** The page envelope every list/series result carries. */
export const Page = {
  summary: z.string().describe('One-line summary of what was returned'),
  nextCursor: z.string().nullable().describe('Pass as cursor (with the same arguments) to fetch more; null when done'),
};
