import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { startTestBroker, waitUntil, type TestBroker } from './helpers.ts';

/**
 * @platformatic/kafka only speaks flexible versions (Metadata 9+, Fetch 12+, FindCoordinator 4+, JoinGroup 6+, OffsetFetch 8,
 * CreateTopics 7, DeleteTopics 6): the independent check of the broker's compact/tagged encodings.
 */
let tb: TestBroker;

beforeAll(async () => {
  tb = await startTestBroker();
});
afterAll(async () => {
  await tb.cleanup();
});

describe('@platformatic/kafka (flexible versions only) against the embedded broker', () => {
  it('creates a topic, produces, consumes in a group, commits, and deletes the topic', async () => {
    const admin = new Admin({ clientId: 'plt-admin', bootstrapBrokers: [tb.broker.address] });
    await admin.createTopics({ topics: ['plt'], partitions: 2, replicas: 1 });

    const producer = new Producer({ clientId: 'plt-producer', bootstrapBrokers: [tb.broker.address], serializers: stringSerializers });
    await producer.send({ messages: Array.from({ length: 10 }, (_, i) => ({ topic: 'plt', key: `k${i}`, value: `v${i}`, headers: { h: 'x' } })) });
    await producer.close();

    const consumer = new Consumer({ groupId: 'plt-group', clientId: 'plt-consumer', bootstrapBrokers: [tb.broker.address], deserializers: stringDeserializers, maxWaitTime: 100 });
    const stream = await consumer.consume({ autocommit: true, topics: ['plt'], mode: 'earliest', sessionTimeout: 6000, heartbeatInterval: 200 });
    const seen: string[] = [];
    stream.on('data', (m: { key: string; value: string }) => seen.push(`${m.key}=${m.value}`));
    await waitUntil('ten messages', () => seen.length >= 10);
    await stream.close();
    await consumer.close();
    expect(seen.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}=v${i}`).sort());

    // Resume from the group's commits (OffsetFetch v8, batched groups): only the newer message arrives.
    const again = new Producer({ clientId: 'plt-producer', bootstrapBrokers: [tb.broker.address], serializers: stringSerializers });
    await again.send({ messages: [{ topic: 'plt', key: 'late', value: 'after-commit' }] });
    await again.close();
    const resumed = new Consumer({ groupId: 'plt-group', clientId: 'plt-resumed', bootstrapBrokers: [tb.broker.address], deserializers: stringDeserializers, maxWaitTime: 100 });
    const stream2 = await resumed.consume({ autocommit: true, topics: ['plt'], mode: 'committed', fallbackMode: 'earliest', sessionTimeout: 6000, heartbeatInterval: 200 });
    const later: string[] = [];
    stream2.on('data', (m: { key: string; value: string }) => later.push(`${m.key}=${m.value}`));
    await waitUntil('the newer message', () => later.length >= 1);
    await stream2.close();
    await resumed.close();
    expect(later).toEqual(['late=after-commit']);

    await admin.deleteTopics({ topics: ['plt'] });
    await admin.close();
    const used = tb.logs.filter((l) => l.startsWith('first')).join('\n');
    for (const api of ['Metadata v9', 'Produce v9', 'Fetch v12', 'FindCoordinator v4', 'JoinGroup v7', 'SyncGroup v5', 'OffsetCommit v8', 'OffsetFetch v8', 'CreateTopics v7', 'DeleteTopics v6']) {
      expect(used).toContain(`${api} (flexible)`);
    }
  });
});
