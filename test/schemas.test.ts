import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { JSON_SCHEMA_DIR, renderJsonSchemas } from '../scripts/schemas.ts';
import { bucketStart, normalizeSymbol, OhlcvMessage, candleKey } from '../schemas/index.ts';

describe('message contracts', () => {
  it('keeps schemas/json in step with the zod schemas (run `npm run schemas` after changing them)', async () => {
    for (const [file, text] of renderJsonSchemas()) {
      const committed = await readFile(`${JSON_SCHEMA_DIR}${file}`, 'utf8').catch(() => '(missing)');
      expect(committed, `schemas/json/${file} is stale: run npm run schemas`).toBe(text);
    }
  });

  it('normalises symbols one way', () => {
    expect(normalizeSymbol('btc/usd')).toBe('BTC-USD');
    expect(normalizeSymbol('ETH_usdt')).toBe('ETH-USDT');
    expect(normalizeSymbol({ base: 'sol', quote: 'eur' })).toBe('SOL-EUR');
    expect(() => normalizeSymbol('BTCUSD')).toThrow(/BASE-QUOTE/);
    expect(() => normalizeSymbol("BTC-USD'; drop table")).toThrow(/INVALID|BASE-QUOTE/);
  });

  it('aligns buckets to the epoch in milliseconds', () => {
    expect(bucketStart(Date.UTC(2024, 0, 1, 13, 37, 12), '1h')).toBe(Date.UTC(2024, 0, 1, 13));
    expect(bucketStart(Date.UTC(2024, 0, 1, 13, 37, 12), '1d')).toBe(Date.UTC(2024, 0, 1));
  });

  it('accepts a full candle and refuses a malformed one with a path', () => {
    const candle = {
      schemaVersion: 1, source: 'cryptocompare', exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '1m', timestamp: 1_700_000_040_000,
      open: 1, high: 2, low: 0.5, close: 1.5, volume: 10, quoteVolume: 15, trades: null, state: 'closed', revision: 0,
      receivedAt: 1_700_000_101_000, transport: 'rest', conversion: { type: 'direct', symbol: '' }, quality: { flags: [], level: 'high' },
    };
    expect(OhlcvMessage.parse(candle)).toEqual(candle);
    expect(candleKey(OhlcvMessage.parse(candle))).toBe('cryptocompare:cccagg:BTC-USD:1m:1700000040000');
    const bad = OhlcvMessage.safeParse({ ...candle, symbol: 'btcusd', open: -1 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['symbol', 'open']));
  });
});
