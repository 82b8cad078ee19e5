import { describe, expect, it } from 'vitest';
import { checkFor, checkOhlcvMessage, checkWithZod, isOhlcvMessageFast } from '../../schemas/fast/index.ts';
import { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { MarketMetadataMessage } from '../../schemas/market-metadata.ts';

/**
 * The fast path must accept exactly what zod accepts. It may answer `false` ("ask zod") only where it declines to judge
 * (unknown keys, a `__proto__` record key); everywhere else its verdict equals zod's, and checkOhlcvMessage returns zod's value or
 * zod's issues. Inputs are generated from per-field valid and invalid edge cases with a seeded PRNG (reproducible).
 */

type Gen = Record<string, { valid: unknown[]; invalid: unknown[] }>;

const WRONG_TYPES: unknown[] = [undefined, null, '', 'x', true, [], {}, Number.NaN];
const COUNT = { valid: [0, -0, 1, 60_000, 1_767_268_800_000, Number.MAX_SAFE_INTEGER], invalid: [-1, 0.5, 1.5, 2 ** 53, Number.POSITIVE_INFINITY, '1', ...WRONG_TYPES] };
const PRICE = { valid: [0, -0, 1e-12, 1, 30_000.5, Number.MAX_VALUE], invalid: [-1e-12, -1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '1', ...WRONG_TYPES] };
const VOLUME = { valid: [0, -5, 1e-9, 10, 1e300], invalid: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '10', ...WRONG_TYPES] };
const ANY_NUMBER = { valid: [0, -3.5, 2.25, 1e12], invalid: [Number.POSITIVE_INFINITY, '1', undefined, true, Number.NaN] };

