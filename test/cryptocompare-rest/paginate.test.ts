import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIMEFRAME_MS, type Timeframe } from '../../schemas/common.ts';
import type { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { fetchRange } from '../../functions/lib/cryptocompare/paginate.ts';
import { fetchDataApiRange } from '../../functions/lib/cryptocompare/paginate-data-api.ts';
import { NO_FAULTS } from '../../scripts/engines/simulator/context.ts';
import { createRestClient, type RestClient } from '../../functions/lib/cryptocompare/rest-client.ts';
import { manualClock } from '../../scripts/engines/simulator/clock.ts';
import { startSimulator, type RunningSimulator } from '../../scripts/engines/simulator/server.ts';

/** Backward pagination over real sockets equals the market computed directly, bucket by bucket. */

const NOW = Date.UTC(2026, 0, 10, 12, 30, 20);
const SOL_LISTED = Date.UTC(2025, 11, 31, 7, 0);
let sim: RunningSimulator;
let client: RestClient;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 5, clock: manualClock(NOW), symbols: ['BTC-USD', 'ETH-USD', 'SOL-USD'], listedAt: { 'SOL-USD': SOL_LISTED }, rateLimits: { second: 10_000, minute: 100_000, hour: 100_000 } });
  client = createRestClient({ baseUrl: sim.restUrl, dataApiUrl: sim.restUrl });
});
afterAll(async () => { await sim.stop(); });

function expectMatchesMarket(candles: OhlcvMessage[], exchange: string, symbol: string, timeframe: Timeframe, from: number, to: number): void {
  const step = TIMEFRAME_MS[timeframe];
  const expected: Array<Partial<OhlcvMessage>> = [];
  for (let t = Math.floor(from / step) * step; t <= to; t += step) {
    const c = sim.context.market.candle(exchange, symbol, timeframe, t, NOW);
    expected.push({ timestamp: t, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volumefrom, quoteVolume: c.volumeto, state: c.forming ? 'forming' : 'closed' });
  }
  expect(candles.map((c) => ({ timestamp: c.timestamp, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, quoteVolume: c.quoteVolume, state: c.state }))).toEqual(expected);
}

describe('fetchRange', () => {
  it('1m over ~3 days (3 pages of 2000) equals the market minute by minute', async () => {
    const from = Date.UTC(2026, 0, 7, 13, 0);
    const to = Date.UTC(2026, 0, 10, 11, 59);
    const pages: number[] = [];
    const result = await fetchRange({ client, exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '1m', from, to, onPage: (p) => pages.push(p.candles) });
    expect(result.pages).toBe(3);
    expect(pages[0]).toBe(2001);
    expect(result.candles).toHaveLength((to - from) / 60_000 + 1);
    expect(result.gaps).toEqual([]);
    expectMatchesMarket(result.candles, 'cccagg', 'BTC-USD', '1m', from, to);
    expect(result.candles.filter((c) => c.quality.flags.includes('zero_volume_fill')).length).toBeGreaterThan(0);
  });

  it('1h on an exchange with small pages, and 4h via aggregate=4, equal the market', async () => {
    const from = Date.UTC(2025, 11, 1, 3, 17);
    const to = Date.UTC(2026, 0, 9, 22, 0);
    const hourly = await fetchRange({ client, exchange: 'coinbase', symbol: 'ETH-USD', timeframe: '1h', from, to, pageSize: 97 });
    expect(hourly.pages).toBeGreaterThan(9);
    expectMatchesMarket(hourly.candles, 'coinbase', 'ETH-USD', '1h', from, to);
    const fourHourly = await fetchRange({ client, exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '4h', from, to, pageSize: 50 });
    expectMatchesMarket(fourHourly.candles, 'cccagg', 'BTC-USD', '4h', from, to);
  });

  it('a range reaching to now marks the newest candle forming (latest page, no toTs)', async () => {
    const from = Date.UTC(2026, 0, 1);
    const result = await fetchRange({ client, exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '1d', from, to: NOW, now: () => NOW });
    expectMatchesMarket(result.candles, 'cccagg', 'BTC-USD', '1d', from, NOW);
    expect(result.candles.at(-1)!.state).toBe('forming');
    expect(result.candles.slice(0, -1).every((c) => c.state === 'closed')).toBe(true);
  });

  it('stops at pre-listing zero padding and leaves the padding out', async () => {
    const result = await fetchRange({ client, exchange: 'cccagg', symbol: 'SOL-USD', timeframe: '1h', from: Date.UTC(2025, 9, 1), to: Date.UTC(2026, 0, 2), pageSize: 200 });
    expect(result.reachedListing).toBe(true);
    expect(result.candles[0]!.timestamp).toBe(SOL_LISTED);
    expect(result.candles.some((c) => c.close === 0)).toBe(false);
    expect(result.gaps).toEqual([]);
    // The padding page ended the walk: no requests for the months before listing.
    expect(result.pages).toBeLessThanOrEqual(4);
    expectMatchesMarket(result.candles, 'cccagg', 'SOL-USD', '1h', SOL_LISTED, Date.UTC(2026, 0, 2));
  });

  it('a page that makes no progress ends the walk instead of looping', async () => {
    let calls = 0;
    const stuck: Pick<RestClient, 'histo'> = {
      histo: async (p) => {
        calls++;
        const r = await client.histo({ ...p, toTs: Math.floor(Date.UTC(2026, 0, 9, 12) / 1000) });
        return r;
      },
    };
    const result = await fetchRange({ client: stuck, exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '1h', from: Date.UTC(2025, 0, 1), to: Date.UTC(2026, 0, 9, 12), pageSize: 10 });
    expect(calls).toBe(2);
    expect(result.candles).toHaveLength(11);
  });

  it('rejects from after to with CC_BAD_REQUEST', async () => {
    await expect(fetchRange({ client, exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '1h', from: 2, to: 1 })).rejects.toMatchObject({ code: 'CC_BAD_REQUEST' });
  });
});

