import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Hono } from 'hono';
import { createAlertsApp } from '../../functions/alerts/app.ts';
import { staticRules } from '../../functions/alerts/rule-source.ts';
import { createEnrichApp } from '../../functions/enrich/app.ts';
import { createIndicatorsApp } from '../../functions/indicators/app.ts';
import { DecodedCache, MemoryStateStore, withState, type StateStore } from '../../functions/lib/state/index.ts';
import { createSignalsApp } from '../../functions/signals/app.ts';
import { createValidateApp } from '../../functions/validate/app.ts';
import type { AlertRuleInput } from '../../schemas/alert-rule.ts';
import type { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { NOW, series } from './helpers/candles.ts';

interface Doc { n: number[] }

/** One batch over `key` with a cache: hands the view's value to `change`, which returns the value to set (or nothing). */
function batch(store: StateStore, cache: DecodedCache<Doc>, key: string, change: (value: Doc | undefined) => Doc | undefined | Promise<Doc | undefined>, ttlMs?: number): Promise<Doc | undefined> {
  return withState<Doc, Doc | undefined>(store, [key], async (view) => {
    const value = view.get(key);
    const next = await change(value);
    if (next !== undefined) view.set(key, next);
    return value;
  }, { cache, ...(ttlMs === undefined ? {} : { ttlMs }) });
}

describe('withState with a decoded cache', () => {
  afterEach(() => vi.restoreAllMocks());

  it('hands the next batch the very object it committed, without parsing the stored text', async () => {
    const store = new MemoryStateStore();
    const cache = new DecodedCache<Doc>(10);
    const first: Doc = { n: [1] };
    await batch(store, cache, 'k', () => first);
    const parse = vi.spyOn(JSON, 'parse');
    const seen = await batch(store, cache, 'k', (v) => (v === undefined ? undefined : { n: [...v.n, 2] }));
    expect(seen).toBe(first);
    expect(parse).not.toHaveBeenCalled();
    expect((await store.get<Doc>('k'))?.value).toEqual({ n: [1, 2] });
  });

  it('keeps a value read but not written, and decodes again once another writer changed the key', async () => {
    const store = new MemoryStateStore();
    const cache = new DecodedCache<Doc>(10);
    const first: Doc = { n: [1] };
    await batch(store, cache, 'k', () => first);
    expect(await batch(store, cache, 'k', () => undefined)).toBe(first);
    expect(await batch(store, cache, 'k', () => undefined)).toBe(first);
    await store.set({ key: 'k', value: { n: [9] }, expectVersion: 1 });
    expect(await batch(store, cache, 'k', () => undefined)).toEqual({ n: [9] });
  });

  it('does not trust a version alone: a key that expired and was written again at the same version is decoded', async () => {
    let now = 0;
    const store = new MemoryStateStore(() => now);
    const cache = new DecodedCache<Doc>(10);
    await batch(store, cache, 'k', () => ({ n: [1] }), 100);
    now = 500;
    expect(await store.set({ key: 'k', value: { n: [2] }, expectVersion: 0 })).toEqual({ ok: true, versions: [1] });
    expect(await batch(store, cache, 'k', () => undefined)).toEqual({ n: [2] });
  });

  it('a batch that fails leaves no half-changed value behind', async () => {
    const store = new MemoryStateStore();
    const cache = new DecodedCache<Doc>(10);
    await batch(store, cache, 'k', () => ({ n: [1] }));
    await expect(batch(store, cache, 'k', (v) => {
      v?.n.push(666);
      throw new Error('the function failed mid-batch');
    })).rejects.toThrow('mid-batch');
    expect(await batch(store, cache, 'k', () => undefined)).toEqual({ n: [1] });
  });

  it('an attempt that lost a compare-and-set is recomputed from what the other writer stored', async () => {
    const store = new MemoryStateStore();
    const cache = new DecodedCache<Doc>(10);
    await batch(store, cache, 'k', () => ({ n: [1] }));
    let attempts = 0;
    await batch(store, cache, 'k', async (v) => {
      attempts++;
      v?.n.push(2);
      if (attempts === 1) await store.set({ key: 'k', value: { n: [1, 5] } });
      return v;
    });
    expect(attempts).toBe(2);
    expect((await store.get<Doc>('k'))?.value).toEqual({ n: [1, 5, 2] });
    expect(await batch(store, cache, 'k', () => undefined)).toEqual({ n: [1, 5, 2] });
  });

  it('keeps at most its capacity, dropping the least recently stored series', async () => {
    const store = new MemoryStateStore();
    const cache = new DecodedCache<Doc>(1);
    const a: Doc = { n: [1] };
    await batch(store, cache, 'a', () => a);
    await batch(store, cache, 'b', () => ({ n: [2] }));
    const again = await batch(store, cache, 'a', () => undefined);
    expect(again).toEqual(a);
    expect(again).not.toBe(a);
  });
});

/** Answers of `app` for `batch`, as the pipeline receives them. */
async function answers(app: Hono, batch: unknown[]): Promise<unknown> {
  const res = await app.fetch(new Request('http://fn/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) }));
  expect(res.status).toBe(200);
  return res.json();
}

describe('functions answer alike with and without decoded state kept between batches', () => {
  const closes = Array.from({ length: 90 }, (_, i) => 100 + 8 * Math.sin(i / 6) + (i % 5));
  const history = series(closes);
  const revised = (i: number): OhlcvMessage => ({ ...(history[i] as OhlcvMessage), state: 'revised', revision: 1, close: (history[i] as OhlcvMessage).close + 0.5 });
  const forming = (i: number): OhlcvMessage => ({ ...(history[i] as OhlcvMessage), state: 'forming' });
  /** Closed, forming, revised, duplicate and late candles over many batches. */
  const batches: OhlcvMessage[][] = [
    history.slice(0, 20), [forming(20)], history.slice(20, 30), history.slice(25, 30), [revised(27), history[30] as OhlcvMessage, forming(31)],
    history.slice(31, 60).filter((_, i) => i !== 9), [history[40] as OhlcvMessage, revised(35)], [revised(35)], history.slice(60, 90),
  ];
  const rules: AlertRuleInput[] = [
    { id: 'above', symbol: 'BTC-USD', timeframe: '1m', condition: { type: 'price_threshold', op: 'above', level: 104 }, trigger: { mode: 'once_per_bar' } },
    { id: 'cross', symbol: 'BTC-USD', timeframe: '1m', condition: { type: 'price_cross', direction: 'up', level: 101 } },
    { id: 'rsi', symbol: 'BTC-USD', timeframe: '1m', condition: { type: 'indicator_threshold', series: { indicator: 'RSI', output: 'rsi' }, op: 'below', value: 45 }, trigger: { mode: 'once' } },
  ];
  const clock = (): number => NOW;
  const makers: Record<string, (state: StateStore, stateCacheSize?: number) => Hono> = {
    validate: (state, size) => createValidateApp({ state, clock, config: size === undefined ? {} : { stateCacheSize: size } }),
    enrich: (state, size) => createEnrichApp({ state, clock, config: size === undefined ? {} : { stateCacheSize: size } }),
    indicators: (state, size) => createIndicatorsApp({ state, clock, config: size === undefined ? {} : { stateCacheSize: size } }),
    alerts: (state, size) => createAlertsApp({ state, clock, rules: staticRules(rules), config: size === undefined ? {} : { stateCacheSize: size } }),
    signals: (state, size) => createSignalsApp({ state, clock, config: size === undefined ? {} : { stateCacheSize: size } }),
  };
  /** The batches with indicators on them, as alerts and signals receive them. */
  async function withIndicators(): Promise<OhlcvMessage[][]> {
    const app = createIndicatorsApp({ state: new MemoryStateStore(), clock });
    const out: OhlcvMessage[][] = [];
    for (const b of batches) out.push(((await answers(app, b)) as Array<{ ok: boolean; message: OhlcvMessage }>).map((a) => a.message));
    return out;
  }

  for (const [name, make] of Object.entries(makers)) {
    it(`${name}: alone, and as two replicas taking turns on one store`, async () => {
      const input = name === 'alerts' || name === 'signals' ? await withIndicators() : batches;
      const cached = make(new MemoryStateStore());
      const decoded = make(new MemoryStateStore(), 0);
      const shared = new MemoryStateStore();
      const replicas = [make(shared), make(shared)];
      const all: unknown[] = [];
      for (const [i, b] of input.entries()) {
        const expected = await answers(decoded, b);
        all.push(expected);
        expect(await answers(cached, b)).toEqual(expected);
        // Two batches each: a replica's kept state is stale whenever the other wrote in between.
        expect(await answers(replicas[Math.floor(i / 2) % 2] as Hono, b)).toEqual(expected);
      }
      // The batches did exercise the function: something was produced and something refused or emitted.
      expect(JSON.stringify(all)).toMatch(name === 'validate' ? /DUPLICATE/ : name === 'alerts' ? /"ruleId":"cross"/ : name === 'signals' ? /"kind":"signal"/ : /"ok":true/);
    });
  }
});