const TOP: Gen = {
  source: { valid: ['cryptocompare', 'simulator'], invalid: ['CryptoCompare', 'binance', 'simulator ', 1, ...WRONG_TYPES] },
  exchange: { valid: ['cccagg', 'coinbase', 'ab', 'a'.repeat(30), 'x_y.z-0', '00'], invalid: ['a', 'a'.repeat(31), 'CCCAGG', 'Coinbase', 'coin base', 'coin/base', 'cccagg\n', 7, ...WRONG_TYPES] },
  symbol: { valid: ['BTC-USD', 'A-B', '1INCH-USDT', `${'A'.repeat(20)}-${'B'.repeat(20)}`], invalid: ['btc-usd', 'BTCUSD', 'BTC_USD', 'BTC-', '-USD', `${'A'.repeat(21)}-B`, 'BTC-USD-EUR', 'BTC-USD\n', ...WRONG_TYPES] },
  timeframe: { valid: ['1m', '5m', '15m', '30m', '1h', '4h', '1d'], invalid: ['2m', '1M', '1w', '60', 1, ...WRONG_TYPES] },
  timestamp: COUNT,
  schemaVersion: { valid: [1], invalid: [0, 2, 1.5, '1', ...WRONG_TYPES] },
  open: PRICE, high: PRICE, low: PRICE, close: PRICE,
  volume: VOLUME, quoteVolume: VOLUME,
  trades: { valid: [null, ...COUNT.valid], invalid: COUNT.invalid.filter((v) => v !== null) },
  state: { valid: ['forming', 'closed', 'revised'], invalid: ['open', 'Closed', 1, ...WRONG_TYPES] },
  revision: COUNT,
  receivedAt: COUNT,
  transport: { valid: ['rest', 'websocket'], invalid: ['ws', 'REST', 0, ...WRONG_TYPES] },
};
const CONVERSION: Gen = {
  type: { valid: ['direct', 'multiply', 'invert', 'invert_multiply', 'force_direct'], invalid: ['nope', 'Direct', 1, ...WRONG_TYPES] },
  symbol: { valid: ['', 'USD', 'BTC'], invalid: [1, null, undefined, [], {}] },
};
const QUALITY: Gen = {
  flags: { valid: [[], ['converted'], ['gap_before', 'duplicate'], ['zero_volume_fill', 'pre_listing_padding', 'late_revision', 'price_jump', 'outlier', 'out_of_order', 'inconsistent_forming'], ['outlier', 'outlier']], invalid: [['bogus'], ['converted', 'bogus'], [1], [null], 'converted', null, undefined, {}] },
  level: { valid: ['high', 'medium', 'low'], invalid: ['top', 'HIGH', 1, ...WRONG_TYPES] },
  gapBeforeMs: { valid: [undefined, ...COUNT.valid], invalid: COUNT.invalid.filter((v) => v !== undefined) },
};
const ENRICHMENT: Gen = {
  vwap: { valid: [null, ...ANY_NUMBER.valid], invalid: ANY_NUMBER.invalid },
  returnPct: { valid: [null, ...ANY_NUMBER.valid], invalid: ANY_NUMBER.invalid },
  rangePct: ANY_NUMBER,
  bodyPct: ANY_NUMBER,
  ingestLatencyMs: { valid: [0, -250, 1_000, Number.MAX_SAFE_INTEGER], invalid: [0.5, 2 ** 53, Number.NEGATIVE_INFINITY, '5', ...WRONG_TYPES] },
  qualityScore: { valid: [0, 0.5, 1], invalid: [-0.01, 1.01, Number.POSITIVE_INFINITY, '1', ...WRONG_TYPES] },
  baseName: { valid: [undefined, '', 'Bitcoin'], invalid: [1, null, []] },
  exchangeName: { valid: [undefined, 'Coinbase'], invalid: [1, null, {}] },
};
const PROVENANCE = { method: 'ta-lib:RSI', params: { period: 14 }, lookback: 14, consumed: 20, stable: true, convention: 'ta-lib' };
const INDICATOR = { values: { rsi: 50 }, provenance: PROVENANCE, provisional: false };
/** `indicators` maps, valid and not, one defect at a time at every level of the record. */
const INDICATORS: unknown[] = [
  {}, { rsi14: INDICATOR }, { MACD: { values: { macd: 1.5, signal: null, hist: -0.25 }, provenance: { ...PROVENANCE, convention: 'published', reference: 'Appel' }, provisional: true }, RSI: INDICATOR },
  { rsi14: { ...INDICATOR, values: {} } }, { rsi14: { ...INDICATOR, provenance: { ...PROVENANCE, params: {}, reference: undefined } } },
  { rsi14: { values: {} } }, { rsi14: { ...INDICATOR, values: { rsi: Number.NaN } } }, { rsi14: { ...INDICATOR, values: { rsi: Number.POSITIVE_INFINITY } } },
  { rsi14: { ...INDICATOR, values: { rsi: '50' } } }, { rsi14: { ...INDICATOR, values: [] } }, { rsi14: { ...INDICATOR, values: null } },
  { rsi14: { ...INDICATOR, provisional: 'no' } }, { rsi14: { ...INDICATOR, provisional: undefined } }, { rsi14: null }, { rsi14: 1 }, [], 'x', null,
  { rsi14: { ...INDICATOR, provenance: { ...PROVENANCE, lookback: -1 } } }, { rsi14: { ...INDICATOR, provenance: { ...PROVENANCE, consumed: 1.5 } } },
  { rsi14: { ...INDICATOR, provenance: { ...PROVENANCE, convention: 'talib' } } }, { rsi14: { ...INDICATOR, provenance: { ...PROVENANCE, stable: 1 } } },
  { rsi14: { ...INDICATOR, provenance: { ...PROVENANCE, params: { period: '14' } } } }, { rsi14: { ...INDICATOR, provenance: { ...PROVENANCE, params: { period: Number.NaN } } } },
  { rsi14: { ...INDICATOR, provenance: { ...PROVENANCE, method: 1 } } }, { rsi14: { ...INDICATOR, provenance: { ...PROVENANCE, reference: 2 } } },
  { rsi14: { ...INDICATOR, provenance: null } }, { rsi14: { ...INDICATOR, provenance: { ...PROVENANCE, extra: 1 } } }, { rsi14: { ...INDICATOR, extra: 1 } },
  JSON.parse('{"__proto__": {"values": {}, "provenance": {}, "provisional": false}}'),
];

