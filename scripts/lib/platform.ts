import { createServer } from 'node:net';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createClient } from '@clickhouse/client-web';
import kafkajs from './kafkajs.ts';
import pg from 'pg';
import { redact } from '../../functions/lib/errors.ts';
import { BATCH_FUNCTIONS } from '../../functions/lib/batch/names.ts';
import { MemoryStateStore } from '../../functions/lib/state/index.ts';
import { createRestClient } from '../../functions/lib/cryptocompare/rest-client.ts';
import { createRateLimiter } from '../../functions/lib/cryptocompare/rate-limiter.ts';
import { platformMetrics, type PlatformMetrics } from '../../functions/lib/metrics/platform.ts';
import { metricsRoute } from '../../functions/lib/metrics/route.ts';
import type { MonitorThresholds } from '../../functions/lib/monitor/evaluate.ts';
import { createReadLayer } from '../../functions/lib/read/index.ts';
import { createPlatformKeyStore } from '../../functions/mcp/adapters/platform-stores.ts';
import { createBackfillApp } from '../../functions/backfill/app.ts';
import { startBroker, type BrokerHandle } from '../engines/broker/index.ts';
import { startTimescale, type TimescaleEngine } from '../engines/timescale/index.ts';
import { startClickHouse, type ClickHouseEngine } from '../engines/clickhouse/index.ts';
import { startSimulator, type RunningSimulator } from '../engines/simulator/server.ts';
import { acceleratedClock } from '../engines/simulator/clock.ts';
import { migrateClickHouse, migrateTimescale } from '../migrate.ts';
import { adminFor, applyTopics } from '../topics.ts';
import { loadConfigFile, formatLintError } from '../connect/config.ts';
import { HttpServers } from '../connect/server.ts';
import { Metrics } from '../connect/metrics.ts';
import { createLogger } from '../connect/logger.ts';
import { startStream, type RunningStream } from '../connect/stream.ts';
import { clickHouseConfig, openStores } from './stores.ts';
import { createNodeApp } from './function-apps.ts';
import { startIngestWorker, type IngestWorker } from '../ingest/worker.ts';
import type { MonitorRunner } from '../monitor/runner.ts';
import { startNodeDashboard } from './dashboard-node.ts';
import { ensureFirstAdminKey, startPlatformMcp } from './mcp-platform.ts';
import { gaugeRefresher, startPlatformMonitor, timedReadLayer } from './platform-observe.ts';

// kafkajs is CommonJS: Node's ESM loader only sees some of its named exports, so take them from the default export.
const { Kafka, logLevel } = kafkajs;

export const CONNECT_DIR = fileURLToPath(new URL('../../connect/', import.meta.url));

export interface PlatformOptions {
  dataDir: string;
  /** Port of the Hono server (functions, MCP, dashboard); 0 picks a free one. */
  port: number;
  host?: string;
  env?: Record<string, string | undefined>;
  /** Simulator seed and clock speed (simulated ms per wall ms). */
  seed?: number;
  simulatorSpeed?: number;
  /**
   * Simulated time at start (epoch ms). Default: far enough back that the accelerated clock stays behind the wall clock
   * for an hour (validate refuses candles from the future), at most six days (min-api keeps seven days of minutes);
   * on a restart, where the previous run's simulated clock stopped.
   */
  simulatorStart?: number;
  /** Pipelines to run (file names in connect/); default all. */
  pipelines?: string[];
  /** Start the ingestion worker (default true). */
  ingest?: boolean;
  ingestBatchPeriodMs?: number;
  /** Connect runner log level (default WARN). */
  connectLogLevel?: string;
  progress?: (line: string) => void;
  /** Engine log lines (the broker's); dropped by default. */
  engineLog?: (line: string) => void;
  /** Monitor evaluation interval (default 15 s; 0 = only on platform.monitor.tick()) and thresholds. */
  monitorIntervalMs?: number;
  monitorThresholds?: MonitorThresholds;
}

