import { QualityFlag } from '../../../schemas/ohlcv.ts';

const FLAGS = QualityFlag.options;

/** Bit i <=> QualityFlag option i: rollups OR the masks, so an hourly candle still says which flags its minutes had. */
export function qualityMask(flags: readonly QualityFlag[]): number {
  let mask = 0;
  for (const flag of flags) mask |= 1 << FLAGS.indexOf(flag);
  return mask;
}

export function flagsOfMask(mask: number): QualityFlag[] {
  return FLAGS.filter((_, i) => (mask & (1 << i)) !== 0);
}