let seed = 0x5eed;
/** Seeded linear congruential generator: the same inputs on every run. */
function rnd(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

function validObject(gen: Gen): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, { valid }] of Object.entries(gen)) {
    const value = pick(valid);
    // An optional field is sometimes absent and sometimes present as undefined: zod treats both alike.
    if (value !== undefined || rnd() < 0.5) out[key] = structuredClone(value);
  }
  return out;
}

function validMessage(): Record<string, unknown> {
  const m = validObject(TOP);
  m.conversion = validObject(CONVERSION);
  m.quality = validObject(QUALITY);
  if (rnd() < 0.4) m.enrichment = validObject(ENRICHMENT);
  return m;
}

/** One random defect: a field set to an invalid value, a required field dropped, an unknown key, a wrong container. */
function mutate(m: Record<string, unknown>): void {
  const where = pick(['top', 'top', 'top', 'conversion', 'quality', 'enrichment', 'extra', 'container', 'indicators'] as const);
  const gens = { top: TOP, conversion: CONVERSION, quality: QUALITY, enrichment: ENRICHMENT };
  if (where === 'extra') {
    const target = pick([m, m.conversion, m.quality, m.enrichment]);
    if (typeof target === 'object' && target !== null) (target as Record<string, unknown>)[pick(['extra', 'Source', '__x'])] = pick([1, 'x', null]);
    return;
  }
  if (where === 'container') {
    m[pick(['conversion', 'quality', 'enrichment'])] = pick([null, 'x', 1, [], undefined]);
    return;
  }
  if (where === 'indicators') {
    m.indicators = pick(INDICATORS);
    return;
  }
  if (where !== 'top' && (typeof m[where] !== 'object' || m[where] === null)) m[where] = validObject(gens[where]);
  const target = where === 'top' ? m : (m[where] as Record<string, unknown>);
  const [key, { invalid }] = pick(Object.entries(gens[where]));
  if (rnd() < 0.15) delete target[key];
  else target[key] = structuredClone(pick(invalid));
}

/** Inputs where the fast path declines by design (zod decides alone). */
function declined(m: unknown): boolean {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
  const r = m as Record<string, unknown>;
  const isObject = (o: unknown): o is Record<string, unknown> => typeof o === 'object' && o !== null && !Array.isArray(o);
  const unknown = (o: unknown, known: readonly string[]): boolean => isObject(o) && Object.keys(o).some((k) => !known.includes(k));
  const indicatorDeclined = (v: unknown): boolean => unknown(v, Object.keys(INDICATOR)) || (isObject(v) && unknown(v.provenance, [...Object.keys(PROVENANCE), 'reference']));
  return Object.keys(r).some((k) => !(k in TOP) && !['conversion', 'quality', 'enrichment', 'indicators'].includes(k))
    || unknown(r.conversion, Object.keys(CONVERSION)) || unknown(r.quality, Object.keys(QUALITY)) || unknown(r.enrichment, Object.keys(ENRICHMENT))
    || (isObject(r.indicators) && (Object.hasOwn(r.indicators, '__proto__') || Object.values(r.indicators).some(indicatorDeclined)));
}

function expectEquivalent(candidate: unknown): boolean {
  const zod = OhlcvMessage.safeParse(candidate);
  const fast = isOhlcvMessageFast(candidate);
  const label = JSON.stringify(candidate);
  if (fast) expect(zod.success, `fast path accepted what zod refuses: ${label}`).toBe(true);
  else if (!declined(candidate)) expect(zod.success, `fast path refused what zod accepts: ${label}`).toBe(false);
  const checked = checkOhlcvMessage(candidate);
  if (zod.success) expect(checked, label).toEqual({ ok: true, value: zod.data });
  else expect(checked, label).toEqual({ ok: false, issues: zod.error.issues });
  return zod.success;
}

