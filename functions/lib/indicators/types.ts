/** The indicator contract shared by functions/indicators, functions/alerts and functions/signals. */

export interface Bar { time: number; open: number; high: number; low: number; close: number; volume: number; quoteVolume?: number }

export interface Provenance {
  /** e.g. 'ta-lib:RSI (Wilder smoothing, SMA seed)' */
  method: string;
  params: Record<string, number>;
  /** bars consumed before the first value */
  lookback: number;
  /** bars seen so far */
  consumed: number;
  /** consumed > lookback + unstable period */
  stable: boolean;
  convention: 'ta-lib' | 'published';
  reference?: string;
}

export interface IndicatorResult { name: string; values: Record<string, number | null>; provenance: Provenance; provisional: boolean }

export interface StreamingIndicator {
  readonly name: string;
  /** A CLOSED bar: advances state, O(1). Returns null values during warm-up. */
  update(bar: Bar): IndicatorResult;
  /**
   * update() without the result object: advances state with a closed bar and writes the outputs in catalogue
   * order into `out` (NaN during warm-up), returning `out`. Allocation-free hot path for callers that keep
   * their own columns; the values are the ones update() would return.
   */
  updateValues(bar: Bar, out: Float64Array): Float64Array;
  /** A FORMING bar: provisional value as if it closed now, WITHOUT advancing state. */
  peek(bar: Bar): IndicatorResult;
  /** JSON-serialisable state; createIndicator(spec, state) restores it exactly (for external state stores). */
  snapshot(): unknown;
}

export const INDICATOR_NAMES = [
  'SMA', 'EMA', 'WMA', 'DEMA', 'TEMA', 'RSI', 'MACD', 'BBANDS', 'ATR', 'STOCH', 'STOCHRSI', 'ADX', 'CCI', 'MFI', 'OBV',
  'WILLR', 'ROC', 'KELTNER', 'DONCHIAN', 'SAR', 'ICHIMOKU', 'SUPERTREND', 'VWAP',
] as const;
export type IndicatorName = (typeof INDICATOR_NAMES)[number];

export interface IndicatorSpec { name: IndicatorName; params?: Record<string, number> }

/** One numeric parameter as the catalogue (and MCP tool schemas) describe it. */
export interface ParamInfo { name: string; default: number; min: number; max: number; integer: boolean; description: string }

/** Catalogue entry for one indicator. */
export interface IndicatorInfo {
  name: IndicatorName;
  description: string;
  params: ParamInfo[];
  outputs: string[];
  convention: 'ta-lib' | 'published';
  reference?: string;
}
