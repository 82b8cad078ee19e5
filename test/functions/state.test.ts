import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStateStore, withState, type StateStore } from '../../functions/lib/state/index.ts';
import { startFunction } from '../../scripts/fn.ts';
import { RedisStateStore } from '../../scripts/lib/redis-state.ts';
import { RespClient } from '../../scripts/lib/resp-client.ts';
import { candle } from './helpers/candles.ts';
import { postBatch } from './helpers/runtimes.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `test:state:${process.pid}:${Date.now()}:`;

/** The StateStore contract, for every adapter. */
function storeContract(name: string, open: () => Promise<StateStore>): void {
  describe(`${name} state store`, () => {
    let store: StateStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => store.close?.());

    it('stores JSON values with a version that grows per write, and deletes', async () => {
      expect(await store.get('a')).toBeUndefined();
      expect(await store.set({ key: 'a', value: { x: 1, list: [1, 'two', null] } })).toEqual({ ok: true, versions: [1] });
      expect(await store.set({ key: 'a', value: { x: 2 } })).toEqual({ ok: true, versions: [2] });
      const got = await store.get<{ x: number }>('a');
      expect({ value: got?.value, version: got?.version, json: got?.json }).toEqual({ value: { x: 2 }, version: 2, json: '{"x":2}' });
      await store.delete('a');
      expect(await store.get('a')).toBeUndefined();
    });

    it('stores a write\'s own JSON text as given, and hands back exactly that text', async () => {
      const json = '{ "spaced" : [1, 2] }';
      await store.set({ key: 'text', value: { spaced: [1, 2] }, json });
      const got = await store.get<{ spaced: number[] }>('text');
      expect(got?.json).toBe(json);
      expect(got?.value).toEqual({ spaced: [1, 2] });
      expect((await store.getMany(['text']))[0]?.json).toBe(json);
    });

    it('compare-and-set: a write with a stale version is refused and changes nothing', async () => {
      await store.set({ key: 'cas', value: 1, expectVersion: 0 });
      expect(await store.set({ key: 'cas', value: 2, expectVersion: 0 })).toEqual({ ok: false, conflicts: ['cas'] });
      expect(await store.set({ key: 'cas', value: 2, expectVersion: 1 })).toEqual({ ok: true, versions: [2] });
      expect((await store.get('cas'))?.value).toBe(2);
    });

    it('setMany is all or nothing and getMany keeps order', async () => {
      await store.setMany([{ key: 'm1', value: 'one' }, { key: 'm2', value: 'two' }]);
      const refused = await store.setMany([{ key: 'm1', value: 'ONE', expectVersion: 1 }, { key: 'm2', value: 'TWO', expectVersion: 7 }]);
      expect(refused).toEqual({ ok: false, conflicts: ['m2'] });
      expect((await store.getMany(['m2', 'missing', 'm1'])).map((e) => e?.value)).toEqual(['two', undefined, 'one']);
    });

    it('withState recomputes a batch when another replica wrote meanwhile, so no update is lost', async () => {
      const add = (n: number) => withState<number, void>(store, ['counter'], async (view) => {
        const current = view.get('counter') ?? 0;
        await new Promise((r) => setTimeout(r, 5)); // let the other writer interleave between read and commit
        view.set('counter', current + n);
      }, { maxAttempts: 20 });
      await Promise.all([add(1), add(10), add(100)]);
      expect((await store.get('counter'))?.value).toBe(111);
    });
  });
}

storeContract('memory', async () => new MemoryStateStore());
storeContract('redis', async () => RedisStateStore.connect(REDIS_URL, `${PREFIX}contract:`));

describe('memory state store TTL', () => {
  it('expires keys by the injected clock', async () => {
    let now = 1_000;
    const store = new MemoryStateStore(() => now);
    await store.set({ key: 'k', value: 1, ttlMs: 100 });
    now = 1_099;
    expect((await store.get('k'))?.value).toBe(1);
    now = 1_100;
    expect(await store.get('k')).toBeUndefined();
  });
});

