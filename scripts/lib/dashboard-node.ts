import type { Hono } from 'hono';
import type { Kafka } from 'kafkajs';
import { createDashboardApp } from '../../functions/dashboard/app.ts';
import { createHealthSampler } from '../../functions/dashboard/health.ts';
import { createEventHub, type DashboardEvent } from '../../functions/dashboard/hub.ts';
import type { Registry } from '../../functions/lib/metrics/registry.ts';
import type { ReadLayer } from '../../functions/lib/read/index.ts';
import { chartLibraryReader } from './dashboard-assets.ts';
import { startDashboardFeed } from './dashboard-feed.ts';

export interface NodeDashboardOptions {
  kafka: Kafka;
  read: Pick<ReadLayer, 'candles'>;
  /** The process's metrics registry (the health panel reads it). */
  registry: Registry;
  exchange: string;
  symbols: readonly string[];
  candleTopic?: string;
  /** How often the health panel samples the registry (default 5 s) and the span its rates cover (default 5 min). */
  sampleEveryMs?: number;
  healthWindowMs?: number;
  /** Health ticks on the SSE stream (default 5 s). */
  healthEveryMs?: number;
  /** Recent alerts kept for pages opened later, and re-read per `alerts` partition at start (default 200). */
  recentAlerts?: number;
  log?: (line: string) => void;
}

/**
 * The dashboard on Node: the Hono app fed from Kafka (candles + alerts, with recent alerts replayed from the topic),
 * health sampled from the process registry on a timer, the chart library from node_modules. `publish` lets
 * in-process producers (the monitor) add events without a Kafka round trip.
 */
export async function startNodeDashboard(o: NodeDashboardOptions): Promise<{ app: Hono; publish: (e: DashboardEvent) => void; stop(): Promise<void> }> {
  const hub = createEventHub({ keepRecent: o.recentAlerts ?? 200 });
  const feed = await startDashboardFeed(o.kafka, hub.publish, {
    alertsLookback: o.recentAlerts ?? 200, ...(o.candleTopic ? { candleTopic: o.candleTopic } : {}), ...(o.log ? { log: o.log } : {}),
  });
  const sampler = createHealthSampler({ render: () => o.registry.render(), ...(o.healthWindowMs === undefined ? {} : { windowMs: o.healthWindowMs }) });
  // The first sample now: the page's rates are ready one interval after start, whenever it is opened.
  sampler.sample();
  const timer = setInterval(() => sampler.sample(), o.sampleEveryMs ?? 5_000);
  timer.unref();
  const app = createDashboardApp({
    read: o.read,
    subscribe: hub.subscribe,
    health: () => Promise.resolve(sampler.snapshot(hub.recent())),
    recentAlerts: () => Promise.resolve(hub.recent()),
    chartLibrary: chartLibraryReader(),
    exchange: o.exchange,
    symbols: o.symbols,
    ...(o.healthEveryMs === undefined ? {} : { healthEveryMs: o.healthEveryMs }),
  });
  return {
    app,
    publish: hub.publish,
    async stop() {
      clearInterval(timer);
      await feed.stop();
    },
  };
}
