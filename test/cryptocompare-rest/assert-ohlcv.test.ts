import { describe, expect, it } from 'vitest';
import { assertOhlcv } from '../../functions/lib/cryptocompare/normalize.ts';

/** Normalisation checks each candle with the shared fast path (schemas/fast, proven in test/schemas/) and maps a refusal to CC_MALFORMED. */

const VALID = {
  source: 'cryptocompare', exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '1m', timestamp: 1_767_268_800_000, schemaVersion: 1,
  open: 1, high: 2, low: 0.5, close: 1.5, volume: 10, quoteVolume: 15, trades: null, state: 'closed', revision: 0,
  receivedAt: 1_767_268_801_000, transport: 'rest', conversion: { type: 'direct', symbol: '' }, quality: { flags: [], level: 'high' },
};

describe('assertOhlcv', () => {
  it('returns a valid candle and refuses an invalid one as CC_MALFORMED naming zod\'s first issue', () => {
    expect(assertOhlcv(VALID, 'test')).toBe(VALID);
    expect(() => assertOhlcv({ ...VALID, enrichment: {} }, 'test')).toThrow(/CryptoCompare answered test/);
    expect(() => assertOhlcv({ ...VALID, open: -1 }, 'test')).toThrow(expect.objectContaining({ code: 'CC_MALFORMED' }));
    expect(() => assertOhlcv({ ...VALID, open: -1 }, 'test')).toThrow(/at open: /);
  });
});
