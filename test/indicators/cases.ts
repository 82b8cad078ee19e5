/** How each TA-Lib-convention indicator maps onto native TA-Lib (function, optIns, output names). */
import type { IndicatorSpec } from '../../functions/lib/indicators/types.ts';

export interface TalibCase {
  spec: IndicatorSpec;
  fn: string;
  opts: Record<string, number>;
  /** our output name -> TA-Lib output name */
  outputs: Record<string, string>;
}

const p = (optInTimePeriod: number) => ({ optInTimePeriod });

/** Default params plus one non-default variant per indicator. */
export const TALIB_CASES: TalibCase[] = [
  { spec: { name: 'SMA' }, fn: 'SMA', opts: p(20), outputs: { sma: 'outReal' } },
  { spec: { name: 'SMA', params: { period: 7 } }, fn: 'SMA', opts: p(7), outputs: { sma: 'outReal' } },
  { spec: { name: 'EMA' }, fn: 'EMA', opts: p(20), outputs: { ema: 'outReal' } },
  { spec: { name: 'EMA', params: { period: 50 } }, fn: 'EMA', opts: p(50), outputs: { ema: 'outReal' } },
  { spec: { name: 'WMA' }, fn: 'WMA', opts: p(20), outputs: { wma: 'outReal' } },
  { spec: { name: 'WMA', params: { period: 9 } }, fn: 'WMA', opts: p(9), outputs: { wma: 'outReal' } },
  { spec: { name: 'DEMA' }, fn: 'DEMA', opts: p(20), outputs: { dema: 'outReal' } },
  { spec: { name: 'DEMA', params: { period: 5 } }, fn: 'DEMA', opts: p(5), outputs: { dema: 'outReal' } },
  { spec: { name: 'TEMA' }, fn: 'TEMA', opts: p(20), outputs: { tema: 'outReal' } },
  { spec: { name: 'TEMA', params: { period: 8 } }, fn: 'TEMA', opts: p(8), outputs: { tema: 'outReal' } },
  { spec: { name: 'RSI' }, fn: 'RSI', opts: p(14), outputs: { rsi: 'outReal' } },
  { spec: { name: 'RSI', params: { period: 2 } }, fn: 'RSI', opts: p(2), outputs: { rsi: 'outReal' } },
  {
    spec: { name: 'MACD' }, fn: 'MACD', opts: { optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 },
    outputs: { macd: 'outMACD', signal: 'outMACDSignal', hist: 'outMACDHist' },
  },
  {
    spec: { name: 'MACD', params: { fast: 26, slow: 12, signal: 5 } }, fn: 'MACD', opts: { optInFastPeriod: 26, optInSlowPeriod: 12, optInSignalPeriod: 5 },
    outputs: { macd: 'outMACD', signal: 'outMACDSignal', hist: 'outMACDHist' },
  },
  {
    spec: { name: 'BBANDS' }, fn: 'BBANDS', opts: { optInTimePeriod: 20, optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 },
    outputs: { upper: 'outRealUpperBand', middle: 'outRealMiddleBand', lower: 'outRealLowerBand' },
  },
  {
    spec: { name: 'BBANDS', params: { period: 5, nbDevUp: 1, nbDevDn: 2.5 } }, fn: 'BBANDS', opts: { optInTimePeriod: 5, optInNbDevUp: 1, optInNbDevDn: 2.5, optInMAType: 0 },
    outputs: { upper: 'outRealUpperBand', middle: 'outRealMiddleBand', lower: 'outRealLowerBand' },
  },
  { spec: { name: 'ATR' }, fn: 'ATR', opts: p(14), outputs: { atr: 'outReal' } },
  { spec: { name: 'ATR', params: { period: 1 } }, fn: 'ATR', opts: p(1), outputs: { atr: 'outReal' } },
  {
    spec: { name: 'STOCH' }, fn: 'STOCH', opts: { optInFastK_Period: 14, optInSlowK_Period: 3, optInSlowK_MAType: 0, optInSlowD_Period: 3, optInSlowD_MAType: 0 },
    outputs: { slowK: 'outSlowK', slowD: 'outSlowD' },
  },
  {
    spec: { name: 'STOCH', params: { fastK: 5, slowK: 1, slowD: 4 } }, fn: 'STOCH', opts: { optInFastK_Period: 5, optInSlowK_Period: 1, optInSlowK_MAType: 0, optInSlowD_Period: 4, optInSlowD_MAType: 0 },
    outputs: { slowK: 'outSlowK', slowD: 'outSlowD' },
  },
  {
    spec: { name: 'STOCHRSI' }, fn: 'STOCHRSI', opts: { optInTimePeriod: 14, optInFastK_Period: 14, optInFastD_Period: 3, optInFastD_MAType: 0 },
    outputs: { fastK: 'outFastK', fastD: 'outFastD' },
  },
  {
    spec: { name: 'STOCHRSI', params: { period: 9, fastK: 5, fastD: 2 } }, fn: 'STOCHRSI', opts: { optInTimePeriod: 9, optInFastK_Period: 5, optInFastD_Period: 2, optInFastD_MAType: 0 },
    outputs: { fastK: 'outFastK', fastD: 'outFastD' },
  },
  { spec: { name: 'ADX' }, fn: 'ADX', opts: p(14), outputs: { adx: 'outReal' } },
  { spec: { name: 'ADX' }, fn: 'PLUS_DI', opts: p(14), outputs: { plusDI: 'outReal' } },
  { spec: { name: 'ADX' }, fn: 'MINUS_DI', opts: p(14), outputs: { minusDI: 'outReal' } },
  { spec: { name: 'ADX', params: { period: 5 } }, fn: 'ADX', opts: p(5), outputs: { adx: 'outReal' } },
  { spec: { name: 'ADX', params: { period: 5 } }, fn: 'PLUS_DI', opts: p(5), outputs: { plusDI: 'outReal' } },
  { spec: { name: 'ADX', params: { period: 5 } }, fn: 'MINUS_DI', opts: p(5), outputs: { minusDI: 'outReal' } },
  { spec: { name: 'CCI' }, fn: 'CCI', opts: p(20), outputs: { cci: 'outReal' } },
  { spec: { name: 'CCI', params: { period: 14 } }, fn: 'CCI', opts: p(14), outputs: { cci: 'outReal' } },
  { spec: { name: 'MFI' }, fn: 'MFI', opts: p(14), outputs: { mfi: 'outReal' } },
  { spec: { name: 'MFI', params: { period: 3 } }, fn: 'MFI', opts: p(3), outputs: { mfi: 'outReal' } },
  { spec: { name: 'OBV' }, fn: 'OBV', opts: {}, outputs: { obv: 'outReal' } },
  { spec: { name: 'WILLR' }, fn: 'WILLR', opts: p(14), outputs: { willr: 'outReal' } },
  { spec: { name: 'WILLR', params: { period: 3 } }, fn: 'WILLR', opts: p(3), outputs: { willr: 'outReal' } },
  { spec: { name: 'ROC' }, fn: 'ROC', opts: p(10), outputs: { roc: 'outReal' } },
  { spec: { name: 'ROC', params: { period: 1 } }, fn: 'ROC', opts: p(1), outputs: { roc: 'outReal' } },
  { spec: { name: 'SAR' }, fn: 'SAR', opts: { optInAcceleration: 0.02, optInMaximum: 0.2 }, outputs: { sar: 'outReal' } },
  { spec: { name: 'SAR', params: { acceleration: 0.05, maximum: 0.3 } }, fn: 'SAR', opts: { optInAcceleration: 0.05, optInMaximum: 0.3 }, outputs: { sar: 'outReal' } },
];
