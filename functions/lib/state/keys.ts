import type { CandleIdentity } from '../../../schemas/ohlcv.ts';

/** State key of one series for one function: functions never share state keys, so each can evolve its own shape. */
export function seriesStateKey(fn: string, c: Pick<CandleIdentity, 'source' | 'exchange' | 'symbol' | 'timeframe'>): string {
  return `${fn}:${c.source}:${c.exchange}:${c.symbol}:${c.timeframe}`;
}
