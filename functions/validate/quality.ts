import { QualityFlag } from '../../schemas/ohlcv.ts';

type Flag = QualityFlag;

/** Flags that make a candle doubtful for trading decisions. */
const LOW: ReadonlySet<Flag> = new Set<Flag>(['price_jump', 'outlier', 'inconsistent_forming', 'out_of_order', 'duplicate', 'pre_listing_padding']);
/** Flags that say the data is real but second-hand or incomplete. */
const MEDIUM: ReadonlySet<Flag> = new Set<Flag>(['gap_before', 'zero_volume_fill', 'converted', 'late_revision']);

/** Penalty per flag for the 0..1 quality score; the score is 1 minus their sum, floored at 0. */
const PENALTY: Readonly<Record<Flag, number>> = {
  zero_volume_fill: 0.2,
  pre_listing_padding: 1,
  converted: 0.1,
  gap_before: 0.15,
  late_revision: 0.05,
  price_jump: 0.3,
  outlier: 0.6,
  duplicate: 0.5,
  out_of_order: 0.2,
  inconsistent_forming: 0.25,
};

export function qualityLevel(flags: readonly Flag[]): 'high' | 'medium' | 'low' {
  if (flags.some((f) => LOW.has(f))) return 'low';
  if (flags.some((f) => MEDIUM.has(f))) return 'medium';
  return 'high';
}

export function qualityScore(flags: readonly Flag[]): number {
  const penalty = [...new Set(flags)].reduce((sum, f) => sum + PENALTY[f], 0);
  return Math.max(0, Math.round((1 - penalty) * 1000) / 1000);
}

/** Distinct flags in the schema's declared order, so equal flag sets serialise identically. */
export function orderedFlags(flags: Iterable<Flag>): Flag[] {
  const set = new Set(flags);
  return QualityFlag.options.filter((f) => set.has(f));
}