describe('checkOhlcvMessage (fast path of the OhlcvMessage contract)', () => {
  it('accepts every per-field valid edge case like zod, and returns the input itself', () => {
    for (const [key, { valid }] of Object.entries(TOP)) {
      for (const value of valid) {
        const m = { ...validMessage(), [key]: value };
        expect(expectEquivalent(m)).toBe(true);
        expect(isOhlcvMessageFast(m), JSON.stringify(m)).toBe(true);
        const checked = checkOhlcvMessage(m);
        expect(checked.ok && checked.value).toBe(m);
      }
    }
  });

  it('agrees with zod on every field of every level set to every invalid edge case, and on each field removed', () => {
    const levels: Array<[string | null, Gen]> = [[null, TOP], ['conversion', CONVERSION], ['quality', QUALITY], ['enrichment', ENRICHMENT]];
    let refused = 0;
    for (const [level, gen] of levels) {
      for (const [key, { invalid }] of Object.entries(gen)) {
        for (const value of [...invalid, 'drop']) {
          const m = validMessage();
          if (level !== null && typeof m[level] !== 'object') m[level] = validObject(gen);
          const target = level === null ? m : (m[level] as Record<string, unknown>);
          if (value === 'drop') delete target[key];
          else target[key] = value;
          if (!expectEquivalent(m)) refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(300);
  });

  it('agrees with zod on 5,000 generated messages, valid and with one to three defects', () => {
    let accepted = 0;
    for (let i = 0; i < 5_000; i++) {
      const m = validMessage();
      if (i % 2 === 1) for (let d = 1 + Math.floor(rnd() * 3); d > 0; d--) mutate(m);
      if (expectEquivalent(m)) accepted++;
    }
    expect(accepted).toBeGreaterThan(2_000);
    expect(accepted).toBeLessThan(4_000);
  });

  it('refuses non-objects like zod, judges indicators as zod does, and leaves unknown keys to zod', () => {
    for (const value of [undefined, null, 1, 'x', [], [validMessage()], new Date(0)]) expectEquivalent(value);
    const base = validMessage();
    let accepted = 0;
    for (const indicators of INDICATORS) if (expectEquivalent({ ...base, indicators })) accepted++;
    // The five valid maps, the two whose unknown keys zod strips, and the `__proto__` key zod keeps as data.
    expect(accepted).toBe(8);
    // Enriched candles (what alerts and signals receive) take the fast path and come back as given.
    const enriched = { ...base, indicators: INDICATORS[2] };
    expect(isOhlcvMessageFast(enriched)).toBe(true);
    const checked = checkOhlcvMessage(enriched);
    expect(checked.ok && checked.value).toBe(enriched);
    const extra = { ...base, extra: 1 };
    expect(isOhlcvMessageFast(extra)).toBe(false);
    expect(checkOhlcvMessage(extra)).toEqual({ ok: true, value: OhlcvMessage.parse(extra) });
  });

  it('reports exactly zod\'s issues on failure', () => {
    const bad = { ...validMessage(), symbol: 'btcusd', open: -1, quality: { flags: ['bogus'], level: 'high' } };
    const checked = checkOhlcvMessage(bad);
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['symbol', 'open', 'quality.flags.0']));
    expect(checked).toEqual({ ok: false, issues: OhlcvMessage.safeParse(bad).error?.issues });
  });

  it('checkFor picks the fast path for OhlcvMessage and plain zod for other schemas', () => {
    expect(checkFor(OhlcvMessage)).toBe(checkOhlcvMessage);
    const other = checkFor(MarketMetadataMessage);
    expect(other({})).toEqual(checkWithZod(MarketMetadataMessage, {}));
  });
});
