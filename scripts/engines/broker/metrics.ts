/**
 * The broker's Prometheus view: log bytes on disk (storage_bytes{store="broker"}) and, per consumer group, how far its
 * committed offsets are behind each partition's log end (consumer_lag). Read from the in-memory state on each call.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { platformMetrics, type PlatformMetrics } from '../../../functions/lib/metrics/platform.ts';
import { metricsRoute } from '../../../functions/lib/metrics/route.ts';
import type { BrokerCore } from './core.ts';
import { offsetKey } from './store.ts';

export interface GroupLag { group: string; topic: string; partition: number; lag: number }
export interface BrokerStats { logBytes: number; lags: GroupLag[] }

export function brokerStats(core: Pick<BrokerCore, 'catalog' | 'offsets'>): BrokerStats {
  let logBytes = 0;
  const lags: GroupLag[] = [];
  for (const topic of core.catalog.topics.values()) {
    topic.partitions.forEach((p) => (logBytes += p.sizeBytes));
  }
  for (const [group, parts] of core.offsets.table) {
    for (const topic of core.catalog.topics.values()) {
      topic.partitions.forEach((p, partition) => {
        const committed = parts.get(offsetKey(topic.name, partition));
        if (committed !== undefined) lags.push({ group, topic: topic.name, partition, lag: Math.max(0, p.logEnd - committed.offset) });
      });
    }
  }
  return { logBytes, lags };
}

/** Copies `stats` into the platform gauges; `capacityBytes` (BROKER_CAPACITY_BYTES) is exported when configured. */
export function recordBrokerStats(m: PlatformMetrics, stats: BrokerStats, capacityBytes?: number): void {
  m.storageBytes.set({ store: 'broker' }, stats.logBytes);
  if (capacityBytes !== undefined && capacityBytes > 0) m.storageCapacityBytes.set({ store: 'broker' }, capacityBytes);
  for (const l of stats.lags) m.consumerLag.set({ group: l.group, topic: l.topic, partition: String(l.partition) }, l.lag);
}

/** `GET /metrics` on its own port (the broker CLI's --metrics-port), refreshed on each scrape. */
export async function serveBrokerMetrics(stats: () => BrokerStats, port: number, host = '127.0.0.1', capacityBytes?: number): Promise<{ port: number; close(): Promise<void> }> {
  const m = platformMetrics();
  const app = new Hono();
  app.use('/metrics', async (_c, next) => {
    recordBrokerStats(m, stats(), capacityBytes);
    await next();
  });
  app.route('/', metricsRoute(m.registry));
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => resolve({
      port: info.port,
      close: () => new Promise<void>((ok) => server.close(() => ok())),
    }));
  });
}
