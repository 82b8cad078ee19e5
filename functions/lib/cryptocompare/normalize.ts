import type { Timeframe } from '../../../schemas/common.ts';
import { checkOhlcvMessage } from '../../../schemas/fast/ohlcv.ts';
import type { OhlcvMessage, QualityFlag } from '../../../schemas/ohlcv.ts';
import { malformed } from './errors.ts';

/** CryptoCompare histo (v1 + v2) and Data API candles → OhlcvMessage (ms timestamps, BTC-USD, lower-case exchange). */

export type ConversionType = OhlcvMessage['conversion']['type'];
const CONVERSION_TYPES: ReadonlySet<string> = new Set(['direct', 'multiply', 'invert', 'invert_multiply', 'force_direct']);

/** One min-api histo candle as sent (seconds, volumefrom/volumeto, optional per-candle conversion). */
export interface HistoEntry {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volumefrom: number;
  volumeto: number;
  conversionType?: string;
  conversionSymbol?: string;
}

export interface HistoPage {
  entries: HistoEntry[];
  timeFrom: number | null;
  timeTo: number | null;
  /** The envelope-level conversion (v1 `ConversionType`); per-candle fields win when present. */
  conversion: { type: string; symbol: string } | null;
}

export interface NormalizeContext {
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
  receivedAt: number;
  source?: OhlcvMessage['source'];
  /** Name used in error messages. */
  endpoint?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(entry: Record<string, unknown>, field: string, endpoint: string): number {
  const v = entry[field];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw malformed(endpoint, `field ${field} is ${JSON.stringify(v) ?? 'missing'}, expected a number`);
}

/** Reads a v1 (`Data:[…]`) or v2 (`Data:{Data:[…]}`) histo success body. */
export function parseHistoBody(body: unknown, endpoint = 'histo'): HistoPage {
  if (!isObject(body)) throw malformed(endpoint, 'body is not a JSON object');
  const outer = body.Data;
  const v2 = isObject(outer);
  const holder: Record<string, unknown> = v2 ? outer : body;
  const list = holder.Data;
  if (!Array.isArray(list)) throw malformed(endpoint, 'no Data array in the histo envelope');
  const entries: HistoEntry[] = [];
  for (const raw of list) {
    if (!isObject(raw)) throw malformed(endpoint, 'a candle is not an object');
    const e: HistoEntry = {
      time: num(raw, 'time', endpoint), open: num(raw, 'open', endpoint), high: num(raw, 'high', endpoint), low: num(raw, 'low', endpoint),
      close: num(raw, 'close', endpoint), volumefrom: num(raw, 'volumefrom', endpoint), volumeto: num(raw, 'volumeto', endpoint),
    };
    if (typeof raw.conversionType === 'string') e.conversionType = raw.conversionType;
    if (typeof raw.conversionSymbol === 'string') e.conversionSymbol = raw.conversionSymbol;
    entries.push(e);
  }
  const ct = body.ConversionType;
  const conversion = isObject(ct) && typeof ct.type === 'string' ? { type: ct.type, symbol: typeof ct.conversionSymbol === 'string' ? ct.conversionSymbol : '' } : null;
  const timeFrom = typeof holder.TimeFrom === 'number' ? holder.TimeFrom : null;
  const timeTo = typeof holder.TimeTo === 'number' ? holder.TimeTo : null;
  return { entries, timeFrom, timeTo, conversion };
}

function conversionOf(type: string | undefined, symbol: string | undefined, endpoint: string): { type: ConversionType; symbol: string } {
  const t = type === undefined || type === '' ? 'direct' : type;
  if (!CONVERSION_TYPES.has(t)) throw malformed(endpoint, `unknown conversionType "${t.slice(0, 40)}"`);
  return { type: t as ConversionType, symbol: symbol ?? '' };
}

interface CandleValues {
  timestamp: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: number;
  trades: number | null;
  conversion: { type: ConversionType; symbol: string };
  forming: boolean;
}

/** Builds the message and its quality flags; the flags describe what the source did, not what we think of it. */
function toMessage(v: CandleValues, ctx: NormalizeContext): OhlcvMessage {
  const flags: QualityFlag[] = [];
  let level: 'high' | 'medium' | 'low' = 'high';
  if (v.open === 0 && v.high === 0 && v.low === 0 && v.close === 0) {
    flags.push('pre_listing_padding');
    level = 'low';
  } else if (v.volume === 0 && v.quoteVolume === 0 && !v.forming) {
    flags.push('zero_volume_fill');
    level = 'medium';
  }
  if (v.conversion.type !== 'direct') {
    flags.push('converted');
    if (level === 'high') level = 'medium';
  }
  if (v.forming && (v.low > Math.min(v.open, v.close) || v.high < Math.max(v.open, v.close))) {
    flags.push('inconsistent_forming');
    if (level === 'high') level = 'medium';
  }
  const message: OhlcvMessage = {
    source: ctx.source ?? 'cryptocompare',
    exchange: ctx.exchange,
    symbol: ctx.symbol,
    timeframe: ctx.timeframe,
    timestamp: v.timestamp,
    schemaVersion: 1,
    open: v.open,
    high: v.high,
    low: v.low,
    close: v.close,
    volume: v.volume,
    quoteVolume: v.quoteVolume,
    trades: v.trades,
    state: v.forming ? 'forming' : 'closed',
    revision: 0,
    receivedAt: ctx.receivedAt,
    transport: 'rest',
    conversion: v.conversion,
    quality: { flags, level },
  };
  return assertOhlcv(message, ctx.endpoint ?? 'histo');
}

/**
 * Normalises a parsed histo page. `newestIsForming`: the request asked for the latest candles (no toTs), so the
 * last of the limit+1 candles is the still-open period.
 */
export function normalizeHistoPage(page: HistoPage, ctx: NormalizeContext, newestIsForming: boolean): OhlcvMessage[] {
  const endpoint = ctx.endpoint ?? 'histo';
  const out: OhlcvMessage[] = new Array(page.entries.length);
  const last = page.entries.length - 1;
  for (let i = 0; i <= last; i++) {
    const e = page.entries[i]!;
    out[i] = toMessage({
      timestamp: Math.round(e.time * 1000),
      open: e.open, high: e.high, low: e.low, close: e.close,
      volume: e.volumefrom, quoteVolume: e.volumeto, trades: null,
      conversion: conversionOf(e.conversionType ?? page.conversion?.type, e.conversionSymbol ?? page.conversion?.symbol, endpoint),
      forming: newestIsForming && i === last,
    }, ctx);
  }
  return out;
}

/** parse + normalise a histo body (v1 or v2) in one go. */
export function normalizeHistoBody(body: unknown, ctx: NormalizeContext, newestIsForming: boolean): OhlcvMessage[] {
  return normalizeHistoPage(parseHistoBody(body, ctx.endpoint), ctx, newestIsForming);
}

/** A Data API historical entry (spot or index): TIMESTAMP in seconds, VOLUME base, QUOTE_VOLUME quote. */
export interface DataApiEntry {
  TIMESTAMP: number;
  OPEN: number;
  HIGH: number;
  LOW: number;
  CLOSE: number;
  VOLUME: number;
  QUOTE_VOLUME: number;
  TOTAL_TRADES?: number;
}

export function parseDataApiBody(body: unknown, endpoint = 'data-api historical'): DataApiEntry[] {
  if (!isObject(body) || !Array.isArray(body.Data)) throw malformed(endpoint, 'expected {Data:[…],Err:{}}');
  return body.Data.map((raw: unknown) => {
    if (!isObject(raw)) throw malformed(endpoint, 'an entry is not an object');
    const e: DataApiEntry = {
      TIMESTAMP: num(raw, 'TIMESTAMP', endpoint), OPEN: num(raw, 'OPEN', endpoint), HIGH: num(raw, 'HIGH', endpoint), LOW: num(raw, 'LOW', endpoint),
      CLOSE: num(raw, 'CLOSE', endpoint), VOLUME: num(raw, 'VOLUME', endpoint), QUOTE_VOLUME: num(raw, 'QUOTE_VOLUME', endpoint),
    };
    if (typeof raw.TOTAL_TRADES === 'number') e.TOTAL_TRADES = raw.TOTAL_TRADES;
    return e;
  });
}

/**
 * Data API entries → messages. The Data API has no conversion (spot is the exchange's own pair; index is computed).
 * `newestIsForming`: the request omitted to_ts, so the newest entry is the still-open period.
 */
export function normalizeDataApiEntries(entries: readonly DataApiEntry[], ctx: NormalizeContext, newestIsForming: boolean): OhlcvMessage[] {
  const last = entries.length - 1;
  return entries.map((e, i) => toMessage({
    timestamp: Math.round(e.TIMESTAMP * 1000),
    open: e.OPEN, high: e.HIGH, low: e.LOW, close: e.CLOSE,
    volume: e.VOLUME, quoteVolume: e.QUOTE_VOLUME,
    trades: e.TOTAL_TRADES === undefined ? null : Math.max(0, Math.round(e.TOTAL_TRADES)),
    conversion: { type: 'direct', symbol: '' },
    forming: newestIsForming && i === last,
  }, { ...ctx, endpoint: ctx.endpoint ?? 'data-api historical' }));
}

/** Returns `m` typed as an OhlcvMessage, or throws CC_MALFORMED naming the first problem zod finds. */
export function assertOhlcv(m: unknown, endpoint: string): OhlcvMessage {
  const checked = checkOhlcvMessage(m);
  if (checked.ok) return checked.value;
  const issue = checked.issues[0];
  throw malformed(endpoint, `candle fails the OhlcvMessage schema at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
}
