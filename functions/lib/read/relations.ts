import type { Timeframe } from '../../../schemas/common.ts';

/** Where a timeframe is stored: the raw table (filtered by timeframe) or a rollup of the 1m candles. Fixed identifiers only. */
export interface Relation {
  name: 'ohlcv' | 'ohlcv_5m' | 'ohlcv_15m' | 'ohlcv_1h' | 'ohlcv_4h' | 'ohlcv_1d';
  rollup: boolean;
}

export const RAW: Relation = { name: 'ohlcv', rollup: false };

/** Rollups of the 1m candles (TimescaleDB continuous aggregates, ClickHouse views over FINAL) by their width. */
export const ROLLUPS: ReadonlyArray<{ timeframe: Timeframe; relation: Relation }> = [
  { timeframe: '5m', relation: { name: 'ohlcv_5m', rollup: true } },
  { timeframe: '15m', relation: { name: 'ohlcv_15m', rollup: true } },
  { timeframe: '1h', relation: { name: 'ohlcv_1h', rollup: true } },
  { timeframe: '4h', relation: { name: 'ohlcv_4h', rollup: true } },
  { timeframe: '1d', relation: { name: 'ohlcv_1d', rollup: true } },
];

export function rollupOf(timeframe: Timeframe): Relation | undefined {
  return ROLLUPS.find((r) => r.timeframe === timeframe)?.relation;
}
