import { OhlcvMessage } from '../../../schemas/ohlcv.ts';
import { SYMBOL_PATTERN, TIMEFRAMES } from '../../../schemas/common.ts';
import { malformed } from './errors.ts';

/**
 * A hand-written check equivalent to `OhlcvMessage.safeParse(x).success` for messages without `enrichment`
 * (test/cryptocompare-rest/validate.test.ts proves the equivalence). zod costs several times the JSON parse on a
 * 2,000-candle page; this keeps normalisation within a small factor of it. Anything unusual falls back to zod.
 */

const EXCHANGE_PATTERN = /^[a-z0-9_.-]{2,30}$/;
const TIMEFRAME_SET: ReadonlySet<string> = new Set(TIMEFRAMES);
const SOURCES: ReadonlySet<string> = new Set(['cryptocompare', 'simulator']);
const STATES: ReadonlySet<string> = new Set(['forming', 'closed', 'revised']);
const TRANSPORTS: ReadonlySet<string> = new Set(['rest', 'websocket']);
const CONVERSIONS: ReadonlySet<string> = new Set(['direct', 'multiply', 'invert', 'invert_multiply', 'force_direct']);
const FLAGS: ReadonlySet<string> = new Set(['zero_volume_fill', 'pre_listing_padding', 'converted', 'gap_before', 'late_revision', 'price_jump', 'outlier', 'duplicate', 'out_of_order', 'inconsistent_forming']);
const LEVELS: ReadonlySet<string> = new Set(['high', 'medium', 'low']);
const KNOWN_KEYS: ReadonlySet<string> = new Set(['source', 'exchange', 'symbol', 'timeframe', 'timestamp', 'schemaVersion', 'open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'trades', 'state', 'revision', 'receivedAt', 'transport', 'conversion', 'quality']);

function isEpochMs(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isPrice(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when zod's OhlcvMessage would accept `m`; `null` when the fast path cannot decide (use zod). */
export function fastOhlcvCheck(m: unknown): boolean | null {
  if (!isPlainObject(m)) return false;
  for (const k in m) if (!KNOWN_KEYS.has(k)) return null;
  const conversion = m.conversion;
  const quality = m.quality;
  if (!isPlainObject(conversion) || !isPlainObject(quality)) return false;
  if (!(typeof m.source === 'string' && SOURCES.has(m.source))) return false;
  if (!(typeof m.exchange === 'string' && EXCHANGE_PATTERN.test(m.exchange))) return false;
  if (!(typeof m.symbol === 'string' && SYMBOL_PATTERN.test(m.symbol))) return false;
  if (!(typeof m.timeframe === 'string' && TIMEFRAME_SET.has(m.timeframe))) return false;
  if (!isEpochMs(m.timestamp) || !isEpochMs(m.receivedAt)) return false;
  if (m.schemaVersion !== 1) return false;
  if (!isPrice(m.open) || !isPrice(m.high) || !isPrice(m.low) || !isPrice(m.close)) return false;
  if (!(typeof m.volume === 'number' && Number.isFinite(m.volume)) || !(typeof m.quoteVolume === 'number' && Number.isFinite(m.quoteVolume))) return false;
  if (!(m.trades === null || (typeof m.trades === 'number' && Number.isSafeInteger(m.trades) && m.trades >= 0))) return false;
  if (!(typeof m.state === 'string' && STATES.has(m.state))) return false;
  if (!(typeof m.revision === 'number' && Number.isSafeInteger(m.revision) && m.revision >= 0)) return false;
  if (!(typeof m.transport === 'string' && TRANSPORTS.has(m.transport))) return false;
  if (!(typeof conversion.type === 'string' && CONVERSIONS.has(conversion.type)) || typeof conversion.symbol !== 'string') return false;
  const flags = quality.flags;
  if (!Array.isArray(flags)) return false;
  for (const f of flags) if (!(typeof f === 'string' && FLAGS.has(f))) return false;
  if (!(typeof quality.level === 'string' && LEVELS.has(quality.level))) return false;
  const gap = quality.gapBeforeMs;
  if (gap !== undefined && !(typeof gap === 'number' && Number.isSafeInteger(gap) && gap >= 0)) return false;
  return true;
}

/** Returns `m` typed as an OhlcvMessage, or throws CC_MALFORMED naming the first problem zod finds. */
export function assertOhlcv(m: unknown, endpoint: string): OhlcvMessage {
  const fast = fastOhlcvCheck(m);
  if (fast === true) return m as OhlcvMessage;
  const parsed = OhlcvMessage.safeParse(m);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw malformed(endpoint, `candle fails the OhlcvMessage schema at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
}
