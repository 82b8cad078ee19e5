/**
 * Runs the embedded engines off the main thread, so the Connect runner, the functions and kafkajs keep the event loop:
 * the broker (fsync, record encoding) and PGlite (WASM that blocks its thread for a whole INSERT) each get a worker
 * thread and serve their wire protocol from there. chDB stays in the caller's process (its queries already run off the
 * event loop, and native addons are not guaranteed to load in a second thread).
 *
 * Use: start these first, then hand their addresses to bootPlatform as KAFKA_BROKERS / TIMESCALE_URL / CLICKHOUSE_URL.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { BatchFunctionName } from '../../functions/lib/batch/names.ts';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { startClickHouse, type ClickHouseEngine } from '../engines/clickhouse/index.ts';

export interface EngineWorkersOptions {
  dataDir: string;
  host?: string;
  /** TimescaleDB policy jobs, as bootPlatform runs them (ms; 0 = never). */
  timescaleJobIntervalMs?: number;
  /** Engine log lines (the broker's); dropped by default. */
  log?: (line: string) => void;
}

export interface EngineWorkers {
  kafkaBrokers: string;
  timescaleUrl: string;
  clickhouseUrl: string;
  /** What runs where (no secrets). */
  describe(): string[];
  stop(): Promise<void>;
}

/** A message from an engine worker: ready (with its address), a log line, stopped, or a start failure. */
export type EngineWorkerMessage = { type: 'ready'; address: string } | { type: 'log'; line: string } | { type: 'stopped' } | { type: 'error'; message: string };

export type EngineKind = 'broker' | 'timescale';

/** Per pipeline file: messages its input received, and per `*_fn` processor the batches it sent (one POST each). */
import type { StageCounts } from './stage-counts.ts';
import { workerSource } from './worker-source.ts';

export type { StageCounts };

export interface FunctionsWorkerData {
  host: string;
  /** The functions this worker serves; default every batch function. */
  names?: BatchFunctionName[];
}

export interface PipelineWorkerData {
  files: string[];
  env: Record<string, string | undefined>;
  logLevel: string;
}

/** Event-loop delay of the pipelines' thread since the previous report. */
export interface LoopDelay { p50: number; p99: number; max: number }

export type PipelineWorkerMessage = EngineWorkerMessage | { type: 'counts'; counts: StageCounts; loopDelayMs: LoopDelay };

export interface EngineWorkerData {
  kind: EngineKind;
  dataDir: string;
  host: string;
  jobIntervalMs: number;
}

interface RunningWorker {
  address: string;
  stop(): Promise<void>;
}

/** Worker threads started here, by what each runs, with the kernel's thread id once the worker reported it. */
const running = new Map<Worker, { what: string; tid?: number }>();
const CLOCK_TICKS_PER_MS = 100 / 1000;

/** CPU time (user + system, ms) the kernel charged to thread `tid` of this process; undefined off Linux. */
function threadCpuMs(tid: number): number | undefined {
  try {
    // Fields after the parenthesised name: state is 3rd, utime 14th and stime 15th of the whole line.
    const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_MS;
  } catch {
    return undefined;
  }
}

/**
 * CPU time so far (ms) of this thread and of every worker thread started here, by what each runs, and of the rest of
 * the process: `native` for threads that name themselves (chDB's pools and merges), `v8+libuv` for the unnamed rest
 * (V8's garbage-collection and compiler helpers, libuv's pool). The bench's per-thread cost; Linux only (else {}).
 */
export function threadCpuTimes(): Record<string, number> {
  const main = threadCpuMs(process.pid);
  if (main === undefined) return {};
  const out: Record<string, number> = { main };
  const known = new Set([process.pid]);
  for (const { what, tid } of running.values()) {
    if (tid === undefined) continue;
    known.add(tid);
    out[what] = (out[what] ?? 0) + (threadCpuMs(tid) ?? 0);
  }
  for (const entry of readdirSync('/proc/self/task')) {
    const tid = Number(entry);
    if (known.has(tid)) continue;
    const ms = threadCpuMs(tid);
    let comm: string;
    try {
      comm = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue; // ended meanwhile
    }
    const key = comm === 'node' ? 'v8+libuv' : 'native';
    out[key] = (out[key] ?? 0) + (ms ?? 0);
  }
  return out;
}

/** Starts a worker thread on `file` (a sibling module) and resolves once it reported ready. */
function startWorker(file: string, what: string, data: unknown, log: (line: string) => void, onMessage: (m: PipelineWorkerMessage) => void = () => {}): Promise<{ worker: Worker; address: string; stop(): Promise<void> }> {
  // The worker sees this process's environment as it is now (ALERT_RULES_FILE, TIMESCALE_URL).
  // The worker first tells its kernel thread id (so its CPU time can be read), then loads its module.
  const bootstrap = workerSource(new URL(file, import.meta.url).href, "try { require('node:worker_threads').parentPort.postMessage({ type: 'tid', tid: Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()) }); } catch {}");
  const worker = new Worker(bootstrap, { eval: true, workerData: data, env: { ...process.env } });
  const thread: { what: string; tid?: number } = { what };
  running.set(worker, thread);
  worker.once('exit', () => running.delete(worker));
  return new Promise((resolve, reject) => {
    let stopped: (() => void) | undefined;
    worker.on('message', (m: PipelineWorkerMessage | { type: 'tid'; tid: number }) => {
      if (m.type === 'tid') thread.tid = m.tid;
      else if (m.type === 'ready') {
        resolve({
          worker,
          address: m.address,
          // The worker stops its work itself (files closed, offsets committed); the thread is ended after that, or after 30 s regardless.
          stop: () => new Promise<void>((done) => {
            const timer = setTimeout(done, 30_000);
            stopped = () => {
              clearTimeout(timer);
              done();
            };
            worker.postMessage('stop');
          }).then(() => worker.terminate()).then(() => undefined),
        });
      } else if (m.type === 'log') log(m.line);
      else if (m.type === 'stopped') stopped?.();
      else if (m.type === 'error') reject(new Error(`${what} worker failed to start: ${m.message}`));
      else onMessage(m);
    });
    worker.once('error', (error) => reject(error));
    worker.once('exit', (code) => {
      stopped?.();
      reject(new Error(`${what} worker exited with ${code}`));
    });
  });
}

