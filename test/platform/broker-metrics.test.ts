/** The embedded broker's metrics: log bytes and consumer lag (high watermark − committed), served on their own port. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from '../../functions/lib/metrics/parse.ts';
import { startBroker, type BrokerHandle } from '../../scripts/engines/broker/index.ts';
import { serveBrokerMetrics } from '../../scripts/engines/broker/metrics.ts';

let dir: string;
let broker: BrokerHandle;
let metrics: Awaited<ReturnType<typeof serveBrokerMetrics>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'broker-metrics-'));
  broker = await startBroker({ port: 0, dataDir: dir, initialRebalanceDelayMs: 0, log: () => undefined });
  metrics = await serveBrokerMetrics(() => broker.stats(), 0, '127.0.0.1', 1_000_000);
});

afterAll(async () => {
  await metrics?.close();
  await broker?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('broker metrics', () => {
  it('exports log bytes, capacity and the lag of a group that committed part of a topic', async () => {
    const kafka = new Kafka({ clientId: 'broker-metrics-test', brokers: [broker.address], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'lagged', numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'lagged', messages: Array.from({ length: 10 }, (_, i) => ({ key: String(i), value: `v${i}` })) });
    await producer.disconnect();
    // The group has consumed 4 of 10 records.
    await admin.setOffsets({ groupId: 'slow-group', topic: 'lagged', partitions: [{ partition: 0, offset: '4' }] });
    await admin.disconnect();

    const families = parseExposition(await (await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).text());
    expect(sampleValue(families, 'consumer_lag', { group: 'slow-group', topic: 'lagged', partition: '0' })).toBe(6);
    expect(sampleValue(families, 'storage_bytes', { store: 'broker' })).toBeGreaterThan(0);
    expect(sampleValue(families, 'storage_capacity_bytes', { store: 'broker' })).toBe(1_000_000);
  });
});
