/**
 * TA-Lib's default candle settings (ta_global.c TA_CandleDefaultSettings). The TA_CANDLERANGE / TA_CANDLEAVERAGE
 * arithmetic lives in PatternKernel (index.ts), in TA-Lib's operation order so thresholds flip exactly where TA-Lib's do.
 */

export const RangeType = { RealBody: 0, HighLow: 1, Shadows: 2 } as const;
export type RangeType = (typeof RangeType)[keyof typeof RangeType];

export interface CandleSetting { readonly range: RangeType; readonly avgPeriod: number; readonly factor: number }

export const CANDLE_SETTINGS = {
  /** real body longer than the average of the 10 previous bodies */
  BodyLong: { range: RangeType.RealBody, avgPeriod: 10, factor: 1.0 },
  BodyVeryLong: { range: RangeType.RealBody, avgPeriod: 10, factor: 3.0 },
  BodyShort: { range: RangeType.RealBody, avgPeriod: 10, factor: 1.0 },
  /** body <= 10% of the average high-low range of the 10 previous candles */
  BodyDoji: { range: RangeType.HighLow, avgPeriod: 10, factor: 0.1 },
  /** shadow longer than the candle's own body (avgPeriod 0 = the candle itself) */
  ShadowLong: { range: RangeType.RealBody, avgPeriod: 0, factor: 1.0 },
  ShadowVeryLong: { range: RangeType.RealBody, avgPeriod: 0, factor: 2.0 },
  ShadowShort: { range: RangeType.Shadows, avgPeriod: 10, factor: 1.0 },
  ShadowVeryShort: { range: RangeType.HighLow, avgPeriod: 10, factor: 0.1 },
  Near: { range: RangeType.HighLow, avgPeriod: 5, factor: 0.2 },
  Far: { range: RangeType.HighLow, avgPeriod: 5, factor: 0.6 },
  Equal: { range: RangeType.HighLow, avgPeriod: 5, factor: 0.05 },
} as const satisfies Record<string, CandleSetting>;

export type CandleSettingName = keyof typeof CANDLE_SETTINGS;
