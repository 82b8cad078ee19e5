import { Hono } from 'hono';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createValidateApp } from '../functions/validate/app.ts';
import { MemoryStateStore } from '../functions/lib/state/index.ts';
import type { OhlcvMessage } from '../schemas/ohlcv.ts';
import { listen } from './lib/listen.ts';

/**
 * Candles/s through validate over HTTP (Node server, keep-alive, 1,000-candle batches) beside a do-nothing Hono handler
 * that parses and re-serialises the same body, measured in the same run. Target: validate at least half the baseline.
 * The load generator runs in a worker thread so the client's JSON work does not share the server's event loop.
 */

const BATCH = 1_000;
const SERIES = 10;
const WARMUP_BATCHES = 20;
const MEASURED_BATCHES = 150;
const ROUNDS = 3;

/** Consecutive 1m candles for SERIES symbols, interleaved as a Connect batch would carry them, ending a minute ago. */
function batches(count: number): string[] {
  const perSeries = BATCH / SERIES;
  const last = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const first = last - (count * perSeries - 1) * 60_000;
  const out: string[] = [];
  for (let b = 0; b < count; b++) {
    const batch: OhlcvMessage[] = [];
    for (let i = 0; i < perSeries; i++) {
      const timestamp = first + (b * perSeries + i) * 60_000;
      for (let s = 0; s < SERIES; s++) {
        const close = 100 + s + Math.sin((b * perSeries + i) / 17);
        batch.push({
          schemaVersion: 1, source: 'simulator', exchange: 'cccagg', symbol: `B${s}-USD`, timeframe: '1m', timestamp,
          open: close - 0.1, high: close + 0.2, low: close - 0.3, close, volume: 5 + s, quoteVolume: (5 + s) * close, trades: null,
          state: 'closed', revision: 0, receivedAt: timestamp + 61_000, transport: 'websocket', conversion: { type: 'direct', symbol: '' },
          quality: { flags: [], level: 'high' },
        });
      }
    }
    out.push(JSON.stringify(batch));
  }
  return out;
}

const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { url, bodies, inFlight } = workerData;
  let next = 0;
  const t0 = performance.now();
  async function lane() {
    while (next < bodies.length) {
      const body = bodies[next++];
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await res.text();
      if (res.status !== 200) throw new Error('HTTP ' + res.status + ': ' + text.slice(0, 200));
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane));
  parentPort.postMessage(performance.now() - t0);
})().catch((e) => { parentPort.postMessage({ error: String(e) }); });
`;

function drive(url: string, bodies: string[], inFlight: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(CLIENT, { eval: true, workerData: { url, bodies, inFlight } });
    worker.once('message', (m: number | { error: string }) => {
      void worker.terminate();
      if (typeof m === 'number') resolve(m);
      else reject(new Error(m.error));
    });
    worker.once('error', reject);
  });
}

export default async function run(): Promise<void> {
  const baselineApp = new Hono().post('/', async (c) => c.json(await c.req.json()));
  const baseline = await listen(baselineApp);
  const validate = await listen(createValidateApp({ state: new MemoryStateStore() }));
  const bodies = batches(WARMUP_BATCHES + ROUNDS * MEASURED_BATCHES * 2);
  let cursor = 0;
  const take = (n: number) => bodies.slice(cursor, (cursor += n));

  // Warm both servers (JIT, keep-alive pools, validate's per-series state).
  await drive(baseline.url, bodies.slice(0, WARMUP_BATCHES), 1);
  await drive(validate.url, take(WARMUP_BATCHES), 1);

  console.log(`bench functions: ${BATCH}-candle batches, ${SERIES} series, Node ${process.version}, ${MEASURED_BATCHES} batches per round, median of ${ROUNDS}`);
  for (const inFlight of [1, 4]) {
    const base: number[] = [];
    const subject: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const chunk = take(MEASURED_BATCHES);
      base.push((chunk.length * BATCH) / ((await drive(baseline.url, chunk, inFlight)) / 1000));
      subject.push((chunk.length * BATCH) / ((await drive(validate.url, chunk, inFlight)) / 1000));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const b = median(base);
    const s = median(subject);
    console.log(`  in-flight ${inFlight}: baseline (parse + re-serialise) ${Math.round(b).toLocaleString('en-US')} candles/s | validate ${Math.round(s).toLocaleString('en-US')} candles/s | ratio ${(s / b).toFixed(2)} (target >= 0.50) ${s / b >= 0.5 ? 'OK' : 'BELOW TARGET'}`);
  }
  await baseline.close();
  await validate.close();

  // The indicator ns/candle part belongs to bench/indicators.ts (the indicators library's bench), run here when present.
  const indicators = fileURLToPath(new URL('./indicators.ts', import.meta.url));
  if (existsSync(indicators)) {
    const mod = (await import(pathToFileURL(indicators).href)) as { default?: (args: string[]) => unknown };
    if (typeof mod.default === 'function') await mod.default([]);
  }
}
