import { describe, expect, it } from 'vitest';
import { createRateLimiter, parseRateHeader, type KeyValueStore } from '../../functions/lib/cryptocompare/rate-limiter.ts';

/** Window math with an injected clock and sleep: nothing here waits for real time. */

function fakeTime(start: number) {
  let t = start;
  const sleeps: number[] = [];
  return { now: () => t, sleep: async (ms: number) => { sleeps.push(ms); t += ms; }, sleeps, advance: (ms: number) => { t += ms; } };
}

function memoryStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, get: async (k) => data.get(k) ?? null, set: async (k, v) => { data.set(k, v); } };
}

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

describe('parseRateHeader', () => {
  it('reads the documented X-RateLimit-*-All format', () => {
    expect(parseRateHeader('1220397, 1;window=1, 33;window=60, 2673;window=3600, 38673;window=86400, 1220397;window=2592000'))
      .toEqual({ second: 1, minute: 33, hour: 2673, day: 38673, month: 1220397 });
    expect(parseRateHeader(null)).toEqual({});
    expect(parseRateHeader('garbage, 5;window=7')).toEqual({});
  });
});

describe('rate limiter windows', () => {
  it('lets `second` calls through per second, then waits exactly for the next second boundary (plus jitter)', async () => {
    const clock = fakeTime(T0 + 250);
    const limiter = createRateLimiter({ limits: { second: 3, minute: 100 }, now: clock.now, sleep: clock.sleep, random: () => 0.5, jitterMs: 100 });
    for (let i = 0; i < 3; i++) await limiter.acquire();
    expect(clock.sleeps).toEqual([]);
    await limiter.acquire();
    expect(clock.sleeps).toEqual([750 + 50]);
    expect(limiter.state().minute.remaining).toBe(96);
  });

  it('an exhausted minute waits for the minute reset, not the month', async () => {
    const clock = fakeTime(T0 + 10_000);
    const limiter = createRateLimiter({ limits: { second: 100, minute: 5, month: 1_000_000 }, now: clock.now, sleep: clock.sleep, jitterMs: 0 });
    for (let i = 0; i < 5; i++) await limiter.acquire();
    await limiter.acquire();
    expect(clock.sleeps).toEqual([50_000]);
  });

  it('learns limits and remaining calls from headers and waits for the exhausted window reset they announce', async () => {
    const clock = fakeTime(T0);
    const limiter = createRateLimiter({ now: clock.now, sleep: clock.sleep, jitterMs: 0 });
    await limiter.acquire();
    limiter.observeHeaders(new Headers({
      'X-RateLimit-Remaining-All': '500, 10;window=1, 0;window=60, 800;window=3600, 900;window=86400, 500;window=2592000',
      'X-RateLimit-Reset-All': '99999, 1;window=1, 42;window=60, 3000;window=3600, 50000;window=86400, 99999;window=2592000',
    }));
    expect(limiter.waitMs()).toBe(42_000);
    await limiter.acquire();
    expect(clock.sleeps).toEqual([42_000]);
  });

  it('learns limits from /stats/rate/limit (calls_made + calls_left)', async () => {
    const clock = fakeTime(T0);
    const limiter = createRateLimiter({ now: clock.now, sleep: clock.sleep });
    limiter.learnFromStats({ calls_made: { second: 1, minute: 10, hour: 10, day: 10, month: 10 }, calls_left: { second: 19, minute: 290, hour: 2990, day: 7490, month: 49_990 } });
    expect(limiter.state().second).toMatchObject({ limit: 20, remaining: 19 });
    expect(limiter.state().month).toMatchObject({ limit: 50_000, remaining: 49_990 });
  });

  it('a Type 99 with retry-after blocks every call until then', async () => {
    const clock = fakeTime(T0);
    const limiter = createRateLimiter({ now: clock.now, sleep: clock.sleep, jitterMs: 0 });
    expect(limiter.noteRateLimited(7_000, null)).toBe(7_000);
    await limiter.acquire();
    expect(clock.sleeps).toEqual([7_000]);
  });
});

describe('restart persistence', () => {
  it('a restarted limiter keeps the used budget of the current window and does not burst', async () => {
    const store = memoryStore();
    const clock = fakeTime(T0 + 1_000);
    const first = createRateLimiter({ limits: { second: 1000, minute: 4 }, store, now: clock.now, sleep: clock.sleep, jitterMs: 0 });
    for (let i = 0; i < 3; i++) await first.acquire();
    await first.flush();
    expect(store.data.size).toBe(1);

    // "Restart": a new limiter on the same store, a few seconds later, in the same minute.
    clock.advance(5_000);
    const second = createRateLimiter({ limits: { second: 1000, minute: 4 }, store, now: clock.now, sleep: clock.sleep, jitterMs: 0 });
    await second.acquire();
    expect(clock.sleeps).toEqual([]);
    await second.acquire();
    expect(clock.sleeps).toEqual([54_000]);
  });

  it('a restart after the window passed starts fresh; a corrupt entry is ignored', async () => {
    const store = memoryStore();
    const clock = fakeTime(T0);
    const first = createRateLimiter({ limits: { minute: 2 }, store, now: clock.now, sleep: clock.sleep, jitterMs: 0 });
    await first.acquire();
    await first.acquire();
    clock.advance(60_000);
    const second = createRateLimiter({ limits: { minute: 2 }, store, now: clock.now, sleep: clock.sleep, jitterMs: 0 });
    await second.acquire();
    await second.acquire();
    expect(clock.sleeps).toEqual([]);
    store.data.set('cryptocompare:rate-limiter', '{not json');
    const third = createRateLimiter({ limits: { minute: 2 }, store, now: clock.now, sleep: clock.sleep, jitterMs: 0 });
    await third.acquire();
    expect(clock.sleeps).toEqual([]);
  });
});
