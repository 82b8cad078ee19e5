import type { IndicatorSpec } from '../lib/indicators/index.ts';

/** Indicators computed per series, by the id they carry in the candle's `indicators` map (alerts and signals refer to these ids). */
export type IndicatorSet = Readonly<Record<string, IndicatorSpec>>;

/** What signals needs (MACD, RSI, SMA50/200, BBANDS) plus the usual companions. */
export const DEFAULT_INDICATORS: IndicatorSet = {
  RSI: { name: 'RSI', params: { period: 14 } },
  MACD: { name: 'MACD' },
  BBANDS: { name: 'BBANDS' },
  SMA50: { name: 'SMA', params: { period: 50 } },
  SMA200: { name: 'SMA', params: { period: 200 } },
  EMA20: { name: 'EMA', params: { period: 20 } },
  ATR: { name: 'ATR', params: { period: 14 } },
};

export interface IndicatorsConfig {
  indicators: IndicatorSet;
  /** Closed bars kept per series to replay a revision or a late candle: at least this many, at most 1.25x (older revisions are refused). */
  historyBars: number;
  stateTtlMs?: number;
  /**
   * Series whose decoded runner is kept between batches (reused while the store still holds what this instance wrote);
   * 0 keeps none. About 30 KB each with the default indicator set, so the default 1,000 stays well inside an edge isolate's memory.
   */
  stateCacheSize: number;
}

export const DEFAULT_INDICATORS_CONFIG: IndicatorsConfig = { indicators: DEFAULT_INDICATORS, historyBars: 64, stateCacheSize: 1_000 };

/** Identifies a configuration, so state computed under another one is discarded rather than misread. */
export function configKey(set: IndicatorSet): string {
  return JSON.stringify(Object.entries(set).sort(([a], [b]) => a.localeCompare(b)).map(([id, s]) => [id, s.name, Object.entries(s.params ?? {}).sort()]));
}
