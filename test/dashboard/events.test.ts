import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardApp } from '../../functions/dashboard/app.ts';
import { createEventHub } from '../../functions/dashboard/hub.ts';

const hub = createEventHub();
let server: ServerType;
let url = '';
let subscribers = 0;

beforeAll(async () => {
  const app = createDashboardApp({
    read: { candles: () => Promise.reject(new Error('not used')) },
    subscribe: (filter, onEvent) => {
      subscribers++;
      const off = hub.subscribe(filter, onEvent);
      return () => {
        subscribers--;
        off();
      };
    },
    health: () => Promise.reject(new Error('not used')),
    chartLibrary: () => Promise.resolve(''),
    exchange: 'cccagg',
    symbols: ['BTC-USD'],
    heartbeatMs: 50,
    healthEveryMs: 3_600_000,
    clientBuffer: 3,
  });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      url = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('/events (SSE)', () => {
  it('sends heartbeat comments, filters by symbol, bounds the per-client buffer and unsubscribes on disconnect', async () => {
    const res = await fetch(`${url}/events?symbols=BTC-USD`);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const body = res.body!;
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes(': connected')) text += decoder.decode((await reader.read()).value, { stream: true });
    // Ten events in one tick for a client whose buffer holds three: the oldest seven are dropped and reported.
    for (let i = 0; i < 10; i++) hub.publish({ type: 'candle', data: { symbol: 'BTC-USD', timeframe: '1m', n: i } });
    hub.publish({ type: 'candle', data: { symbol: 'ETH-USD', timeframe: '1m', n: 99 } });
    while (!(text.includes('"n":9') && text.includes(': heartbeat'))) text += decoder.decode((await reader.read()).value, { stream: true });
    await reader.cancel();
    expect(text).toContain('event: dropped\ndata: 7\n');
    const candles = [...text.matchAll(/event: candle\ndata: (.*)\n/g)].map((m) => (JSON.parse(m[1]!) as { n: number }).n);
    expect(candles).toEqual([7, 8, 9]);
    expect(text).not.toContain('ETH-USD');
    // The server notices the disconnect and drops the subscription.
    while (subscribers > 0) await new Promise((r) => setTimeout(r, 20));
    expect(subscribers).toBe(0);
  });
});
