import { describe, expect, it } from 'vitest';
import { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { assertOhlcv, fastOhlcvCheck } from '../../functions/lib/cryptocompare/validate.ts';

/** The hand-written fast path must agree with the zod schema on every input it decides. */

const VALID = {
  source: 'cryptocompare', exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '1m', timestamp: 1_767_268_800_000, schemaVersion: 1,
  open: 1, high: 2, low: 0.5, close: 1.5, volume: 10, quoteVolume: 15, trades: null, state: 'closed', revision: 0,
  receivedAt: 1_767_268_801_000, transport: 'rest', conversion: { type: 'direct', symbol: '' }, quality: { flags: [], level: 'high' },
};

const BAD_VALUES: unknown[] = [undefined, null, '', 'x', -1, -0.5, 0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, [], {}, true, 'BTC-USD', 'btc-usd', 'cccagg', 'CCCAGG', '1m', '2m', 'closed', 'rest', 0, 1, 2];
const NESTED: Record<string, unknown[]> = {
  'conversion.type': ['direct', 'multiply', 'invert', 'nope', 1, null],
  'conversion.symbol': ['', 'USD', 1, null, undefined],
  'quality.flags': [[], ['converted'], ['gap_before', 'duplicate'], ['bogus'], 'converted', [1], null],
  'quality.level': ['high', 'medium', 'low', 'top', null],
  'quality.gapBeforeMs': [undefined, 0, 60_000, -1, 1.5, '60000', null],
};

function agree(candidate: unknown): void {
  const fast = fastOhlcvCheck(candidate);
  const zod = OhlcvMessage.safeParse(candidate).success;
  if (fast !== null) expect(fast, JSON.stringify(candidate)).toBe(zod);
}

describe('fastOhlcvCheck', () => {
  it('accepts the valid message like zod', () => {
    expect(fastOhlcvCheck(VALID)).toBe(true);
    expect(OhlcvMessage.safeParse(VALID).success).toBe(true);
  });

  it('agrees with zod for every top-level field set to every probe value', () => {
    for (const key of Object.keys(VALID)) {
      for (const value of BAD_VALUES) agree({ ...VALID, [key]: value });
      const { [key]: _dropped, ...without } = VALID as Record<string, unknown>;
      agree(without);
    }
  });

  it('agrees with zod on nested conversion and quality fields', () => {
    for (const [path, values] of Object.entries(NESTED)) {
      const [outer, inner] = path.split('.') as ['conversion' | 'quality', string];
      for (const value of values) agree({ ...VALID, [outer]: { ...VALID[outer], [inner]: value } });
    }
  });

  it('agrees with zod on random combinations', () => {
    let seed = 12345;
    const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296; };
    const keys = Object.keys(VALID);
    for (let i = 0; i < 3000; i++) {
      const m: Record<string, unknown> = structuredClone(VALID);
      const n = 1 + Math.floor(rnd() * 3);
      for (let j = 0; j < n; j++) m[keys[Math.floor(rnd() * keys.length)]!] = BAD_VALUES[Math.floor(rnd() * BAD_VALUES.length)];
      agree(m);
    }
  });

  it('defers to zod (null) for keys it does not know, e.g. enrichment', () => {
    expect(fastOhlcvCheck({ ...VALID, enrichment: {} })).toBeNull();
    expect(() => assertOhlcv({ ...VALID, enrichment: {} }, 'test')).toThrow(/CryptoCompare answered test/);
    expect(() => assertOhlcv({ ...VALID, open: -1 }, 'test')).toThrow(expect.objectContaining({ code: 'CC_MALFORMED' }));
  });
});
