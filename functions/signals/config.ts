import type { PatternName } from '../lib/patterns/index.ts';

/** Which indicator ids (as the indicators function names them) each signal reads, and the thresholds. */
export interface SignalsConfig {
  /** Indicator ids for MACD, RSI and BBANDS (outputs by their catalogue names); moving averages as `id.output`. */
  ids: { macd: string; rsi: string; bbands: string; fastMa: string; slowMa: string; trendMa: string };
  rsi: { oversold: number; overbought: number };
  /** Patterns that may produce a pattern_confirmed signal when the trend agrees. */
  patterns: readonly PatternName[];
  firedKeys: number;
  stateTtlMs?: number;
  /** Series kept decoded between batches (reused while the store still holds what this instance wrote); 0 keeps none. */
  stateCacheSize: number;
}

export const DEFAULT_SIGNALS_CONFIG: SignalsConfig = {
  ids: { macd: 'MACD', rsi: 'RSI', bbands: 'BBANDS', fastMa: 'SMA50.sma', slowMa: 'SMA200.sma', trendMa: 'EMA20.ema' },
  rsi: { oversold: 30, overbought: 70 },
  patterns: ['CDLENGULFING', 'CDLHAMMER', 'CDLSHOOTINGSTAR', 'CDLMORNINGSTAR', 'CDLEVENINGSTAR', 'CDLPIERCING', 'CDLDARKCLOUDCOVER', 'CDL3WHITESOLDIERS', 'CDL3BLACKCROWS', 'CDLHARAMI'],
  firedKeys: 2_000,
  stateCacheSize: 1_000,
};