export interface Platform {
  url: string;
  kafkaBrokers: string;
  timescaleUrl: string;
  clickhouseUrl: string;
  /** The ingest pipeline's endpoint (POST a JSON array). */
  ingestUrl: string;
  simulator: RunningSimulator | undefined;
  symbols: string[];
  exchange: string;
  streams: Map<string, RunningStream>;
  ingest: IngestWorker | undefined;
  mcpUrl: string;
  dashboardUrl: string;
  metricsUrl: string;
  /** The admin API key created on this start (the store had none); undefined on later starts. Print it once. */
  adminKey: string | undefined;
  /** The process's platform metrics (served at /metrics). */
  metrics: PlatformMetrics;
  /** The monitor publishing system events to `alerts`. */
  monitor: MonitorRunner;
  /** Lines saying what runs where (no secrets). */
  describe(): string[];
  /** Stops and restarts one pipeline (it resumes from its committed offsets). */
  restartPipeline(name: string): Promise<void>;
  stopPipeline(name: string): Promise<void>;
  startPipeline(name: string): Promise<void>;
  /** Takes one function off the air (its route answers 503) or back. */
  setFunctionDown(name: string, down: boolean): void;
  /** Stops the ingestion worker (after its spooled batches are acknowledged); the simulator's REST stays up until stop(). */
  stopSources(): Promise<void>;
  stop(): Promise<void>;
}

/** A port nobody listens on right now (the OS picks it), for components that must be told their address in advance. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolvePort(port));
    });
  });
}

async function liveApiReachable(restUrl: string, apiKey: string): Promise<boolean> {
  try {
    const res = await fetch(`${restUrl.replace(/\/+$/, '')}/data/price?fsym=BTC&tsyms=USD`, { headers: { Authorization: `Apikey ${apiKey}` }, signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as Record<string, unknown>;
    return res.ok && body.Response !== 'Error';
  } catch {
    return false;
  }
}

/**
 * Boots the whole platform in this process: engines (embedded unless KAFKA_BROKERS / TIMESCALE_URL / CLICKHOUSE_URL
 * point at real ones), migrations, topics, one Hono server (functions at /fn/NAME/, MCP at /mcp, the dashboard at /,
 * /metrics for the whole process), every connect/*.yaml pipeline on the local runner, the CryptoCompare source (live
 * API with a reachable key, else the simulator), the ingestion worker and the monitor (system events to `alerts`).
 */
