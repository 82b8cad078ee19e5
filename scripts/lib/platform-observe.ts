/**
 * What `npm start` observes about itself (deploy/prometheus/WIRING.md §4-5): store and broker sizes, consumer lag,
 * CryptoCompare quota and stream freshness into the process registry, read-layer query times, and the monitor that
 * turns them into system events on the `alerts` topic.
 */
import type { Kafka } from 'kafkajs';
import { RATE_WINDOWS, type RateLimiter } from '../../functions/lib/cryptocompare/rate-limiter.ts';
import { parseExposition, type Family } from '../../functions/lib/metrics/parse.ts';
import type { PlatformMetrics } from '../../functions/lib/metrics/platform.ts';
import type { MonitorThresholds } from '../../functions/lib/monitor/evaluate.ts';
import { monitorInputFromMetrics } from '../../functions/lib/monitor/from-metrics.ts';
import type { ReadLayer } from '../../functions/lib/read/index.ts';
import { recordBrokerStats } from '../engines/broker/metrics.ts';
import type { BrokerHandle } from '../engines/broker/index.ts';
import { alertsPublisher } from '../monitor/kafka.ts';
import { startMonitorRunner, type MonitorRunner } from '../monitor/runner.ts';
import type { StoreClients } from './stores.ts';

/** The read layer with every call timed into query_duration_seconds{store, query}. */
export function timedReadLayer(layer: ReadLayer, metrics: PlatformMetrics): ReadLayer {
  const timed = <A, R>(query: keyof ReadLayer, store: string, fn: (a: A) => Promise<R>) => async (a: A): Promise<R> => {
    const started = performance.now();
    try {
      return await fn(a);
    } finally {
      metrics.queryDuration.observe({ store, query }, (performance.now() - started) / 1000);
    }
  };
  return {
    candles: timed('candles', 'read', (q) => layer.candles(q)),
    latest: timed('latest', 'timescale', (q) => layer.latest(q)),
    coverage: timed('coverage', 'timescale', (q) => layer.coverage(q)),
    clickHouseCoverage: timed('clickHouseCoverage', 'clickhouse', (q) => layer.clickHouseCoverage(q)),
    gaps: timed('gaps', 'timescale', (q) => layer.gaps(q)),
    parity: timed('parity', 'both', (q) => layer.parity(q)),
  };
}

export interface GaugeSources {
  metrics: PlatformMetrics;
  stores: StoreClients;
  limiter: RateLimiter;
  /** The embedded broker (its log bytes and consumer lag); absent with KAFKA_BROKERS. */
  broker: BrokerHandle | undefined;
  /** TIMESCALE_CAPACITY_BYTES, CLICKHOUSE_CAPACITY_BYTES, BROKER_CAPACITY_BYTES. */
  capacity: Record<string, string | undefined>;
  /** The ingestion worker's streams (refreshes stream_freshness_seconds). */
  freshness: (now: number) => unknown;
  onError: (error: Error) => void;
  /** Store sizes are queried at most this often (they change slowly and cost a query each). */
  storeSizeEveryMs?: number;
}

/**
 * Consumer groups made per process and never reused (the dashboard feed, MCP's backfill-status tail): the offsets a
 * previous run committed stay behind, and their growing lag would look like a stuck pipeline (ConsumerLagHigh). The
 * dashboard feed no longer commits, but data directories from earlier runs still hold its groups.
 */
const THROWAWAY_GROUPS = /^(dashboard-|mcp-backfill-status-)/;

