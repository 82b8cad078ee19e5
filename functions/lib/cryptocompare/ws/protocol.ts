import type { Timeframe } from '../../../../schemas/common.ts';

/**
 * CryptoCompare streamer v2 wire vocabulary, shared by the client and the simulator.
 * Subscriptions are `TYPE~MARKET~BASE~QUOTE[~UNIT]`; every frame carries `TYPE` as a JSON string.
 */

export type CandleUnit = 'm' | 'H' | 'D';

export const UNIT_TIMEFRAME: Readonly<Record<CandleUnit, Timeframe>> = { m: '1m', H: '1h', D: '1d' };

/** How far back (in buckets) CryptoCompare normally revises a candle: 30 min, 24 h, 7 d. */
export const REVISION_WINDOW_BUCKETS: Readonly<Record<CandleUnit, number>> = { m: 30, H: 24, D: 7 };

/** Channels this client and the simulator speak: trades, exchange ticker, CCCAGG index, OHLC candles. */
export type ChannelType = '0' | '2' | '5' | '24';

export interface Subscription {
  /** The subscription string exactly as sent. */
  sub: string;
  type: ChannelType;
  market: string;
  base: string;
  quote: string;
  unit: CandleUnit | undefined;
}

const SUB_PATTERN = /^(0|2|5|24)~([A-Za-z0-9_.-]{2,30})~([A-Za-z0-9]{1,20})~([A-Za-z0-9]{1,20})(?:~([mHD]))?$/;

/** Parses a subscription string; null when it is not one of the channels above or the candle unit is missing/extra. */
export function parseSubscription(sub: string): Subscription | null {
  const m = SUB_PATTERN.exec(sub);
  if (m === null) return null;
  const type = m[1] as ChannelType;
  const unit = m[5] as CandleUnit | undefined;
  if ((type === '24') !== (unit !== undefined)) return null;
  return { sub, type, market: m[2] as string, base: m[3] as string, quote: m[4] as string, unit };
}

/** CryptoCompare's spelling of a market id: `cccagg` -> `CCCAGG`, `coinbase` -> `Coinbase`. */
export function marketName(exchange: string): string {
  const id = exchange.trim();
  if (id.toLowerCase() === 'cccagg') return 'CCCAGG';
  return id.charAt(0).toUpperCase() + id.slice(1).toLowerCase();
}

export function candleSubscription(exchange: string, symbol: string, unit: CandleUnit): string {
  const [base, quote] = symbol.split('-');
  return `24~${marketName(exchange)}~${base}~${quote}~${unit}`;
}

/** Numeric fields arrive as numbers or numeric strings (TS, FLAGS, TOTALTRADES): accept both. */
export function numberField(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function stringField(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** TYPE 2/5 FLAGS bits for PRICE (the only ones a consumer needs to colour a price). */
export const FLAG_PRICE_UP = 0x1;
export const FLAG_PRICE_DOWN = 0x2;
export const FLAG_PRICE_UNCHANGED = 0x4;

/** Control-frame MESSAGE values of TYPE 429. */
export const TOO_MANY_SOCKETS = /^TOO_MANY_SOCKETS_MAX_(\d+)_PER_CLIENT$/;
export const TOO_MANY_SUBSCRIPTIONS = /^TOO_MANY_SUBSCRIPTIONS_MAX_(\d+)_PER_SOCKET$/;
export const OPENING_TOO_FAST = 'RATE_LIMIT_OPENING_SOCKETS_TOO_FAST';
