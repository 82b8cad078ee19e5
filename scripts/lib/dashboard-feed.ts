import type { Consumer, Kafka } from 'kafkajs';
import type { DashboardEvent } from '../../functions/dashboard/hub.ts';
import { AlertsMessage } from '../../schemas/alerts.ts';
import { OhlcvMessage } from '../../schemas/ohlcv.ts';

/**
 * Feeds the dashboard hub from Kafka: candles from `candleTopic` (ohlcv-enriched, or ohlcv-validated before the
 * enrich stage runs) and alert/signal/system events from `alerts`. Its own consumer group per process, starting at
 * the latest offsets: the page loads history from the read layer, the feed only adds what is new.
 */
export async function startDashboardFeed(kafka: Kafka, publish: (e: DashboardEvent) => void, opts: { candleTopic?: string; groupId?: string; log?: (line: string) => void } = {}): Promise<{ stop(): Promise<void> }> {
  const candleTopic = opts.candleTopic ?? 'ohlcv-enriched';
  const consumer: Consumer = kafka.consumer({ groupId: opts.groupId ?? `dashboard-${process.pid}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [candleTopic, 'alerts'], fromBeginning: false });
  await consumer.run({
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
      const c = OhlcvMessage.safeParse(json);
      if (c.success) publish({ type: 'candle', data: c.data });
    },
  });
  return { stop: () => consumer.disconnect() };
}
