import { EXCHANGE_PATTERN, SYMBOL_PATTERN, TIMEFRAMES } from '../common.ts';
import { CandleSource, CandleState, ConversionType, IndicatorProvenance, IndicatorValue, OhlcvMessage, QualityFlag, Transport } from '../ohlcv.ts';
import { checkWithZod, type CheckResult } from './result.ts';

/**
 * The fast path of the OhlcvMessage contract. zod costs several times a JSON parse per candle, which dominated the
 * storage writer, the batch functions and CryptoCompare normalisation; this hand-written predicate accepts exactly
 * what zod accepts (test/schemas/ohlcv-fast.test.ts proves it on thousands of generated inputs) and answers `false`
 * whenever it is not sure (unknown keys, a `__proto__` key in a record): then zod decides and reports its own issues, so error
 * messages are zod's, word for word. The enum sets are read from the zod schema, so they cannot drift from it.
 */

const TIMEFRAME_SET: ReadonlySet<string> = new Set(TIMEFRAMES);
const SOURCES: ReadonlySet<string> = new Set(CandleSource.options);
const STATES: ReadonlySet<string> = new Set(CandleState.options);
const TRANSPORTS: ReadonlySet<string> = new Set(Transport.options);
const CONVERSIONS: ReadonlySet<string> = new Set(ConversionType.options);
const FLAGS: ReadonlySet<string> = new Set(QualityFlag.options);
const LEVELS: ReadonlySet<string> = new Set(OhlcvMessage.shape.quality.shape.level.options);
const KNOWN_KEYS: ReadonlySet<string> = new Set(Object.keys(OhlcvMessage.shape));
const CONVERSION_KEYS: ReadonlySet<string> = new Set(Object.keys(OhlcvMessage.shape.conversion.shape));
const QUALITY_KEYS: ReadonlySet<string> = new Set(Object.keys(OhlcvMessage.shape.quality.shape));
const ENRICHMENT_KEYS: ReadonlySet<string> = new Set(Object.keys(OhlcvMessage.shape.enrichment.unwrap().shape));
const INDICATOR_KEYS: ReadonlySet<string> = new Set(Object.keys(IndicatorValue.shape));
const PROVENANCE_KEYS: ReadonlySet<string> = new Set(Object.keys(IndicatorProvenance.shape));
const CONVENTIONS: ReadonlySet<string> = new Set(IndicatorProvenance.shape.convention.options);

type Fields = Record<string, unknown>;

function isPlainObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own keys only, all of them known: zod strips unknown keys, and the fast path hands back the input as is. */
function hasOnlyKeys(v: Fields, known: ReadonlySet<string>): boolean {
  for (const k in v) if (!Object.hasOwn(v, k) || !known.has(k)) return false;
  return true;
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isPrice = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isMember = (set: ReadonlySet<string>, v: unknown): boolean => typeof v === 'string' && set.has(v);

/** A record (own keys only) whose every value passes `isValue`; a `__proto__` key is left to zod. */
function isRecordOf(v: unknown, isValue: (x: unknown) => boolean): boolean {
  if (!isPlainObject(v)) return false;
  for (const k in v) if (!Object.hasOwn(v, k) || k === '__proto__' || !isValue(v[k])) return false;
  return true;
}

function isProvenance(p: unknown): boolean {
  if (!isPlainObject(p) || !hasOnlyKeys(p, PROVENANCE_KEYS)) return false;
  return typeof p.method === 'string' && isRecordOf(p.params, isFiniteNumber) && isCount(p.lookback) && isCount(p.consumed)
    && typeof p.stable === 'boolean' && isMember(CONVENTIONS, p.convention) && (p.reference === undefined || typeof p.reference === 'string');
}

function isIndicatorValue(v: unknown): boolean {
  if (!isPlainObject(v) || !hasOnlyKeys(v, INDICATOR_KEYS)) return false;
  return isRecordOf(v.values, (x) => x === null || isFiniteNumber(x)) && isProvenance(v.provenance) && typeof v.provisional === 'boolean';
}

function isEnrichment(e: unknown): boolean {
  if (!isPlainObject(e) || !hasOnlyKeys(e, ENRICHMENT_KEYS)) return false;
  return (e.vwap === null || isFiniteNumber(e.vwap)) && (e.returnPct === null || isFiniteNumber(e.returnPct))
    && isFiniteNumber(e.rangePct) && isFiniteNumber(e.bodyPct)
    && typeof e.ingestLatencyMs === 'number' && Number.isSafeInteger(e.ingestLatencyMs)
    && isFiniteNumber(e.qualityScore) && e.qualityScore >= 0 && e.qualityScore <= 1
    && (e.baseName === undefined || typeof e.baseName === 'string') && (e.exchangeName === undefined || typeof e.exchangeName === 'string');
}

/** True only when zod's OhlcvMessage accepts `m` and would return an equal value; false means "ask zod". */
export function isOhlcvMessageFast(m: unknown): m is OhlcvMessage {
  if (!isPlainObject(m) || !hasOnlyKeys(m, KNOWN_KEYS)) return false;
  const { conversion, quality } = m;
  if (!isPlainObject(conversion) || !hasOnlyKeys(conversion, CONVERSION_KEYS)) return false;
  if (!isPlainObject(quality) || !hasOnlyKeys(quality, QUALITY_KEYS)) return false;
  if (!isMember(SOURCES, m.source) || !(typeof m.exchange === 'string' && EXCHANGE_PATTERN.test(m.exchange))) return false;
  if (!(typeof m.symbol === 'string' && SYMBOL_PATTERN.test(m.symbol)) || !isMember(TIMEFRAME_SET, m.timeframe)) return false;
  if (!isCount(m.timestamp) || !isCount(m.receivedAt) || m.schemaVersion !== 1) return false;
  if (!isPrice(m.open) || !isPrice(m.high) || !isPrice(m.low) || !isPrice(m.close)) return false;
  if (!isFiniteNumber(m.volume) || !isFiniteNumber(m.quoteVolume) || !(m.trades === null || isCount(m.trades))) return false;
  if (!isMember(STATES, m.state) || !isCount(m.revision) || !isMember(TRANSPORTS, m.transport)) return false;
  if (!isMember(CONVERSIONS, conversion.type) || typeof conversion.symbol !== 'string') return false;
  const flags = quality.flags;
  if (!Array.isArray(flags)) return false;
  for (const f of flags) if (!isMember(FLAGS, f)) return false;
  if (!isMember(LEVELS, quality.level) || !(quality.gapBeforeMs === undefined || isCount(quality.gapBeforeMs))) return false;
  if (m.indicators !== undefined && !isRecordOf(m.indicators, isIndicatorValue)) return false;
  return m.enrichment === undefined || isEnrichment(m.enrichment);
}

/**
 * `OhlcvMessage.safeParse` with a fast path: a valid message is returned as given (no copy); anything else goes
 * through zod, so the value or the issues are exactly zod's.
 */
export function checkOhlcvMessage(value: unknown): CheckResult<OhlcvMessage> {
  return isOhlcvMessageFast(value) ? { ok: true, value } : checkWithZod(OhlcvMessage, value);
}
