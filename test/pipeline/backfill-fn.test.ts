import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackfillApp, requestedCandles } from '../../functions/backfill/app.ts';
import { createRestClient } from '../../functions/lib/cryptocompare/rest-client.ts';
import type { BackfillRequest } from '../../schemas/analytics-requests.ts';
import { manualClock } from '../../scripts/engines/simulator/clock.ts';
import { startSimulator, type RunningSimulator } from '../../scripts/engines/simulator/server.ts';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 3, symbols: ['BTC-USD'], clock: manualClock(NOW) });
});
afterAll(async () => {
  await sim?.stop();
});

const request = (over: Partial<BackfillRequest> = {}): BackfillRequest => ({
  kind: 'backfill', requestId: 'r1', exchange: 'cccagg', symbols: ['BTC-USD'], timeframe: '1m', from: NOW - 30 * 60_000, to: NOW - 60_000,
  reason: 'cli', requestedBy: 'test', requestedAt: NOW, ...over,
});

async function call(body: unknown[], maxCandles?: number): Promise<Array<Record<string, unknown>>> {
  const app = createBackfillApp({ client: createRestClient({ baseUrl: sim.restUrl }), source: 'simulator', clock: () => NOW, ...(maxCandles === undefined ? {} : { maxCandles }) });
  const res = await app.request('/', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as Array<Record<string, unknown>>;
}

describe('backfill function (BackfillRequest -> candles + progress, one answer per element)', () => {
  it('answers the range candle by candle over paged REST, then a done progress event', async () => {
    const [answer] = await call([request()]);
    const messages = answer?.messages as Array<{ timestamp?: number; kind?: string; candles?: number }>;
    expect(answer?.ok).toBe(true);
    const candles = messages.filter((m) => m.kind === undefined);
    expect(candles.map((c) => c.timestamp)).toEqual(Array.from({ length: 30 }, (_, i) => NOW - 30 * 60_000 + i * 60_000));
    expect(messages.at(-1)).toMatchObject({ kind: 'backfill_progress', requestId: 'r1', status: 'done', candles: 30 });
  });

  it('refuses oversized and malformed requests with reasons, keeping the other answers', async () => {
    expect(requestedCandles(request())).toBe(30);
    const answers = await call([request({ requestId: 'big' }), { kind: 'backfill' }], 10);
    expect(answers.map((a) => a.ok)).toEqual([false, false]);
    expect(answers.map((a) => (a.deadLetter as { reasonCode: string; stage: string }).reasonCode)).toEqual(['RANGE_TOO_LARGE', 'SCHEMA_INVALID']);
    expect((answers[0]?.deadLetter as { stage: string }).stage).toBe('backfill');
  });
});
