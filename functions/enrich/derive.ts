import { splitSymbol } from '../../schemas/common.ts';
import type { Enrichment, OhlcvMessage } from '../../schemas/ohlcv.ts';
import { qualityScore } from '../validate/quality.ts';

/** Display names injected by the deployment (from the market-metadata topic or a static file). */
export interface MarketNames {
  /** e.g. { BTC: 'Bitcoin' } */
  bases?: Record<string, string>;
  /** e.g. { coinbase: 'Coinbase', cccagg: 'CryptoCompare Aggregate' } */
  exchanges?: Record<string, string>;
}

function percentOf(part: number, whole: number): number {
  return whole === 0 ? 0 : (part / whole) * 100;
}

/** The Enrichment fields of a candle, given the previous close of its series (null when unknown) and the time now. */
export function deriveEnrichment(c: OhlcvMessage, previousClose: number | null, now: number, names: MarketNames): Enrichment {
  const enrichment: Enrichment = {
    vwap: c.volume === 0 ? null : c.quoteVolume / c.volume,
    returnPct: previousClose === null || previousClose === 0 ? null : percentOf(c.close - previousClose, previousClose),
    rangePct: percentOf(c.high - c.low, c.open),
    bodyPct: percentOf(c.close - c.open, c.open),
    ingestLatencyMs: Math.max(0, Math.round(now - c.receivedAt)),
    qualityScore: qualityScore(c.quality.flags),
  };
  const baseName = names.bases?.[splitSymbol(c.symbol).base];
  if (baseName !== undefined) enrichment.baseName = baseName;
  const exchangeName = names.exchanges?.[c.exchange];
  if (exchangeName !== undefined) enrichment.exchangeName = exchangeName;
  return enrichment;
}
