import * as z from 'zod';
import { bucketStart, TIMEFRAME_MS } from '../../schemas/common.ts';
import { OhlcvMessage, type QualityFlag } from '../../schemas/ohlcv.ts';
import { refuse, type Refusal } from '../lib/batch/index.ts';

/** The raw candle as validate accepts it: the message shape, but prices may be any finite number so a bad price gets its own reason code. */
export const RawOhlcv = OhlcvMessage.extend({
  open: z.number().finite(),
  high: z.number().finite(),
  low: z.number().finite(),
  close: z.number().finite(),
});
export type RawOhlcv = z.infer<typeof RawOhlcv>;

export interface ValidateConfig {
  /** |close / previous close - 1| above this (percent) flags price_jump. */
  jumpPct: number;
  /** Any of OHLC further than this (percent) from the previous close is refused as OUTLIER. */
  outlierPct: number;
  /** Tolerated clock difference between the source and us (ms) before a candle counts as from the future. */
  clockSkewMs: number;
  /** Recent candles remembered per series (duplicates, revisions, previous close). */
  historyBars: number;
  /** Expire a silent series' state after this long (ms); absent = keep. */
  stateTtlMs?: number;
  /** Series kept decoded between batches (reused while the store still holds what this instance wrote); 0 keeps none. */
  stateCacheSize: number;
}

export const DEFAULT_VALIDATE_CONFIG: ValidateConfig = { jumpPct: 10, outlierPct: 50, clockSkewMs: 5_000, historyBars: 240, stateCacheSize: 1_000 };

/** Stateless checks, in the order a person would fix them. Returns the flags found, or the refusal. */
export function checkCandle(c: RawOhlcv, now: number, config: ValidateConfig): QualityFlag[] | Refusal {
  const step = TIMEFRAME_MS[c.timeframe];
  if (c.timestamp % step !== 0) {
    return refuse('MISALIGNED_TIMESTAMP', `timestamp ${c.timestamp} is not the start of a ${c.timeframe} bucket (expected ${bucketStart(c.timestamp, c.timeframe)})`, { expected: bucketStart(c.timestamp, c.timeframe) });
  }
  const currentBucket = bucketStart(now + config.clockSkewMs, c.timeframe);
  if (c.timestamp > currentBucket) {
    return refuse('FUTURE_TIMESTAMP', `bucket ${c.timestamp} starts after the current ${c.timeframe} bucket ${currentBucket}: check the source clock or the timestamp unit (epoch ms)`, { currentBucket });
  }
  const prices = [c.open, c.high, c.low, c.close];
  if (prices.every((p) => p === 0) && c.volume === 0) {
    return refuse('PRE_LISTING_PADDING', 'all-zero candle before the pair listed: padding, not data, so it is never stored', { flag: 'pre_listing_padding' });
  }
  if (prices.some((p) => p <= 0)) {
    return refuse('PRICE_NOT_POSITIVE', `prices must be positive (open ${c.open}, high ${c.high}, low ${c.low}, close ${c.close})`);
  }
  if (c.volume < 0 || c.quoteVolume < 0) {
    return refuse('VOLUME_NEGATIVE', `volumes must not be negative (volume ${c.volume}, quoteVolume ${c.quoteVolume})`);
  }
  const flags: QualityFlag[] = [];
  const broken = invariantViolations(c);
  if (broken.length > 0) {
    if (c.state !== 'forming') return refuse('OHLC_INVARIANT', `OHLC invariants violated on a ${c.state} candle: ${broken.join('; ')}`, { violations: broken });
    flags.push('inconsistent_forming');
  }
  if (c.volume === 0 && c.open === c.high && c.high === c.low && c.low === c.close) flags.push('zero_volume_fill');
  if (c.conversion.type !== 'direct') flags.push('converted');
  if (c.state === 'revised') flags.push('late_revision');
  return flags;
}

function invariantViolations(c: RawOhlcv): string[] {
  const out: string[] = [];
  if (c.high < Math.max(c.open, c.close)) out.push(`high ${c.high} < max(open, close) ${Math.max(c.open, c.close)}`);
  if (c.low > Math.min(c.open, c.close)) out.push(`low ${c.low} > min(open, close) ${Math.min(c.open, c.close)}`);
  if (c.low > c.high) out.push(`low ${c.low} > high ${c.high}`);
  return out;
}
