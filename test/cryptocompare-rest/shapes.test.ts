import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { isCryptoCompareError, RateLimitedError, type CryptoCompareErrorCode } from '../../functions/lib/cryptocompare/errors.ts';
import { normalizeDataApiEntries, normalizeHistoPage } from '../../functions/lib/cryptocompare/normalize.ts';
import { createRestClient, type RestClient } from '../../functions/lib/cryptocompare/rest-client.ts';
import { startSimulator, type RunningSimulator } from '../../scripts/engines/simulator/server.ts';

/**
 * Every payload shape documented in the research note, served over a real socket by the simulator's replay mode
 * (`DIR/NAME.json` answers path NAME), read by the real client. Fixtures are the project's own, written from the shapes.
 */

const FIXTURES = new URL('./fixtures/', import.meta.url);
let sim: RunningSimulator;
let dir: string;
let client: RestClient;

async function serve(fixture: string, path: string): Promise<void> {
  const text = await readFile(new URL(fixture, FIXTURES), 'utf8');
  await writeFile(join(dir, `${path.replace(/^\//, '').replace(/\//g, '_')}.json`), text);
}

async function expectError(promise: Promise<unknown>, code: CryptoCompareErrorCode): Promise<Error> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(isCryptoCompareError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
  return error as Error;
}

const ctx = (timeframe: '1m' | '1d' | '1h', symbol = 'BTC-USD', exchange = 'cccagg') => ({ exchange, symbol, timeframe, receivedAt: 1_767_300_000_000 });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cc-shapes-'));
  sim = await startSimulator({ port: 0, replayDir: dir });
  client = createRestClient({ baseUrl: sim.restUrl, dataApiUrl: sim.restUrl, apiKey: 'shape-test-key' });
});

afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('min-api histo envelopes', () => {
  it('v2 histoday: limit+1 candles, newest forming, ms timestamps, direct conversion', async () => {
    await serve('histo-v2-histoday.json', '/data/v2/histoday');
    const { data, receivedAt } = await client.histo({ unit: 'day', fsym: 'BTC', tsym: 'USD', limit: 3 });
    expect(data.entries).toHaveLength(4);
    expect(data.timeFrom).toBe(1_767_225_600);
    const msgs = normalizeHistoPage(data, { ...ctx('1d'), receivedAt }, true);
    expect(msgs.map((m) => m.timestamp)).toEqual([1_767_225_600_000, 1_767_312_000_000, 1_767_398_400_000, 1_767_484_800_000]);
    expect(msgs.map((m) => m.state)).toEqual(['closed', 'closed', 'closed', 'forming']);
    expect(msgs[0]).toMatchObject({ symbol: 'BTC-USD', exchange: 'cccagg', open: 87000.1, volume: 21000.5, quoteVolume: 1_840_000_000.1, trades: null, conversion: { type: 'direct', symbol: '' }, quality: { flags: [], level: 'high' } });
    for (const m of msgs) expect(OhlcvMessage.safeParse(m).success).toBe(true);
  });

  it('v1 histominute: forming last minute with volume 0 and open != close is forming, not a zero-volume fill', async () => {
    await serve('histo-v1-histominute.json', '/data/histominute');
    const { data } = await client.histo({ unit: 'minute', fsym: 'BTC', tsym: 'USD', version: 1 });
    const msgs = normalizeHistoPage(data, ctx('1m'), true);
    expect(msgs).toHaveLength(4);
    expect(msgs[1]!.quality.flags).toEqual(['zero_volume_fill']);
    expect(msgs[1]!.quality.level).toBe('medium');
    expect(msgs[3]!.state).toBe('forming');
    expect(msgs[3]!.quality.flags).not.toContain('zero_volume_fill');
  });

  it('v1 aggregate=3 (2017): no per-candle conversion fields, TimeTo after the last candle, forming low > close flagged', async () => {
    await serve('histo-v1-histoday-aggregate3-legacy.json', '/data/histoday');
    const { data } = await client.histo({ unit: 'day', fsym: 'BTC', tsym: 'USD', aggregate: 3, version: 1 });
    expect(data.timeTo! - data.entries.at(-1)!.time).toBe(2 * 86_400);
    const msgs = normalizeHistoPage(data, ctx('1d'), true);
    expect(msgs.every((m) => m.conversion.type === 'direct')).toBe(true);
    expect(msgs[2]!.quality.flags).toContain('inconsistent_forming');
    // open != previous close is normal: no flag for it.
    expect(msgs[1]!.open).not.toBe(msgs[0]!.close);
    expect(msgs[1]!.quality.flags).toEqual([]);
  });

  it('conversionType multiply with disagreeing top-level symbol: per-candle wins; zero-volume candles with open != close', async () => {
    await serve('histo-v1-multiply-zerovolume.json', '/data/histoday');
    const { data } = await client.histo({ unit: 'day', fsym: 'XYZ', tsym: 'USD', version: 1 });
    const msgs = normalizeHistoPage(data, ctx('1d', 'XYZ-USD'), false);
    expect(msgs.every((m) => m.conversion.type === 'multiply' && m.conversion.symbol === 'BTC')).toBe(true);
    expect(msgs[0]!.quality.flags).toEqual(['zero_volume_fill', 'converted']);
    expect(msgs[2]!.quality).toEqual({ flags: ['converted'], level: 'medium' });
  });

  it('pre-listing all-zero padding is flagged low quality', async () => {
    await serve('histo-v2-prelisting.json', '/data/v2/histoday');
    const { data } = await client.histo({ unit: 'day', fsym: 'SOL', tsym: 'USD', toTs: 1_586_563_200 });
    const msgs = normalizeHistoPage(data, ctx('1d', 'SOL-USD'), false);
    expect(msgs.map((m) => m.quality.flags)).toEqual([['pre_listing_padding'], ['pre_listing_padding'], [], []]);
    expect(msgs[0]!.quality.level).toBe('low');
  });

  it('HasWarning success bodies are data, not errors; empty Data arrays parse to no candles', async () => {
    await serve('histo-v2-warning.json', '/data/v2/histohour');
    const warned = await client.histo({ unit: 'hour', fsym: 'BTC', tsym: 'USD' });
    expect(warned.data.entries).toHaveLength(1);
    await serve('histo-v2-empty.json', '/data/v2/histohour');
    const empty = await client.histo({ unit: 'hour', fsym: 'BTC', tsym: 'USD' });
    expect(empty.data.entries).toEqual([]);
  });
});

