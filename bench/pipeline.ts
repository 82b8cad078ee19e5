/**
 * `npm run bench -- pipeline`: the platform's pipelines on the embedded engines, fed candles through the ingest endpoint
 * (what the ingestion worker does with the simulator's stream), measured two ways beside a raw kafkajs baseline:
 *  1. sustained throughput: BENCH_CANDLES candles POSTed as fast as the ingest pipeline acknowledges them, until both
 *     stores hold every one (candles/s end to end);
 *  2. latency at fixed rates (BENCH_RATES candles/s, each for BENCH_SECONDS): from a candle leaving the source to its alert
 *     on `alerts` (a rule fires on every closed candle), p50 / p99;
 * baseline: the highest rate's messages produced to and consumed from one topic with kafkajs, at that rate, in the same run.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { createClient } from '@clickhouse/client-web';
import kafkajs from '../scripts/lib/kafkajs.ts';
import pg from 'pg';
import type { OhlcvMessage } from '../schemas/ohlcv.ts';
import type { AlertsMessage } from '../schemas/alerts.ts';
import { BATCH_FUNCTIONS } from '../functions/lib/batch/names.ts';
import { bootPlatform, freePort } from '../scripts/lib/platform.ts';
import { stageCountsOf } from '../scripts/lib/stage-counts.ts';
import { startEngineWorkers, startFunctionsWorker, startPipelinesWorker, threadCpuTimes, type EngineWorkers, type PipelinesWorker, type StageCounts } from '../scripts/lib/platform-workers.ts';

const { Kafka, logLevel } = kafkajs;
const CANDLES = Number(process.env.BENCH_CANDLES ?? 20_000);
/** Rates measured in phase 2, lowest first (BENCH_RATE, one rate, is still read). */
const RATES = (process.env.BENCH_RATES ?? process.env.BENCH_RATE ?? '100,300,1000').split(',').map(Number).filter((r) => r > 0).sort((a, b) => a - b);
/** The baseline runs at the highest rate. */
const RATE = RATES[RATES.length - 1] ?? 1_000;
// Per hop: when each stage's producer stamped the candle onto its topic (record timestamp), relative to the send.
const HOPS = ['ohlcv-raw', 'ohlcv-validated', 'ohlcv-enriched'];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SERIES = 50;
const TIMESTAMP = /"timestamp":(\d+)/;
/**
 * `workers` (default): broker, PGlite, the batch functions and the Connect runner (every pipeline) each in a
 * worker thread (scripts/lib/platform-workers.ts), chDB and the rest of the platform on the main thread; `inprocess`: everything on one thread.
 */
const LAYOUT = process.env.BENCH_LAYOUT ?? 'workers';
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

type Platform = Awaited<ReturnType<typeof bootPlatform>>;

/** The counters of pipelines run by bootPlatform in this thread. */
function countsOf(platform: Platform): StageCounts {
  const registry = [...platform.streams.values()][0]?.metrics.registry;
  return registry === undefined ? {} : stageCountsOf(registry, platform.streams.keys());
}

/** Per stage: messages its input received, and function calls with their mean batch size (what `archive` sent per POST). */
function stageLines(counts: StageCounts, since: StageCounts = {}): string[] {
  return Object.entries(counts).map(([name, c]) => {
    const before = since[name];
    const calls = Object.entries(c.calls).map(([l, n]) => [l, n - (before?.calls[l] ?? 0)] as const);
    const first = calls[0]?.[1] ?? 0;
    const received = c.received - (before?.received ?? 0);
    const times = Object.entries(c.timings).map(([l, t]) => {
      const batches = t.batches - (before?.timings[l]?.batches ?? 0);
      return `${l} ${((t.ms - (before?.timings[l]?.ms ?? 0)) / Math.max(1, batches)).toFixed(1)}`;
    }).join(', ');
    return `    ${name.padEnd(24)} ${String(received).padStart(7)} msgs in${calls.length > 0 ? `, ${calls.map(([l, n]) => `${l}: ${n} calls`).join(', ')} (${(received / Math.max(1, first)).toFixed(1)} msgs/call)` : ''}${times === '' ? '' : `; mean ms per batch: ${times}`}`;
  });
}

function lagOf(h: IntervalHistogram): string {
  return `event-loop delay p50 ${(h.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(0)} ms`;
}

