/**
 * `npm run bench -- pipeline`: the platform's pipelines on the embedded engines, fed candles through the ingest endpoint
 * (what the ingestion worker does with the simulator's stream), measured two ways beside a raw kafkajs baseline:
 *  1. sustained throughput: BENCH_CANDLES candles POSTed as fast as the ingest pipeline acknowledges them, until both
 *     stores hold every one (candles/s end to end);
 *  2. latency at a fixed rate (BENCH_RATE candles/s for BENCH_SECONDS): from a candle leaving the source to its alert
 *     on `alerts` (a rule fires on every closed candle), p50 / p99;
 * baseline: the same messages produced to and consumed from one topic with kafkajs, at the same rate, in the same run.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client-web';
import kafkajs from 'kafkajs';
import pg from 'pg';
import type { OhlcvMessage } from '../schemas/ohlcv.ts';
import type { AlertsMessage } from '../schemas/alerts.ts';
import { bootPlatform } from '../scripts/lib/platform.ts';

const { Kafka, logLevel } = kafkajs;
const CANDLES = Number(process.env.BENCH_CANDLES ?? 20_000);
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SERIES = 50;
const BATCH = 500;
const PIPELINES = ['ingest.yaml', 'validate.yaml', 'enrich-indicators.yaml', 'alerts.yaml', 'sink-timescale.yaml', 'sink-clickhouse.yaml'];

const symbolOf = (i: number): string => `B${String.fromCharCode(65 + Math.floor(i / 26) % 26)}${String.fromCharCode(65 + (i % 26))}-USD`;

/** Candle `n` of series `s`: a gentle deterministic walk, minute buckets ending well before now. */
function candle(s: number, n: number, start: number, at: number): OhlcvMessage {
  const price = 100 + s + Math.sin(n / 10);
  return {
    schemaVersion: 1, source: 'simulator', exchange: 'cccagg', symbol: symbolOf(s), timeframe: '1m', timestamp: start + n * 60_000,
    open: price, high: price + 0.5, low: price - 0.5, close: price + 0.1, volume: 10, quoteVolume: 10 * price, trades: null,
    state: 'closed', revision: 0, receivedAt: at, transport: 'websocket', conversion: { type: 'direct', symbol: 'USD' }, quality: { flags: [], level: 'high' },
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export default async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-pipeline-'));
  const rules = join(dir, 'rules.json');
  await writeFile(rules, JSON.stringify(Array.from({ length: SERIES }, (_, s) => ({ id: `all-${s}`, symbol: symbolOf(s), timeframe: '1m', condition: { type: 'price_threshold', op: 'above', level: 0.0001 } }))));
  process.env.ALERT_RULES_FILE = rules;
  const platform = await bootPlatform({ dataDir: join(dir, 'data'), port: 0, pipelines: PIPELINES, ingest: false, env: { ...process.env, KAFKA_BROKERS: '', TIMESCALE_URL: '', CLICKHOUSE_URL: '', CRYPTOCOMPARE_API_KEY: '' }, progress: (l) => console.error(l) });
  const sql = new pg.Client({ connectionString: platform.timescaleUrl });
  await sql.connect();
  const ch = createClient({ url: platform.clickhouseUrl });
  const kafka = new Kafka({ clientId: 'bench-pipeline', brokers: [platform.kafkaBrokers], logLevel: logLevel.NOTHING });
  const post = async (batch: OhlcvMessage[]): Promise<void> => {
    const res = await fetch(platform.ingestUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(batch) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`ingest answered ${res.status}`);
  };
  const perSeries = Math.ceil(CANDLES / SERIES);
  const latencyCandles = Math.ceil((RATE * SECONDS) / SERIES);
  const start = Math.floor((Date.now() - (perSeries + latencyCandles + 10) * 60_000) / 60_000) * 60_000;
  try {
    // 1. Throughput into both stores.
    const t0 = performance.now();
    let batch: OhlcvMessage[] = [];
    for (let n = 0; n < perSeries; n++) {
      for (let s = 0; s < SERIES; s++) {
        batch.push(candle(s, n, start, Date.now()));
        if (batch.length === BATCH) {
          await post(batch);
          batch = [];
        }
      }
    }
    if (batch.length > 0) await post(batch);
    const total = perSeries * SERIES;
    for (;;) {
      const a = Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM ohlcv')).rows[0]?.n);
      const b = Number(((await (await ch.query({ query: 'SELECT count() AS n FROM ohlcv', format: 'JSONEachRow' })).json<{ n: string }>())[0])?.n);
      if (a >= total && b >= total) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - t0) / 1000;

    // 2. Latency at a fixed rate: candle leaves the source -> its alert on `alerts`.
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    const consumer = kafka.consumer({ groupId: `bench-alerts-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: 'alerts', fromBeginning: false });
    let seen = 0;
    const expected = latencyCandles * SERIES;
    const allSeen = new Promise<void>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => {
        const e = JSON.parse(message.value?.toString() ?? '{}') as AlertsMessage;
        if (e.kind !== 'alert') return;
        const t = sentAt.get(`${e.symbol}:${e.at}`);
        if (t === undefined) return;
        latencies.push(performance.now() - t);
        if (++seen >= expected) resolve();
      } });
    });
    await new Promise((r) => setTimeout(r, 3000)); // let the consumer join before producing
    const tickMs = 100;
    const perTick = Math.max(1, Math.round((RATE * tickMs) / 1000));
    const all: OhlcvMessage[] = [];
    for (let n = perSeries; n < perSeries + latencyCandles; n++) for (let s = 0; s < SERIES; s++) all.push(candle(s, n, start, 0));
    const t1 = performance.now();
    const sends: Array<Promise<void>> = [];
    for (let i = 0, tick = 0; i < all.length; i += perTick, tick++) {
      const wait = t1 + tick * tickMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const slice = all.slice(i, i + perTick).map((c) => ({ ...c, receivedAt: Date.now() }));
      for (const c of slice) sentAt.set(`${c.symbol}:${c.timestamp}`, performance.now());
      sends.push(post(slice));
    }
    await Promise.all(sends);
    await allSeen;
    await consumer.disconnect();
    latencies.sort((a, b) => a - b);

    // Baseline: the same candles through one topic with kafkajs, same rate.
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'bench-baseline', numPartitions: 6 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const bConsumer = kafka.consumer({ groupId: `bench-baseline-${Date.now()}` });
    await bConsumer.connect();
    await bConsumer.subscribe({ topic: 'bench-baseline', fromBeginning: true });
    const base: number[] = [];
    const baseSent = new Map<string, number>();
    const baseDone = new Promise<void>((resolve) => {
      void bConsumer.run({ eachMessage: async ({ message }) => {
        const t = baseSent.get(message.key?.toString() ?? '');
        if (t !== undefined) base.push(performance.now() - t);
        if (base.length >= all.length) resolve();
      } });
    });
    await new Promise((r) => setTimeout(r, 3000));
    const t2 = performance.now();
    for (let i = 0, tick = 0; i < all.length; i += perTick, tick++) {
      const wait = t2 + tick * tickMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const slice = all.slice(i, i + perTick);
      for (const c of slice) baseSent.set(`${c.symbol}:${c.timestamp}`, performance.now());
      await producer.send({ topic: 'bench-baseline', messages: slice.map((c) => ({ key: `${c.symbol}:${c.timestamp}`, value: JSON.stringify(c) })) });
    }
    await baseDone;
    await producer.disconnect();
    await bConsumer.disconnect();
    base.sort((a, b) => a - b);

    console.log(`pipeline bench (${SERIES} series, embedded engines, local Connect runner)`);
    console.log(`  throughput into both stores : ${(total / seconds).toFixed(0)} candles/s (${total} candles in ${seconds.toFixed(1)} s: ingest -> validate -> sinks)`);
    console.log(`  candle -> alert at ${RATE}/s    : p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms (${latencies.length} alerts; ingest -> validate -> enrich -> indicators -> alerts)`);
    console.log(`  baseline kafkajs produce->consume at ${RATE}/s: p50 ${percentile(base, 50).toFixed(1)} ms, p99 ${percentile(base, 99).toFixed(1)} ms (${base.length} messages)`);
  } finally {
    await sql.end();
    await ch.close();
    await platform.stop();
    delete process.env.ALERT_RULES_FILE;
    await rm(dir, { recursive: true, force: true });
  }
}
