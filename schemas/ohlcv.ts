import * as z from 'zod';
import { EpochMs, Exchange, Symbol, Timeframe } from './common.ts';

/** CryptoCompare `conversionType`: how a price was derived when the pair does not trade directly. */
export const ConversionType = z.enum(['direct', 'multiply', 'invert', 'invert_multiply', 'force_direct']);

/**
 * Quality flags travel with each candle end to end, so a consumer (or an agent) sees what the data is.
 * - `zero_volume_fill`: no trades in the period; OHLC repeats the previous close (CryptoCompare gap fill).
 * - `pre_listing_padding`: all-zero candle before the pair listed.
 * - `converted`: priced through another currency (conversion.type != direct).
 * - `gap_before`: one or more expected buckets are missing before this candle (see gapBeforeMs).
 * - `late_revision`: a closed candle revised after it was first published.
 * - `price_jump`: close moved more than the jump threshold against the previous close.
 * - `outlier`: a price far outside the recent range of the series.
 * - `duplicate`: an identical revision of a candle already seen.
 * - `out_of_order`: arrived after a newer candle of the same series.
 * - `inconsistent_forming`: a forming candle that violates OHLC invariants (CryptoCompare does this mid-period).
 */
export const QualityFlag = z.enum([
  'zero_volume_fill',
  'pre_listing_padding',
  'converted',
  'gap_before',
  'late_revision',
  'price_jump',
  'outlier',
  'duplicate',
  'out_of_order',
  'inconsistent_forming',
]);
export type QualityFlag = z.infer<typeof QualityFlag>;

/** Lifecycle of a candle: `forming` (period still open), `closed` (final as first published), `revised` (changed after close). */
export const CandleState = z.enum(['forming', 'closed', 'revised']);
export type CandleState = z.infer<typeof CandleState>;

export const CandleSource = z.enum(['cryptocompare', 'simulator']);
/** How the candle reached us; the seed's `metadata.source`. */
export const Transport = z.enum(['rest', 'websocket']);

/** Identity of a candle: one row per identity in every store. */
export const CandleIdentity = z.object({
  source: CandleSource,
  exchange: Exchange,
  symbol: Symbol,
  timeframe: Timeframe,
  timestamp: EpochMs.describe('Bucket start, epoch ms'),
});
export type CandleIdentity = z.infer<typeof CandleIdentity>;

const Price = z.number().finite().nonnegative();
const Volume = z.number().finite();

/** Fields the enrich function adds (absent on `ohlcv-raw`). */
export const Enrichment = z.object({
  vwap: z.number().nullable().describe('quoteVolume / volume; null when volume is 0'),
  returnPct: z.number().nullable().describe('close vs previous close, percent; null without a previous close'),
  rangePct: z.number().describe('(high - low) / open, percent (0 when open is 0)'),
  bodyPct: z.number().describe('(close - open) / open, percent (0 when open is 0)'),
  ingestLatencyMs: z.number().int().describe('receivedAt to enrichment time'),
  qualityScore: z.number().min(0).max(1),
  baseName: z.string().optional(),
  exchangeName: z.string().optional(),
});
export type Enrichment = z.infer<typeof Enrichment>;

/** How an indicator value was computed (algorithm variant, warm-up), so a consumer can judge parity and stability. */
export const IndicatorProvenance = z.object({
  method: z.string().describe("e.g. 'ta-lib:RSI (Wilder smoothing, SMA seed)'"),
  params: z.record(z.string(), z.number()),
  lookback: z.number().int().nonnegative().describe('Bars consumed before the first value'),
  consumed: z.number().int().nonnegative().describe('Bars seen so far'),
  stable: z.boolean().describe('Past the warm-up and the unstable period'),
  convention: z.enum(['ta-lib', 'published']),
  reference: z.string().optional(),
});

/** One indicator's outputs on a candle (the indicators function adds these); `provisional` on a forming candle. */
export const IndicatorValue = z.object({
  values: z.record(z.string(), z.number().nullable()).describe('Output name to value; null during warm-up'),
  provenance: IndicatorProvenance,
  provisional: z.boolean(),
});
export type IndicatorValue = z.infer<typeof IndicatorValue>;

/**
 * One OHLCV candle: the message on `ohlcv-raw` and `ohlcv-validated`.
 * Extends the seed's `ohlcvmessage` (symbol, exchange, timestamp, open..volume, metadata.source/quality).
 */
export const OhlcvMessage = CandleIdentity.extend({
  schemaVersion: z.literal(1),
  open: Price,
  high: Price,
  low: Price,
  close: Price,
  volume: Volume.describe('Base-currency volume (CryptoCompare volumefrom)'),
  quoteVolume: Volume.describe('Quote-currency volume (CryptoCompare volumeto)'),
  trades: z.number().int().nonnegative().nullable().describe('Trade count when the source reports it'),
  state: CandleState,
  revision: z.number().int().nonnegative().describe('0 on first publication; +1 per change of a known candle'),
  receivedAt: EpochMs.describe('When our ingestion received it'),
  transport: Transport,
  conversion: z.object({ type: ConversionType, symbol: z.string() }),
  quality: z.object({
    flags: z.array(QualityFlag),
    level: z.enum(['high', 'medium', 'low']),
    gapBeforeMs: z.number().int().nonnegative().optional().describe('Length of the missing span before this candle'),
  }),
  enrichment: Enrichment.optional(),
  indicators: z.record(z.string(), IndicatorValue).optional().describe('Configured indicators by id (added by the indicators function)'),
});
export type OhlcvMessage = z.infer<typeof OhlcvMessage>;

/** Stable string key of a candle identity: the Kafka record key on candle topics is `exchange:symbol` (per-series order); this is the row key. */
export function candleKey(c: CandleIdentity): string {
  return `${c.source}:${c.exchange}:${c.symbol}:${c.timeframe}:${c.timestamp}`;
}

/** Kafka record key for candle topics: all candles of one series land in one partition, in order. */
export function seriesKey(c: Pick<CandleIdentity, 'exchange' | 'symbol'>): string {
  return `${c.exchange}:${c.symbol}`;
}