describe('min-api error envelopes (HTTP 200)', () => {
  it('Type 99 with a RateLimit block: CC_RATE_LIMITED naming the exhausted (day) window', async () => {
    await serve('error-type99.json', '/data/v2/histoday');
    const error = await expectError(client.histo({ unit: 'day', fsym: 'BTC', tsym: 'USD' }), 'CC_RATE_LIMITED');
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).details?.window).toBe('day');
    expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
  });

  it('2018 rate-limit body (Rate limit excedeed!, no Response field)', async () => {
    await serve('error-type99-2018.json', '/data/v2/histoday');
    await expectError(client.histo({ unit: 'day', fsym: 'BTC', tsym: 'USD' }), 'CC_RATE_LIMITED');
  });

  it('"market does not exist" is CC_NO_DATA whether it comes as Type 2 or Type 1', async () => {
    await serve('error-type2-market-not-exist.json', '/data/v2/histoday');
    await expectError(client.histo({ unit: 'day', fsym: 'ETH', tsym: 'BTCXYZ' }), 'CC_NO_DATA');
    await serve('error-type1-market-not-exist.json', '/data/v2/histoday');
    await expectError(client.histo({ unit: 'day', fsym: 'DOGE', tsym: 'XYZ' }), 'CC_NO_DATA');
  });

  it('missing or invalid parameters are CC_BAD_REQUEST naming the parameter', async () => {
    await serve('error-fsym-missing.json', '/data/v2/histoday');
    const missing = await expectError(client.histo({ unit: 'day', fsym: 'BTC', tsym: 'USD' }), 'CC_BAD_REQUEST');
    expect(missing.message).toContain('fsym');
    await serve('error-tsyms-invalid.json', '/data/pricemultifull');
    await expectError(client.pricemultifull(['BTC'], ['USD']), 'CC_BAD_REQUEST');
    await serve('error-type1-not-implemented.json', '/data/all/coinlist');
    await expectError(client.coinlist(), 'CC_BAD_REQUEST');
  });

  it('the 7-day minute depth error is CC_NO_DATA pointing at the Data API', async () => {
    await serve('error-minute-depth.json', '/data/v2/histominute');
    const error = await expectError(client.histo({ unit: 'minute', fsym: 'BTC', tsym: 'USD', toTs: 1 }), 'CC_NO_DATA');
    expect(error.message).toMatch(/Data API/);
  });
});