/** CPU ms per 1,000 candles of each thread between two threadCpuTimes() readings, busiest first. */
function threadLine(before: Record<string, number>, after: Record<string, number>, candles: number): string {
  return Object.entries(after)
    .map(([what, ms]) => [what, ((ms - (before[what] ?? 0)) / candles) * 1000] as const)
    .sort((a, b) => b[1] - a[1])
    .map(([what, ms]) => `${what} ${ms.toFixed(0)}`)
    .join(', ');
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Latency samples (ms) of one rate. */
interface Samples { latencies: number[]; toAlertsFn: number[]; alertStamps: number[]; hops: Map<string, number[]> }

const newSamples = (): Samples => ({ latencies: [], toAlertsFn: [], alertStamps: [], hops: new Map(HOPS.map((t) => [t, []])) });

interface RateResult {
  rate: number;
  candles: number;
  samples: Samples;
  cpu: string;
  stages: string[];
  loopLag: string;
  runnerLag: { p50: number; p99: number; max: number } | undefined;
}

const sorted = (v: readonly number[]): number[] => [...v].sort((a, b) => a - b);

export default async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-pipeline-'));
  const rules = join(dir, 'rules.json');
  await writeFile(rules, JSON.stringify(Array.from({ length: SERIES }, (_, s) => ({ id: `all-${s}`, symbol: symbolOf(s), timeframe: '1m', condition: { type: 'price_threshold', op: 'above', level: 0.0001 } }))));
  process.env.ALERT_RULES_FILE = rules;
  await mkdir(join(dir, 'data'), { recursive: true });
  let engines: EngineWorkers | undefined;
  if (LAYOUT === 'workers') {
    console.error('starting the broker and TimescaleDB in worker threads, chDB here…');
    engines = await startEngineWorkers({ dataDir: join(dir, 'engines') });
  }
  const enginesEnv = { KAFKA_BROKERS: engines?.kafkaBrokers ?? '', TIMESCALE_URL: engines?.timescaleUrl ?? '', CLICKHOUSE_URL: engines?.clickhouseUrl ?? '' };
  const platform = await bootPlatform({ dataDir: join(dir, 'data'), port: 0, pipelines: engines ? [] : PIPELINES, ingest: false, env: { ...process.env, ...enginesEnv, CRYPTOCOMPARE_API_KEY: '' }, progress: (l) => console.error(l) });
  let runners: PipelinesWorker[] = [];
  let functions: Array<{ names: readonly string[]; url: string; stop(): Promise<void> }> = [];
  let ingestUrl = platform.ingestUrl;
  if (engines !== undefined) {
    console.error('starting the functions and the pipelines in worker threads…');
    // Like bootPlatform's alerts function: rules from the file and from the alert_rules table.
    // BENCH_ALERT_RULES_TABLE=0 leaves the table out (rules from the file only), to see what reading it costs.
    if (process.env.BENCH_ALERT_RULES_TABLE !== '0') process.env.TIMESCALE_URL = engines.timescaleUrl;
    // Each function in a worker thread of its own, as each is its own deployment in production (BENCH_FUNCTION_THREADS=one:
    // one thread serving them all), so a cheap call (validate) never queues behind an expensive one (indicators).
    const called = BATCH_FUNCTIONS.filter((n) => n !== 'signals'); // signals.yaml is not among the benched pipelines
    const functionGroups = process.env.BENCH_FUNCTION_THREADS === 'one' ? [called] : called.map((n) => [n]);
    functions = await Promise.all(functionGroups.map(async (names) => ({ names, ...(await startFunctionsWorker('127.0.0.1', names)) })));
    delete process.env.TIMESCALE_URL;
    const functionUrl = (name: string): string => functions.find((f) => f.names.includes(name))?.url ?? platform.url;
    const ingestAddress = `127.0.0.1:${await freePort()}`;
    ingestUrl = `http://${ingestAddress}/ingest`;
    const connectEnv = {
      ...process.env, KAFKA_BROKERS: engines.kafkaBrokers, TIMESCALE_DSN: engines.timescaleUrl, CLICKHOUSE_DSN: engines.clickhouseUrl,
      INGEST_ADDRESS: ingestAddress, SYMBOLS: platform.symbols.join(','), EXCHANGE: platform.exchange,
      ...Object.fromEntries([...BATCH_FUNCTIONS, 'backfill'].map((n) => [`${n.toUpperCase()}_URL`, `${functionUrl(n)}/fn/${n}/`])),
    };
    // Every pipeline gets a runner thread of its own, as every Connect pipeline is its own process in production
    // (BENCH_PIPELINE_THREADS=one: one runner thread for every pipeline), so the store writes of the sinks never hold
    // up the stages on the way to `alerts`.
    const groups = process.env.BENCH_PIPELINE_THREADS === 'one' ? [PIPELINES] : PIPELINES.map((f) => [f]);
    runners = await Promise.all(groups.map(async (files) => startPipelinesWorker(files, { ...connectEnv, CONNECT_HTTP_ADDRESS: `127.0.0.1:${await freePort()}` })));
  }
  const counts = async (): Promise<StageCounts> => (runners.length > 0 ? Object.assign({}, ...(await Promise.all(runners.map((r) => r.counts())))) as StageCounts : countsOf(platform));
  const sql = new pg.Client({ connectionString: platform.timescaleUrl });
  await sql.connect();
  const ch = createClient({ url: platform.clickhouseUrl });
  const kafka = new Kafka({ clientId: 'bench-pipeline', brokers: [platform.kafkaBrokers], logLevel: logLevel.NOTHING });
  const post = async (batch: OhlcvMessage[]): Promise<void> => {
    const res = await fetch(ingestUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(batch) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`ingest answered ${res.status}`);
  };
  const perSeries = Math.ceil(CANDLES / SERIES);
  const latencyCandles = RATES.map((rate) => Math.ceil((rate * SECONDS) / SERIES));
  const start = Math.floor((Date.now() - (perSeries + latencyCandles.reduce((a, b) => a + b, 0) + 10) * 60_000) / 60_000) * 60_000;
  try {
    // 1. Throughput into both stores. BENCH_CPU_PROFILE=FILE profiles this thread over phases 1 and 2.
    const profiler = process.env.BENCH_CPU_PROFILE ? new Session() : undefined;
    if (profiler !== undefined) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const lag1 = monitorEventLoopDelay({ resolution: 10 });
    lag1.enable();
    const cpu0 = process.cpuUsage();
    const active0 = threadCpuTimes();
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
    lag1.disable();
    const cpu = process.cpuUsage(cpu0);
    const active1 = threadCpuTimes();
    const throughputStages = stageLines(await counts());

    // The alerts stage may still be working through phase 1: phase 2 measures latency, not that backlog.
    const drainUntil = Date.now() + 180_000;
    while (((await counts())['alerts.yaml']?.received ?? total) < total && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 100));

    // 2. Latency at fixed rates, lowest first: candle leaves the source -> its alert on `alerts`.
    const sentAt = new Map<string, number>();
    const sentWallAt = new Map<string, number>();
    /** What the consumers below record for the rate being measured. */
    let current = newSamples();
    const consumer = kafka.consumer({ groupId: `bench-alerts-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: 'alerts', fromBeginning: false });
    const hopConsumer = kafka.consumer({ groupId: `bench-hops-${Date.now()}` });
    await hopConsumer.connect();
    for (const topic of HOPS) await hopConsumer.subscribe({ topic, fromBeginning: false });
    // The key is exchange:symbol and the timestamp is read with a pattern: parsing every candle on three topics here
    // would take CPU from the pipeline being measured.
    void hopConsumer.run({ eachMessage: async ({ topic, message }) => {
      const symbol = message.key?.toString().split(':')[1];
      const timestamp = TIMESTAMP.exec(message.value?.toString() ?? '')?.[1];
      const sent = sentWallAt.get(`${symbol}:${timestamp}`);
      if (sent !== undefined) current.hops.get(topic)?.push(Number(message.timestamp) - sent);
    } });
    let seen = 0;
    let awaited = { count: 0, release: () => {} };
    void consumer.run({ eachMessage: async ({ message }) => {
      const e = JSON.parse(message.value?.toString() ?? '{}') as AlertsMessage;
      if (e.kind !== 'alert') return;
      const t = sentAt.get(`${e.symbol}:${e.at}`);
      if (t === undefined) return;
      current.latencies.push(performance.now() - t);
      const sentWall = sentWallAt.get(`${e.symbol}:${e.at}`);
      if (sentWall !== undefined) {
        current.alertStamps.push(Number(message.timestamp) - sentWall);
        current.toAlertsFn.push(e.emittedAt - sentWall);
      }
      if (++seen >= awaited.count) awaited.release();
    } });
    await new Promise((r) => setTimeout(r, 3000)); // let the consumers join before producing
    const tickMs = 100;
    const atRates: RateResult[] = [];
    let next = perSeries;
    for (const [k, rate] of RATES.entries()) {
      current = newSamples();
      const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
      const all: OhlcvMessage[] = [];
      for (let n = next; n < next + (latencyCandles[k] as number); n++) for (let s = 0; s < SERIES; s++) all.push(candle(s, n, start, 0));
      next += latencyCandles[k] as number;
      const allSeen = new Promise<void>((release) => {
        awaited = { count: seen + all.length, release };
      });
      const lag2 = monitorEventLoopDelay({ resolution: 10 });
      lag2.enable();
      await Promise.all(runners.map((r) => r.loopDelay())); // resets the runner threads' histograms
      const counts2 = await counts();
      const active2 = threadCpuTimes();
      const t1 = performance.now();
      const sends: Array<Promise<void>> = [];
      for (let i = 0, tick = 0; i < all.length; i += perTick, tick++) {
        const wait = t1 + tick * tickMs - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const slice = all.slice(i, i + perTick).map((c) => ({ ...c, receivedAt: Date.now() }));
        for (const c of slice) {
          sentAt.set(`${c.symbol}:${c.timestamp}`, performance.now());
          sentWallAt.set(`${c.symbol}:${c.timestamp}`, Date.now());
        }
        sends.push(post(slice));
      }
      await Promise.all(sends);
      await allSeen;
      lag2.disable();
      const active3 = threadCpuTimes();
      const runnerLags = await Promise.all(runners.map((r) => r.loopDelay()));
      // After the loop delays: reading the counts resets the runner threads' histograms.
      const stages = stageLines(await counts(), counts2);
      atRates.push({
        rate, candles: all.length, samples: current, cpu: threadLine(active2, active3, all.length), stages, loopLag: lagOf(lag2),
        runnerLag: runnerLags.length === 0 ? undefined : runnerLags.reduce((a, b) => (b.p99 > a.p99 ? b : a)),
      });
    }
    if (profiler !== undefined) {
      const { profile } = await profiler.post('Profiler.stop');
      await writeFile(process.env.BENCH_CPU_PROFILE as string, JSON.stringify(profile));
      profiler.disconnect();
    }
    await consumer.disconnect();
    await hopConsumer.disconnect();

    // Baseline: the highest rate's number of candles through one topic with kafkajs, at that rate.
    const perTick = Math.max(1, Math.round((RATE * tickMs) / 1000));
    const all: OhlcvMessage[] = [];
    for (let n = 0; n < (latencyCandles[latencyCandles.length - 1] ?? 0); n++) for (let s = 0; s < SERIES; s++) all.push(candle(s, n, start, 0));
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

    console.log(`pipeline bench (${SERIES} series, embedded engines${engines ? `: broker, PGlite, functions and ${runners.length === 1 ? 'one Connect runner thread for every pipeline' : 'a Connect runner thread per pipeline'} in worker threads` : ', one thread'}, local Connect runner)`);
    console.log(`  throughput into both stores : ${(total / seconds).toFixed(0)} candles/s (${total} candles in ${seconds.toFixed(1)} s: ingest -> validate -> sinks)`);
    // CPU time per candle is the figure that survives a busy machine (wall-clock rates do not).
    console.log(`    process CPU ${((cpu.user + cpu.system) / 1000 / total * 1000).toFixed(0)} ms per 1,000 candles (${((cpu.user + cpu.system) / 1e6 / seconds * 100).toFixed(0)}% of one core over the phase)`);
    console.log(`    CPU ms per 1,000 candles by thread: ${threadLine(active0, active1, total)}`);
    console.log(`    ${lagOf(lag1)}; per stage (cumulative after phase 1):`);
    for (const l of throughputStages) console.log(l);
    for (const [k, r] of atRates.entries()) {
      const latencies = sorted(r.samples.latencies);
      const toAlertsFn = sorted(r.samples.toAlertsFn);
      console.log(`  candle -> alert at ${String(r.rate).padStart(4)}/s   : p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms (${latencies.length} of ${r.candles} alerts; ingest -> validate -> enrich -> indicators -> alerts)`);
      console.log(`    CPU ms per 1,000 candles by thread: ${r.cpu}`);
      // The stage table of the highest rate only: the lower rates differ in batch sizes, which their CPU line shows.
      if (k === atRates.length - 1) {
        console.log('    per stage during this rate:');
        for (const l of r.stages) console.log(l);
      }
      if (r.runnerLag !== undefined) console.log(`    busiest Connect runner thread event-loop delay p50 ${r.runnerLag.p50.toFixed(1)} ms, p99 ${r.runnerLag.p99.toFixed(1)} ms, max ${r.runnerLag.max.toFixed(0)} ms`);
      const hopLine = [...r.samples.hops, ['alerts', r.samples.alertStamps] as const].map(([t, v]) => {
        const s = sorted(v);
        return `${t} p50 ${percentile(s, 50).toFixed(0)} / p99 ${percentile(s, 99).toFixed(0)} ms`;
      });
      console.log(`    candle on each topic (record timestamp - send): ${hopLine.join(', ')}`);
      console.log(`    of which candle -> alerts function: p50 ${percentile(toAlertsFn, 50).toFixed(0)} ms, p99 ${percentile(toAlertsFn, 99).toFixed(0)} ms; ${r.loopLag}`);
    }
    console.log(`  baseline kafkajs produce->consume at ${RATE}/s: p50 ${percentile(base, 50).toFixed(1)} ms, p99 ${percentile(base, 99).toFixed(1)} ms (${base.length} messages)`);
  } finally {
    await sql.end();
    await ch.close();
    for (const r of runners) await r.stop();
    for (const f of functions) await f.stop();
    await platform.stop();
    await engines?.stop();
    console.error('engines stopped');
    setTimeout(() => console.error(`still alive: ${process.getActiveResourcesInfo().join(', ')}`), 3000).unref();
    delete process.env.ALERT_RULES_FILE;
    await rm(dir, { recursive: true, force: true });
  }
}