function startEngineWorker(data: EngineWorkerData, log: (line: string) => void): Promise<RunningWorker> {
  return startWorker('./engine-worker.ts', data.kind, data, log);
}

/** The embedded TimescaleDB alone in a worker thread, as `npm start` runs it: its queries do not share this thread's event loop or heap. */
export async function startTimescaleWorker(dataDir: string, host = '127.0.0.1'): Promise<{ url: string; stop(): Promise<void> }> {
  const w = await startEngineWorker({ kind: 'timescale', dataDir, host, jobIntervalMs: 0 }, () => {});
  return { url: w.address, stop: () => w.stop() };
}

/**
 * Serves batch functions from a worker thread (all, or `names`); resolves with the base URL (`${url}/fn/NAME/` per
 * function). Environment (ALERT_RULES_FILE, TIMESCALE_URL for the alert_rules table) is this process's, as the worker sees it.
 */
export async function startFunctionsWorker(host = '127.0.0.1', names?: BatchFunctionName[]): Promise<{ url: string; stop(): Promise<void> }> {
  const data: FunctionsWorkerData = names === undefined ? { host } : { host, names };
  const w = await startWorker('./functions-worker.ts', `fn:${names === undefined ? 'all' : names.join('+')}`, data, () => {});
  return { url: w.address, stop: () => w.stop() };
}

export interface PipelinesWorker {
  /** Counters of the pipelines in the worker (what the bench prints per stage). */
  counts(): Promise<StageCounts>;
  /** The worker's event-loop delay since the previous call of counts() or loopDelay(). */
  loopDelay(): Promise<LoopDelay>;
  stop(): Promise<void>;
}

/**
 * Runs connect/*.yaml pipelines in one worker thread with the given environment (what bootPlatform hands its own
 * pipelines: KAFKA_BROKERS, TIMESCALE_DSN, CLICKHOUSE_DSN, INGEST_ADDRESS, CONNECT_HTTP_ADDRESS, the *_URL of functions).
 */
export async function startPipelinesWorker(files: string[], env: Record<string, string | undefined>, logLevel = 'WARN'): Promise<PipelinesWorker> {
  const waiting: Array<(m: { counts: StageCounts; loopDelayMs: LoopDelay }) => void> = [];
  const w = await startWorker('./pipeline-worker.ts', files.map((f) => f.replace(/\.yaml$/, '')).join('+'), { files, env, logLevel } satisfies PipelineWorkerData, () => {}, (m) => {
    if (m.type === 'counts') waiting.shift()?.(m);
  });
  return {
    counts: () => new Promise((resolve) => {
      waiting.push((m) => resolve(m.counts));
      w.worker.postMessage('counts');
    }),
    loopDelay: () => new Promise((resolve) => {
      waiting.push((m) => resolve(m.loopDelayMs));
      w.worker.postMessage('counts');
    }),
    stop: () => w.stop(),
  };
}

/** Starts the broker and TimescaleDB in worker threads and chDB here; stop() stops them in reverse order. */
export async function startEngineWorkers(o: EngineWorkersOptions): Promise<EngineWorkers> {
  const host = o.host ?? '127.0.0.1';
  const log = o.log ?? (() => {});
  const stops: Array<() => Promise<void>> = [];
  try {
    const broker = await startEngineWorker({ kind: 'broker', dataDir: join(o.dataDir, 'broker'), host, jobIntervalMs: 0 }, log);
    stops.push(() => broker.stop());
    const timescale = await startEngineWorker({ kind: 'timescale', dataDir: join(o.dataDir, 'timescale'), host, jobIntervalMs: o.timescaleJobIntervalMs ?? 60_000 }, log);
    stops.push(() => timescale.stop());
    const ch: ClickHouseEngine = await startClickHouse({ port: 0, host, dataDir: join(o.dataDir, 'clickhouse') });
    stops.push(() => ch.stop());
    return {
      kafkaBrokers: broker.address,
      timescaleUrl: timescale.address,
      clickhouseUrl: ch.url,
      describe: () => [`kafka       ${broker.address} (embedded, worker thread)`, `timescale   ${timescale.address} (embedded, worker thread)`, `clickhouse  ${ch.url} (embedded)`],
      async stop() {
        for (const s of stops.reverse()) await s().catch((error: unknown) => log(`stopping an engine: ${(error as Error).message}`));
      },
    };
  } catch (error) {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    throw error;
  }
}
