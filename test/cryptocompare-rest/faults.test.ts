import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { isCryptoCompareError, RateLimitedError } from '../../functions/lib/cryptocompare/errors.ts';
import { fetchRange } from '../../functions/lib/cryptocompare/paginate.ts';
import { createRateLimiter } from '../../functions/lib/cryptocompare/rate-limiter.ts';
import { createRestClient } from '../../functions/lib/cryptocompare/rest-client.ts';
import { manualClock, realClock } from '../../scripts/engines/simulator/clock.ts';
import { NO_FAULTS } from '../../scripts/engines/simulator/context.ts';
import { startSimulator, type RunningSimulator } from '../../scripts/engines/simulator/server.ts';

/** The REST client against each simulator fault over real sockets: no crash, no duplicate, no silent loss, the right typed error. */

const NOW = Date.UTC(2026, 0, 10, 12, 30, 20);
const KEY = 'k3y-faults-0123456789';
const FROM = Date.UTC(2026, 0, 9, 0, 0);
const TO = Date.UTC(2026, 0, 10, 6, 0);
const MINUTES = (TO - FROM) / 60_000 + 1;
let sim: RunningSimulator;
const logs: string[] = [];

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 11, clock: manualClock(NOW), apiKeys: [KEY], log: (l) => logs.push(l), rateLimits: { second: 1000, minute: 10_000 } });
});
afterAll(async () => { await sim.stop(); });
afterEach(() => { Object.assign(sim.context.faults, NO_FAULTS); });

const client = () => createRestClient({ baseUrl: sim.restUrl, dataApiUrl: sim.restUrl, apiKey: KEY });
const range = (faultsClient = client()) => fetchRange({ client: faultsClient, exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '1m', from: FROM, to: TO, pageSize: 500 });

function assertUniqueSorted(candles: OhlcvMessage[]): void {
  for (let i = 1; i < candles.length; i++) expect(candles[i]!.timestamp).toBeGreaterThan(candles[i - 1]!.timestamp);
  for (const c of candles) expect(OhlcvMessage.safeParse(c).success).toBe(true);
}

describe('rate-limit faults', () => {
  it('HTTP 429: CC_RATE_LIMITED with retryAfterMs, and a limiter-backed client waits and then succeeds', async () => {
    sim.context.faults.rateLimit = 'http429';
    const error = await client().histo({ unit: 'hour', fsym: 'BTC', tsym: 'USD', limit: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).status).toBe(429);
    expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
    expect((error as Error).message).not.toContain(KEY);

    const waits: number[] = [];
    let t = Date.now();
    const limiter = createRateLimiter({
      jitterMs: 0,
      now: () => t,
      // The fault clears while the client sleeps, as a real window reset would.
      sleep: async (ms) => { waits.push(ms); t += ms; sim.context.faults.rateLimit = 'none'; },
    });
    const patient = createRestClient({ baseUrl: sim.restUrl, apiKey: KEY, rateLimiter: limiter });
    const { data } = await patient.histo({ unit: 'hour', fsym: 'BTC', tsym: 'USD', limit: 2 });
    expect(data.entries).toHaveLength(3);
    expect(waits.length).toBe(1);
    expect(waits[0]).toBeGreaterThan(0);
  });

  it('Type 99 with HTTP 200: detected from the body, CC_RATE_LIMITED', async () => {
    sim.context.faults.rateLimit = 'type99';
    const res = await fetch(`${sim.restUrl}/data/v2/histohour?fsym=BTC&tsym=USD`, { headers: { Authorization: `Apikey ${KEY}` } });
    expect(res.status).toBe(200);
    const error = await client().histo({ unit: 'hour', fsym: 'BTC', tsym: 'USD' }).catch((e: unknown) => e);
    expect(isCryptoCompareError(error, 'CC_RATE_LIMITED')).toBe(true);
  });

  it('fetchRange surfaces a persistent rate limit as a typed error, not a crash or a partial result', async () => {
    sim.context.faults.rateLimit = 'type99';
    const error = await range().catch((e: unknown) => e);
    expect(isCryptoCompareError(error, 'CC_RATE_LIMITED')).toBe(true);
  });
});

