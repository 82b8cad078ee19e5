import * as z from 'zod';
import { AppError } from '../functions/lib/errors.ts';

/**
 * Conventions shared by every message:
 * - symbols are `BASE-QUOTE`, upper case (`BTC-USD`), everywhere;
 * - exchanges are lower case CryptoCompare market ids (`cccagg`, `coinbase`);
 * - every timestamp is integer epoch **milliseconds** (UTC); candle timestamps are bucket starts.
 */
export const SYMBOL_PATTERN = /^[A-Z0-9]{1,20}-[A-Z0-9]{1,20}$/;
export const EXCHANGE_PATTERN = /^[a-z0-9_.-]{2,30}$/;

export const Symbol = z.string().regex(SYMBOL_PATTERN, 'symbol must be BASE-QUOTE in upper case, e.g. BTC-USD').describe('Pair as BASE-QUOTE, e.g. BTC-USD');
export const Exchange = z.string().regex(EXCHANGE_PATTERN, 'exchange must be a lower-case market id, e.g. cccagg or coinbase').describe('Lower-case market id; cccagg is the CryptoCompare aggregate index');
export const EpochMs = z.number().int().nonnegative().describe('Unix epoch milliseconds (UTC)');

export const TIMEFRAMES = ['1m', '5m', '15m', '30m', '1h', '4h', '1d'] as const;
export const Timeframe = z.enum(TIMEFRAMES).describe('Candle period');
export type Timeframe = z.infer<typeof Timeframe>;

export const TIMEFRAME_MS: Readonly<Record<Timeframe, number>> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

/** Start of the bucket of `timeframe` that contains `ms`. Buckets are aligned to the Unix epoch (days at 00:00 UTC). */
export function bucketStart(ms: number, timeframe: Timeframe): number {
  const step = TIMEFRAME_MS[timeframe];
  return Math.floor(ms / step) * step;
}

/**
 * Normalises `btc/usd`, `BTC_USD`, `btc-usd`, `BTC~USD` or a `{base, quote}` pair to `BTC-USD`.
 * Throws `AppError('INVALID_SYMBOL')` with the offending input when it cannot.
 */
export function normalizeSymbol(input: string | { base: string; quote: string }): string {
  const raw = typeof input === 'string' ? input : `${input.base}-${input.quote}`;
  const candidate = raw.trim().toUpperCase().replace(/[/_~:]/g, '-');
  if (!SYMBOL_PATTERN.test(candidate)) {
    throw new AppError('INVALID_SYMBOL', `"${raw.slice(0, 60)}" is not a symbol: use BASE-QUOTE such as BTC-USD`, { status: 400 });
  }
  return candidate;
}

export function splitSymbol(symbol: string): { base: string; quote: string } {
  const [base, quote] = normalizeSymbol(symbol).split('-') as [string, string];
  return { base, quote };
}

/** Lower-cases a CryptoCompare market name (`CCCAGG`, `Coinbase`) into our exchange id. */
export function normalizeExchange(market: string): string {
  const id = market.trim().toLowerCase();
  const parsed = Exchange.safeParse(id);
  if (!parsed.success) throw new AppError('INVALID_EXCHANGE', `"${market.slice(0, 40)}" is not an exchange id`, { status: 400 });
  return parsed.data;
}

/** Converts Unix seconds (CryptoCompare's unit) to our epoch milliseconds. */
export function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1000);
}