export async function bootPlatform(o: PlatformOptions): Promise<Platform> {
  const env = o.env ?? process.env;
  const host = o.host ?? '127.0.0.1';
  const say = o.progress ?? (() => {});
  const dataDir = resolve(o.dataDir);
  const symbols = (env.SYMBOLS ?? 'BTC-USD,ETH-USD,SOL-USD').split(',').map((s) => s.trim()).filter(Boolean);
  const exchange = env.EXCHANGE ?? 'cccagg';
  const stops: Array<{ what: string; stop: () => Promise<void> }> = [];
  const lines: string[] = [];

  try {
    let broker: BrokerHandle | undefined;
    let kafkaBrokers = env.KAFKA_BROKERS ?? '';
    if (kafkaBrokers === '') {
      say('starting the embedded Kafka-API broker…');
      broker = await startBroker({ port: 0, host, dataDir: join(dataDir, 'broker'), initialRebalanceDelayMs: 0, log: o.engineLog ?? (() => {}) });
      kafkaBrokers = broker.address;
      const b = broker;
      stops.push({ what: 'broker', stop: () => b.stop() });
    }
    lines.push(`kafka       ${kafkaBrokers}${broker ? ' (embedded)' : ''}`);

    let timescaleUrl = env.TIMESCALE_URL ?? '';
    let ts: TimescaleEngine | undefined;
    if (timescaleUrl === '') {
      say('starting embedded TimescaleDB (PGlite)…');
      ts = await startTimescale({ port: 0, host, dataDir: join(dataDir, 'timescale'), jobIntervalMs: 60_000 });
      timescaleUrl = ts.url;
      const t = ts;
      stops.push({ what: 'timescale', stop: () => t.stop() });
    }
    lines.push(`timescale   ${redact(timescaleUrl)}${ts ? ' (embedded)' : ''}`);

    let clickhouseUrl = env.CLICKHOUSE_URL ?? '';
    let ch: ClickHouseEngine | undefined;
    if (clickhouseUrl === '') {
      say('starting embedded ClickHouse (chDB)…');
      ch = await startClickHouse({ port: 0, host, dataDir: join(dataDir, 'clickhouse') });
      clickhouseUrl = ch.url;
      const c = ch;
      stops.push({ what: 'clickhouse', stop: () => c.stop() });
    }
    lines.push(`clickhouse  ${redact(clickhouseUrl)}${ch ? ' (embedded)' : ''}`);

    say('applying migrations…');
    const pgClient = new pg.Client({ connectionString: timescaleUrl });
    await pgClient.connect();
    try {
      await migrateTimescale(pgClient);
    } finally {
      await pgClient.end();
    }
    const chClient = createClient(clickHouseConfig(clickhouseUrl));
    try {
      await migrateClickHouse(chClient);
    } finally {
      await chClient.close();
    }

    say('applying the topic catalog…');
    const admin = adminFor(kafkaBrokers);
    await admin.connect();
    try {
      await applyTopics(admin);
    } finally {
      await admin.disconnect();
    }

    // The CryptoCompare source.
    const apiKey = env.CRYPTOCOMPARE_API_KEY ?? '';
    let simulator: RunningSimulator | undefined;
    let restUrl = env.CRYPTOCOMPARE_REST_URL ?? 'https://min-api.cryptocompare.com';
    let wsUrl = env.CRYPTOCOMPARE_WS_URL ?? 'wss://streamer.cryptocompare.com/v2';
    const live = apiKey !== '' && (await liveApiReachable(restUrl, apiKey));
    const speed = live ? 1 : o.simulatorSpeed ?? Number(env.SIMULATOR_SPEED ?? 1);
    if (!live) {
      say(`starting the CryptoCompare simulator (speed ×${speed})${apiKey !== '' ? ': the live API is not reachable with the key' : ''}…`);
      // A restart on the same DATA_DIR resumes simulated time where the last run stopped, so the stores see one timeline.
      const clockFile = join(dataDir, 'simulator-clock.json');
      const saved = existsSync(clockFile) ? (JSON.parse(readFileSync(clockFile, 'utf8')) as { now?: number }).now : undefined;
      const start = o.simulatorStart ?? saved ?? Date.now() - Math.min(Math.max(0, speed - 1) * 3_600_000, 6 * 86_400_000);
      simulator = await startSimulator({ port: 0, host, seed: o.seed ?? 1, symbols, clock: acceleratedClock(speed, Math.floor(start / 60_000) * 60_000) });
      restUrl = simulator.restUrl;
      wsUrl = simulator.wsUrl;
      const s = simulator;
      stops.push({
        what: 'simulator',
        stop: async () => {
          writeFileSync(clockFile, JSON.stringify({ now: s.context.clock.now() }));
          await s.stop();
        },
      });
    }
    lines.push(`source      ${live ? 'CryptoCompare live API' : `simulator REST ${restUrl}, WS ${wsUrl}`}`);

    // One metrics registry for the whole process: functions, Connect runner, ingestion, broker, stores, read layer.
    const metrics = platformMetrics();
    say('opening the stores…');
    const stores = openStores({ timescaleUrl, clickhouseUrl });
    stops.push({ what: 'store clients', stop: () => stores.close() });
    const layer = timedReadLayer(createReadLayer(stores), metrics);
    const kafka = new Kafka({ clientId: 'platform', brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING });

    // Functions, MCP, dashboard and /metrics on one Hono server.
    say('starting functions…');
    const down = new Set<string>();
    const root = new Hono({ strict: false });
    root.use('/fn/:name/*', async (c, next) => {
      if (down.has(c.req.param('name'))) return c.text('function down', 503);
      return next();
    });
    for (const name of BATCH_FUNCTIONS) root.route(`/fn/${name}`, await createNodeApp(name, new MemoryStateStore(), { metrics, alertRulesSql: stores.timescale }));
    const limiter = createRateLimiter();
    const restClient = createRestClient({ baseUrl: restUrl, rateLimiter: limiter, ...(live ? { apiKey } : {}) });
    root.route('/fn/backfill', createBackfillApp({ client: restClient, source: live ? 'cryptocompare' : 'simulator', metrics }));

    say('starting MCP…');
    const adminKey = await ensureFirstAdminKey(createPlatformKeyStore(stores.timescale));
    const mcp = startPlatformMcp({ layer, timescale: stores.timescale, clickhouse: stores.clickhouse, kafkaBrokers, exchange, symbols, host, log: say });
    stops.push({ what: 'mcp', stop: () => mcp.close() });
    root.route('/', mcp.service.app);

    say('starting the dashboard…');
    const dashboard = await startNodeDashboard({ kafka, read: layer, registry: metrics.registry, exchange, symbols, log: say });
    stops.push({ what: 'dashboard', stop: () => dashboard.stop() });
    let ingest: IngestWorker | undefined;
    const refresh = gaugeRefresher({
      metrics, stores, limiter, broker, capacity: env, freshness: (now) => ingest?.freshness(now) ?? [], onError: (e) => say(`metrics: ${redact(e.message)}`),
    });
    root.use('/metrics', async (_c, next) => {
      await refresh();
      await next();
    });
    root.route('/', metricsRoute(metrics.registry));
    root.route('/', dashboard.app);

    const port = o.port === 0 ? await freePort(host) : o.port;
    const server = await new Promise<ReturnType<typeof serve>>((ok, fail) => {
      const s = serve({ fetch: root.fetch, port, hostname: host }, () => ok(s));
      s.once('error', fail);
    });
    stops.push({
      what: 'http',
      stop: () => new Promise<void>((ok) => {
        server.close(() => ok());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
    });
    const url = `http://${host}:${port}`;
    lines.push(`mcp         ${url}/mcp  (Streamable HTTP; Authorization: Bearer <API key>; more keys: TIMESCALE_URL=… npm run keys -- create --name NAME --scopes read,alerts)`);
    lines.push(`dashboard   ${url}/`);
    lines.push(`metrics     ${url}/metrics  (Prometheus; rules in deploy/prometheus/alerts.yml)`);
    lines.push(`functions   ${url}/fn/{${[...BATCH_FUNCTIONS, 'backfill'].join(',')}}/`);

    // Pipelines on the local runner, sharing one service HTTP server.
    say('starting pipelines…');
    const ingestAddress = `${host}:${await freePort(host)}`;
    const connectEnv: Record<string, string | undefined> = {
      ...env,
      KAFKA_BROKERS: kafkaBrokers,
      TIMESCALE_DSN: timescaleUrl,
      CLICKHOUSE_DSN: clickhouseUrl,
      INGEST_ADDRESS: ingestAddress,
      CONNECT_HTTP_ADDRESS: `${host}:${await freePort(host)}`,
      SYMBOLS: symbols.join(','),
      EXCHANGE: exchange,
      ...Object.fromEntries([...BATCH_FUNCTIONS, 'backfill'].map((n) => [`${n.toUpperCase()}_URL`, `${url}/fn/${n}/`])),
    };
    const servers = new HttpServers();
    const connectMetrics = new Metrics(metrics.registry);
    const files = o.pipelines ?? readdirSync(CONNECT_DIR).filter((f) => f.endsWith('.yaml')).sort();
    const streams = new Map<string, RunningStream>();
    const startPipeline = async (name: string): Promise<void> => {
      const { config, errors } = loadConfigFile(join(CONNECT_DIR, name), { env: connectEnv });
      if (config === undefined) throw new Error(`pipeline ${name} does not load:\n${errors.map(formatLintError).join('\n')}`);
      config.logger.level = o.connectLogLevel ?? env.CONNECT_LOG_LEVEL ?? 'WARN';
      streams.set(name, await startStream(config, { servers, metrics: connectMetrics.withLabels({ stream: name }), log: createLogger(config.logger) }));
    };
    const stopPipeline = async (name: string): Promise<void> => {
      const s = streams.get(name);
      streams.delete(name);
      await s?.stop();
    };
    for (const f of files) await startPipeline(f);
    stops.push({
      what: 'pipelines',
      stop: async () => {
        // All at once: each pipeline commits only what its output acknowledged, so the order loses or repeats nothing,
        // and one by one the group leaves and final commits added up to half a minute.
        await Promise.all([...streams.keys()].map((f) => stopPipeline(f)));
        await servers.closeAll();
      },
    });
    lines.push(`pipelines   ${files.join(', ')} (local Connect runner; ingest at http://${ingestAddress}/ingest)`);

    const ingestUrl = `http://${ingestAddress}/ingest`;
    if (o.ingest !== false && files.includes('ingest.yaml')) {
      say('starting the ingestion worker…');
      ingest = await startIngestWorker({
        wsUrl, ...(live ? { apiKey } : {}), source: live ? 'cryptocompare' : 'simulator', exchange, symbols, ingestUrl, dataDir, metrics, sourceSpeed: speed,
        ...(o.ingestBatchPeriodMs === undefined ? {} : { batchPeriodMs: o.ingestBatchPeriodMs }),
      });
      lines.push(`ingest      WebSocket ${live ? 'CryptoCompare' : 'simulator'} -> ${ingestUrl} (spool under ${join(dataDir, 'ingest')})`);
    }

    say('starting the monitor…');
    const monitor = await startPlatformMonitor({
      kafka, metrics, refresh, timescale: stores.timescale, layer, exchange, symbols, speed, cadenceMs: 60_000 / speed, intervalMs: o.monitorIntervalMs ?? 15_000,
      sourceNow: () => simulator?.context.clock.now() ?? Date.now(),
      ...(o.monitorThresholds ? { thresholds: o.monitorThresholds } : {}), onError: (e) => say(`monitor: ${redact(e.message)}`),
    });
    stops.push({ what: 'monitor', stop: () => monitor.stop() });
    lines.push(`monitor     system events (stream_stale, data_gap, high_latency, storage_capacity, api_quota) -> topic alerts every ${(o.monitorIntervalMs ?? 15_000) / 1000} s`);

    let sourcesStopped = false;
    const stopSources = async (): Promise<void> => {
      if (sourcesStopped) return;
      sourcesStopped = true;
      await ingest?.stop();
    };

    return {
      url, kafkaBrokers, timescaleUrl, clickhouseUrl, ingestUrl, simulator, symbols, exchange, streams, ingest,
      mcpUrl: `${url}/mcp`, dashboardUrl: `${url}/`, metricsUrl: `${url}/metrics`, adminKey, metrics, monitor: monitor.runner,
      describe: () => [...lines],
      restartPipeline: async (name) => {
        await stopPipeline(name);
        await startPipeline(name);
      },
      stopPipeline,
      startPipeline,
      setFunctionDown: (name, isDown) => (isDown ? down.add(name) : down.delete(name)),
      stopSources,
      async stop() {
        say('stopping the ingestion worker (waiting for its spooled batches)…');
        await stopSources();
        // Reverse boot order: pipelines, server, then the engines.
        for (const s of stops.reverse()) {
          say(`stopping ${s.what}…`);
          await s.stop().catch((error: unknown) => say(`stopping ${s.what}: ${redact((error as Error).message)}`));
        }
      },
    };
  } catch (error) {
    for (const s of stops.reverse()) await s.stop().catch(() => undefined);
    throw error;
  }
}