/** A function that brings the polled gauges up to date (called before each /metrics answer and monitor tick). */
export function gaugeRefresher(o: GaugeSources): () => Promise<void> {
  const { metrics: m } = o;
  const every = o.storeSizeEveryMs ?? 10_000;
  let sizesAt = -Infinity;
  const capacity = (name: string): number | undefined => {
    const v = Number(o.capacity[name] ?? '');
    return Number.isFinite(v) && v > 0 ? v : undefined;
  };
  const storeSizes = async (): Promise<void> => {
    const ts = await o.stores.timescale.query<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes');
    m.storageBytes.set({ store: 'timescale' }, Number(ts.rows[0]?.bytes ?? 0));
    const ch = await o.stores.clickhouse.query({ query: 'SELECT sum(bytes_on_disk) AS bytes FROM system.parts WHERE active', format: 'JSONEachRow' });
    const rows = await ch.json<{ bytes: string | number }>();
    m.storageBytes.set({ store: 'clickhouse' }, Number(rows[0]?.bytes ?? 0));
    for (const [store, env] of [['timescale', 'TIMESCALE_CAPACITY_BYTES'], ['clickhouse', 'CLICKHOUSE_CAPACITY_BYTES']] as const) {
      const cap = capacity(env);
      if (cap !== undefined) m.storageCapacityBytes.set({ store }, cap);
    }
  };
  return async () => {
    const now = Date.now();
    if (o.broker !== undefined) {
      const stats = o.broker.stats();
      recordBrokerStats(m, { ...stats, lags: stats.lags.filter((l) => !THROWAWAY_GROUPS.test(l.group)) }, capacity('BROKER_CAPACITY_BYTES'));
    }
    const state = o.limiter.state();
    for (const w of RATE_WINDOWS) {
      const s = state[w];
      if (s.remaining !== null) m.quotaRemaining.set({ window: w }, s.remaining);
      if (s.limit !== null) m.quotaLimit.set({ window: w }, s.limit);
    }
    o.freshness(now);
    if (now - sizesAt >= every) {
      sizesAt = now;
      await storeSizes().catch((e: unknown) => o.onError(e as Error));
    }
  };
}

export interface PlatformMonitorOptions {
  kafka: Kafka;
  metrics: PlatformMetrics;
  refresh: () => Promise<void>;
  /** Open gap reports come from the gaps table (what the metadata sink writes). */
  timescale: StoreClients['timescale'];
  /** The newest stored 1m candle per symbol (data_gap when a series stops growing). */
  layer: Pick<ReadLayer, 'latest'>;
  exchange: string;
  symbols: string[];
  /** The source's clock (the simulator's runs behind the wall clock) and its speed, to put candle times on the wall clock. */
  sourceNow: () => number;
  speed: number;
  /** Expected wall-clock spacing of a candle stream (60 s live; 60 s / speed for an accelerated simulator). */
  cadenceMs: number;
  intervalMs: number;
  thresholds?: MonitorThresholds;
  onError: (error: Error) => void;
}

/** The monitor over this process's registry plus open gaps, publishing transitions to `alerts`. */
export async function startPlatformMonitor(o: PlatformMonitorOptions): Promise<{ runner: MonitorRunner; stop(): Promise<void> }> {
  const producer = o.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let previous: Map<string, Family> | undefined;
  const runner = startMonitorRunner({
    input: async () => {
      await o.refresh();
      const current = parseExposition(o.metrics.registry.render());
      const input = monitorInputFromMetrics(previous, current, Date.now(), () => o.cadenceMs);
      previous = current;
      const { rows } = await o.timescale.query<{ series: string; from_ms: number; to_ms: number }>(
        `SELECT exchange || ':' || symbol || ':' || timeframe AS series, extract(epoch FROM from_ts) * 1000 AS from_ms, extract(epoch FROM to_ts) * 1000 AS to_ms
           FROM gaps WHERE resolved_at IS NULL ORDER BY detected_at DESC LIMIT 100`, []);
      // A candle is complete when its bucket ends; that moment, in wall-clock terms, is when the series last grew.
      const behind = (endOfBucket: number): number => (o.sourceNow() - endOfBucket) / o.speed;
      const latest = await o.layer.latest({ exchange: o.exchange, symbols: o.symbols });
      return {
        ...input,
        gaps: rows.map((r) => ({ series: r.series, from: Math.round(Number(r.from_ms)), to: Math.round(Number(r.to_ms)) })),
        series: latest.map((c) => ({ series: `${c.exchange}:${c.symbol}:1m`, lastCandleAt: input.now - behind(c.timestamp + 60_000), cadenceMs: o.cadenceMs })),
      };
    },
    publish: alertsPublisher(producer),
    intervalMs: o.intervalMs,
    ...(o.thresholds ? { thresholds: o.thresholds } : {}),
    onError: o.onError,
  });
  return {
    runner,
    async stop() {
      runner.stop();
      await producer.disconnect();
    },
  };
}
