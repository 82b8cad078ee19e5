import type { Consumer, Kafka } from 'kafkajs';
import type { DashboardEvent } from '../../functions/dashboard/hub.ts';
import { AlertsMessage } from '../../schemas/alerts.ts';
import { checkOhlcvMessage } from '../../schemas/fast/index.ts';

export interface DashboardFeedOptions {
  candleTopic?: string;
  groupId?: string;
  /** Alerts re-read per partition of `alerts` at start (default 200), so the feed has recent history; 0 = none. */
  alertsLookback?: number;
  log?: (line: string) => void;
}

/**
 * Feeds the dashboard hub from Kafka: candles from `candleTopic` (ohlcv-enriched, or ohlcv-validated before the
 * enrich stage runs) and alert/signal/system events from `alerts`. Its own consumer group per process that never
 * commits (no offsets left behind, nothing another group reads is touched). Candles start at the latest offsets: the
 * page loads history from the read layer. Alerts start `alertsLookback` records before the end of each partition:
 * the alerts topic is the feed's history.
 */
export async function startDashboardFeed(kafka: Kafka, publish: (e: DashboardEvent) => void, opts: DashboardFeedOptions = {}): Promise<{ stop(): Promise<void> }> {
  const candleTopic = opts.candleTopic ?? 'ohlcv-enriched';
  const lookback = opts.alertsLookback ?? 200;
  const admin = kafka.admin();
  await admin.connect();
  let ends: Awaited<ReturnType<typeof admin.fetchTopicOffsets>>;
  try {
    ends = lookback > 0 ? await admin.fetchTopicOffsets('alerts') : [];
  } finally {
    await admin.disconnect();
  }
  const consumer: Consumer = kafka.consumer({ groupId: opts.groupId ?? `dashboard-${process.pid}-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [candleTopic, 'alerts'], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, message }) => {
        let json: unknown;
        try {
          json = JSON.parse(message.value?.toString() ?? 'null');
        } catch {
          opts.log?.(`dashboard feed: skipped a non-JSON record on ${topic}`);
          return;
        }
        if (topic === 'alerts') {
          const e = AlertsMessage.safeParse(json);
          if (e.success) publish({ type: e.data.kind, data: e.data });
          return;
        }
        // Every candle of every series passes here: the contract's fast path, zod only for what it declines.
        const c = checkOhlcvMessage(json);
        if (c.ok) publish({ type: 'candle', data: c.value });
      },
    });
    // Without autoCommit a seek only moves this consumer's position; it takes effect on the partition's next fetch.
    for (const p of ends) {
      const high = Number(p.high);
      const start = Math.max(Number(p.low), high - lookback);
      if (start < high) consumer.seek({ topic: 'alerts', partition: p.partition, offset: String(start) });
    }
  } catch (error) {
    await consumer.disconnect();
    throw error;
  }
  return { stop: () => consumer.disconnect() };
}