describe('data faults through fetchRange', () => {
  it('no faults: one candle per minute over a multi-page range', async () => {
    const result = await range();
    expect(result.pages).toBeGreaterThan(3);
    expect(result.candles).toHaveLength(MINUTES);
    expect(result.gaps).toEqual([]);
    assertUniqueSorted(result.candles);
  });

  it('gaps: every bucket is either returned or reported in a gap; candles after a gap say so', async () => {
    sim.context.faults.gaps = 0.05;
    const result = await range();
    assertUniqueSorted(result.candles);
    const seen = new Set(result.candles.map((c) => c.timestamp));
    let reported = 0;
    for (const g of result.gaps) {
      for (let t = g.from; t <= g.to; t += 60_000) { expect(seen.has(t)).toBe(false); reported++; }
    }
    expect(result.gaps.length).toBeGreaterThan(0);
    expect(seen.size + reported).toBe(MINUTES);
    const flagged = result.candles.filter((c) => c.quality.flags.includes('gap_before'));
    expect(flagged.length).toBe(result.gaps.filter((g) => g.to < TO).length);
    for (const c of flagged) expect(c.quality.gapBeforeMs).toBeGreaterThan(0);
  });

  it('duplicates: rows repeated inside pages collapse to one per bucket, identical to the clean series', async () => {
    const clean = await range();
    sim.context.faults.duplicates = 0.2;
    const result = await range();
    assertUniqueSorted(result.candles);
    expect(result.candles.map(({ receivedAt: _r, ...c }) => c)).toEqual(clean.candles.map(({ receivedAt: _r, ...c }) => c));
  });

  it('revisions: revised buckets come back once each with the revised values', async () => {
    const clean = await range();
    sim.context.faults.revisions = 0.3;
    const result = await range();
    assertUniqueSorted(result.candles);
    expect(result.candles).toHaveLength(clean.candles.length);
    const changed = result.candles.filter((c, i) => c.volume !== clean.candles[i]!.volume);
    expect(changed.length).toBeGreaterThan(MINUTES * 0.1);
    for (const c of changed) {
      const before = clean.candles.find((x) => x.timestamp === c.timestamp)!;
      expect(c.volume).toBeCloseTo(before.volume * 1.1, 6);
    }
  });
});

describe('API key hygiene', () => {
  it('a wrong key is CC_UNAUTHORIZED and neither key appears in errors or simulator logs', async () => {
    const wrong = createRestClient({ baseUrl: sim.restUrl, dataApiUrl: sim.restUrl, apiKey: 'wrong-secret-key-42' });
    const e1 = await wrong.histo({ unit: 'day', fsym: 'BTC', tsym: 'USD' }).catch((e: unknown) => e);
    expect(isCryptoCompareError(e1, 'CC_UNAUTHORIZED')).toBe(true);
    const e2 = await wrong.dataApiHistorical({ kind: 'spot', unit: 'hour', market: 'coinbase', instrument: 'BTC-USD' }).catch((e: unknown) => e);
    expect(isCryptoCompareError(e2, 'CC_UNAUTHORIZED')).toBe(true);
    await fetch(`${sim.restUrl}/data/v2/histoday?fsym=BTC&tsym=USD&api_key=${KEY}`);
    const text = JSON.stringify([String(e1), String(e2), (e1 as Error).stack, logs]);
    expect(text).not.toContain('wrong-secret-key-42');
    expect(text).not.toContain(KEY);
    expect(logs.some((l) => l.includes('api_key=***'))).toBe(true);
  });
});

describe('real rate limiting (simulator windows, real clock)', () => {
  it('without a limiter a burst is refused (Type 99); with it the same calls pace themselves and all complete', async () => {
    const limited = await startSimulator({ port: 0, clock: realClock(), rateLimits: { second: 4 } });
    try {
      const bare = createRestClient({ baseUrl: limited.restUrl });
      // Burst past the per-second limit without a limiter: the 5th call in a second is Type 99 over HTTP 200
      // (12 calls: even split across a second boundary, one side gets more than 4).
      const outcomes = await Promise.all(Array.from({ length: 12 }, () => bare.coinlist().then(() => 'ok', (e: unknown) => (isCryptoCompareError(e, 'CC_RATE_LIMITED') ? 'limited' : String(e)))));
      expect(outcomes).toContain('limited');
      expect(outcomes.filter((o) => o !== 'ok' && o !== 'limited')).toEqual([]);

      await new Promise((r) => setTimeout(r, 1100));
      const careful = createRestClient({ baseUrl: limited.restUrl, rateLimiter: createRateLimiter({ jitterMs: 20 }) });
      for (let i = 0; i < 10; i++) await careful.coinlist();
    } finally {
      await limited.stop();
    }
  });
});
