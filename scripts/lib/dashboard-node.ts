import type { Hono } from 'hono';
import type { Kafka } from 'kafkajs';
import { createDashboardApp } from '../../functions/dashboard/app.ts';
import { healthFromMetrics } from '../../functions/dashboard/health.ts';
import { createEventHub, type DashboardEvent } from '../../functions/dashboard/hub.ts';
import { parseExposition, type Family } from '../../functions/lib/metrics/parse.ts';
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
  log?: (line: string) => void;
}

/**
 * The dashboard on Node: the Hono app fed from Kafka (candles + alerts), health from the process registry, the chart
 * library from node_modules. `publish` lets in-process producers (the monitor) add events without a Kafka round trip.
 */
export async function startNodeDashboard(o: NodeDashboardOptions): Promise<{ app: Hono; publish: (e: DashboardEvent) => void; stop(): Promise<void> }> {
  const hub = createEventHub();
  const feed = await startDashboardFeed(o.kafka, hub.publish, { ...(o.candleTopic ? { candleTopic: o.candleTopic } : {}), ...(o.log ? { log: o.log } : {}) });
  let previous: Map<string, Family> | undefined;
  let previousAt = Date.now();
  const app = createDashboardApp({
    read: o.read,
    subscribe: hub.subscribe,
    health: () => {
      const current = parseExposition(o.registry.render());
      const now = Date.now();
      const snapshot = healthFromMetrics(previous, current, (now - previousAt) / 1000, now);
      previous = current;
      previousAt = now;
      return Promise.resolve(snapshot);
    },
    chartLibrary: chartLibraryReader(),
    exchange: o.exchange,
    symbols: o.symbols,
  });
  return { app, publish: hub.publish, stop: () => feed.stop() };
}
