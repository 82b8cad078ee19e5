import type { QualityFlag } from '../../../schemas/ohlcv.ts';
import type { StoredCandle } from './types.ts';

/**
 * Merges time-ordered candles into buckets of `bucketMs` aligned to the epoch, OHLC-correctly: first open, max high,
 * min low, last close, summed volumes; forming/revised if any part is; flags united.
 */
export function mergeCandles(candles: readonly StoredCandle[], bucketMs: number): StoredCandle[] {
  const out: StoredCandle[] = [];
  let current: StoredCandle | undefined;
  let flags = new Set<QualityFlag>();
  for (const c of candles) {
    const start = Math.floor(c.timestamp / bucketMs) * bucketMs;
    if (current === undefined || current.timestamp !== start) {
      if (current !== undefined) out.push({ ...current, flags: [...flags] });
      current = { ...c, timestamp: start };
      flags = new Set(c.flags);
      continue;
    }
    current.high = Math.max(current.high, c.high);
    current.low = Math.min(current.low, c.low);
    current.close = c.close;
    current.volume += c.volume;
    current.quoteVolume += c.quoteVolume;
    current.trades = current.trades === null && c.trades === null ? null : (current.trades ?? 0) + (c.trades ?? 0);
    current.state = stateOf([current.state, c.state]);
    current.revision = Math.max(current.revision, c.revision);
    current.candles += c.candles;
    for (const f of c.flags) flags.add(f);
  }
  if (current !== undefined) out.push({ ...current, flags: [...flags] });
  return out;
}

export function stateOf(states: ReadonlyArray<StoredCandle['state']>): StoredCandle['state'] {
  if (states.includes('forming')) return 'forming';
  if (states.includes('revised')) return 'revised';
  return 'closed';
}