describe('other min-api payloads', () => {
  it('pricemultifull: RAW + DISPLAY without an envelope, FLAGS as a string', async () => {
    await serve('pricemultifull.json', '/data/pricemultifull');
    const { data } = await client.pricemultifull(['BTC'], ['USD']);
    expect(data.RAW.BTC?.USD?.FLAGS).toBe('2050');
    expect(data.RAW.BTC?.USD?.LASTTRADEID).toBe('1767268800.123');
    expect(data.DISPLAY).toHaveProperty('BTC');
  });

  it('coinlist, exchanges and /stats/rate/limit', async () => {
    await serve('coinlist.json', '/data/all/coinlist');
    expect((await client.coinlist()).data.BTC?.CoinName).toBe('Bitcoin');
    await serve('exchanges.json', '/data/all/exchanges');
    expect((await client.exchanges()).data.Coinbase?.BTC).toEqual(['USD', 'EUR']);
    await serve('stats-rate-limit.json', '/stats/rate/limit');
    const stats = (await client.rateLimitStats()).data;
    expect(stats.calls_made.second! + stats.calls_left.second!).toBe(50);
  });
});

describe('Data API payloads', () => {
  it('spot minutes: TIMESTAMP seconds -> ms, VOLUME/QUOTE_VOLUME, TOTAL_TRADES, trade fields only when traded', async () => {
    await serve('dataapi-spot-minutes.json', '/spot/v1/historical/minutes');
    const { data } = await client.dataApiHistorical({ kind: 'spot', unit: 'minute', market: 'coinbase', instrument: 'BTC-USD', limit: 3 });
    const msgs = normalizeDataApiEntries(data, ctx('1m', 'BTC-USD', 'coinbase'), true);
    expect(msgs.map((m) => m.timestamp)).toEqual([1_767_268_800_000, 1_767_268_860_000, 1_767_268_920_000]);
    expect(msgs[0]).toMatchObject({ volume: 1.5, quoteVolume: 136_530, trades: 12, exchange: 'coinbase' });
    expect(msgs[1]!.quality.flags).toEqual(['zero_volume_fill']);
    expect(msgs[2]!.state).toBe('forming');
  });

  it('index hours (cadli)', async () => {
    await serve('dataapi-index-hours.json', '/index/cc/v1/historical/hours');
    const { data } = await client.dataApiHistorical({ kind: 'index', unit: 'hour', market: 'cadli', instrument: 'BTC-USD' });
    expect(normalizeDataApiEntries(data, ctx('1h'), false).map((m) => m.close)).toEqual([91_200, 91_100]);
  });

  it('Err bodies are errors even on HTTP 200 (rotki misses this): 400-style market error and 401-style key error', async () => {
    await serve('dataapi-error-400-market.json', '/spot/v1/historical/hours');
    const bad = await expectError(client.dataApiHistorical({ kind: 'spot', unit: 'hour', market: 'nowhere_market', instrument: 'BTC-USD' }), 'CC_BAD_REQUEST');
    expect(bad.message).toContain('market');
    await serve('dataapi-error-401.json', '/spot/v1/historical/days');
    await expectError(client.dataApiHistorical({ kind: 'spot', unit: 'day', market: 'coinbase', instrument: 'BTC-USD' }), 'CC_UNAUTHORIZED');
  });

  it('the key never appears in error messages', async () => {
    await serve('error-type99.json', '/data/v2/histoday');
    const error = await expectError(client.histo({ unit: 'day', fsym: 'BTC', tsym: 'USD' }), 'CC_RATE_LIMITED');
    expect(JSON.stringify({ m: error.message, d: (error as RateLimitedError).toJSON() })).not.toContain('shape-test-key');
  });
});