describe('fetchDataApiRange', () => {
  it('1m on a spot market beyond the min-api 7 days, over several pages, equals the market', async () => {
    const from = Date.UTC(2025, 11, 20, 22, 13);
    const to = Date.UTC(2025, 11, 22, 9, 0);
    const result = await fetchDataApiRange({ client, exchange: 'coinbase', symbol: 'BTC-USD', timeframe: '1m', from, to, pageSize: 700 });
    expect(result.pages).toBeGreaterThan(2);
    expect(result.gaps).toEqual([]);
    expectMatchesMarket(result.candles, 'coinbase', 'BTC-USD', '1m', from, to);
  });

  it('cccagg maps to the cadli index; the listing ends the walk', async () => {
    const result = await fetchDataApiRange({ client, exchange: 'cccagg', symbol: 'SOL-USD', timeframe: '1h', from: Date.UTC(2025, 11, 1), to: Date.UTC(2026, 0, 2), pageSize: 100 });
    expect(result.reachedListing).toBe(true);
    expect(result.candles[0]!.timestamp).toBe(SOL_LISTED);
    expectMatchesMarket(result.candles, 'cccagg', 'SOL-USD', '1h', SOL_LISTED, Date.UTC(2026, 0, 2));
  });

  it('with the gaps and duplicates faults: one candle per bucket, every missing bucket reported', async () => {
    Object.assign(sim.context.faults, { gaps: 0.05, duplicates: 0.1 });
    try {
      const from = Date.UTC(2026, 0, 8);
      const to = Date.UTC(2026, 0, 9, 12);
      const result = await fetchDataApiRange({ client, exchange: 'kraken', symbol: 'ETH-USD', timeframe: '5m', from, to, pageSize: 150 });
      const seen = result.candles.map((c) => c.timestamp);
      expect(new Set(seen).size).toBe(seen.length);
      const missing = result.gaps.reduce((n, g) => n + (g.to - g.from) / 300_000 + 1, 0);
      expect(result.gaps.length).toBeGreaterThan(0);
      expect(seen.length + missing).toBe((to - from) / 300_000 + 1);
    } finally {
      Object.assign(sim.context.faults, NO_FAULTS);
    }
  });
});