describe('redis state shared by function replicas', () => {
  const prefix = `${PREFIX}validate:`;
  let cleaner: RedisStateStore;
  beforeAll(async () => {
    cleaner = await RedisStateStore.connect(REDIS_URL, prefix);
  });
  afterAll(async () => {
    await cleaner.clear();
    await RedisStateStore.connect(REDIS_URL, PREFIX).then(async (s) => {
      await s.clear();
      await s.close();
    });
    await cleaner.close();
  });

  it('reconnects after its connection dropped (Redis restarted or killed the client)', async () => {
    const name = `state-test-${process.pid}-${Date.now()}`;
    const store = await RedisStateStore.connect(REDIS_URL, `${PREFIX}reconnect:`, name);
    await store.set({ key: 'k', value: 'before' });
    const admin = await RespClient.connect(REDIS_URL);
    const list = String(await admin.command(['CLIENT', 'LIST']));
    const id = /id=(\d+) [^\n]*name=(\S+)/g;
    const ids = [...list.matchAll(id)].filter((m) => m[2] === name).map((m) => m[1] as string);
    expect(ids).toHaveLength(1);
    await admin.command(['CLIENT', 'KILL', 'ID', ids[0] as string]);
    await admin.close();
    // The command in flight when the connection drops fails; the next one reconnects.
    const afterDrop = await store.get('k').catch((error: Error) => error);
    if (afterDrop instanceof Error) expect(afterDrop.message).toMatch(/closed/);
    expect((await store.get('k'))?.value).toBe('before');
    await store.close();
  });

  it('sets the TTL on the Redis key', async () => {
    const store = await RedisStateStore.connect(REDIS_URL, `${PREFIX}ttl:`);
    await store.set({ key: 'k', value: 1, ttlMs: 60_000 });
    const raw = await RespClient.connect(REDIS_URL);
    const pttl = Number(await raw.command(['PTTL', `${PREFIX}ttl:k`]));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60_000);
    await raw.close();
    await store.close();
  });

  it('two validate instances see each other\'s candles, concurrent batches lose nothing, and state survives a restart', async () => {
    const a = await startFunction('validate', { port: 0, redisUrl: REDIS_URL, redisPrefix: prefix });
    const b = await startFunction('validate', { port: 0, redisUrl: REDIS_URL, redisPrefix: prefix });
    const now = Date.now();
    const first = candle({ symbol: 'RED-USD', close: 100, open: 100, high: 100.5, low: 99.5 }, 10, now);
    expect((await postBatch(a.url, [first]))[0]?.ok).toBe(true);
    // B knows A's candle: the same candle is a duplicate, and the previous close comes from A's write.
    const [dup] = await postBatch(b.url, [first]);
    expect(dup?.ok === false && dup.deadLetter.reasonCode).toBe('DUPLICATE');
    const [jump] = await postBatch<{ quality: { flags: string[] } }>(b.url, [candle({ symbol: 'RED-USD', close: 120, open: 100, high: 120, low: 100 }, 9, now)]);
    expect(jump?.ok === true && jump.message.quality.flags).toEqual(['price_jump']);

    // Concurrent batches on both replicas for the same series: every candle is recorded exactly once.
    const batchA = [8, 6, 4].map((ago) => candle({ symbol: 'RED-USD', close: 120, open: 120, high: 121, low: 119 }, ago, now));
    const batchB = [7, 5, 3].map((ago) => candle({ symbol: 'RED-USD', close: 120, open: 120, high: 121, low: 119 }, ago, now));
    const [ra, rb] = await Promise.all([postBatch(a.url, batchA), postBatch(b.url, batchB)]);
    expect([...ra, ...rb].every((r) => r.ok)).toBe(true);
    await a.stop();
    await b.stop();

    // Restart: a new process state connection still knows all of them.
    const c = await startFunction('validate', { port: 0, redisUrl: REDIS_URL, redisPrefix: prefix });
    const again = await postBatch(c.url, [...batchA, ...batchB]);
    expect(again.map((r) => (r.ok ? 'ok' : r.deadLetter.reasonCode))).toEqual(Array(6).fill('DUPLICATE'));
    await c.stop();
  });
});
