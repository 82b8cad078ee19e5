import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompressionTypes, type Consumer } from 'kafkajs';
import { FAST_CONSUMER, startTestBroker, waitUntil, type TestBroker } from './helpers.ts';

let tb: TestBroker;

beforeAll(async () => {
  tb = await startTestBroker();
});
afterAll(async () => {
  await tb.cleanup();
});

async function createTopic(topic: string, numPartitions: number, configs: Record<string, string> = {}): Promise<void> {
  const admin = tb.kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }] });
  await admin.disconnect();
}

describe('kafkajs against the embedded broker', () => {
  it('produces with acks -1, 1 and 0 (gzip too) and consumes everything in order per partition', async () => {
    await createTopic('basic', 2);
    const producer = tb.kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'basic', acks: -1, messages: [{ key: 'k1', value: 'v1', headers: { trace: 'abc' } }, { key: 'k1', value: 'v2' }] });
    await producer.send({ topic: 'basic', acks: 1, messages: [{ key: 'k1', value: 'v3' }] });
    await producer.send({ topic: 'basic', acks: 0, messages: [{ key: 'k1', value: 'v4' }] });
    await producer.send({ topic: 'basic', compression: CompressionTypes.GZIP, messages: [{ key: 'k1', value: 'v5' }, { key: 'k1', value: 'v6' }] });
    await producer.disconnect();

    const consumer = tb.kafka.consumer({ groupId: 'basic-g', ...FAST_CONSUMER });
    const seen: Array<{ value: string; offset: string; trace?: string }> = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'basic', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { seen.push({ value: String(message.value), offset: message.offset, trace: message.headers?.trace?.toString() }); } });
    await waitUntil('six messages', () => seen.length >= 6);
    await consumer.disconnect();
    expect(seen.map((m) => m.value)).toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
    expect(seen.map((m) => m.offset)).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(seen[0]?.trace).toBe('abc');
  });

  it('lists offsets: earliest, latest and by timestamp', async () => {
    await createTopic('offsets', 1);
    const producer = tb.kafka.producer();
    await producer.connect();
    const base = Date.now() - 100_000;
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'offsets', messages: [{ value: `m${i}`, timestamp: String(base + i * 1000) }] });
    await producer.disconnect();
    const admin = tb.kafka.admin();
    await admin.connect();
    expect(await admin.fetchTopicOffsets('offsets')).toEqual([{ partition: 0, offset: '5', high: '5', low: '0' }]);
    expect(await admin.fetchTopicOffsetsByTimestamp('offsets', base + 2500)).toEqual([{ partition: 0, offset: '3' }]);
    await admin.disconnect();
  });

  it('splits partitions between two group members (DescribeGroups/ListGroups see them), rebalances when one leaves, and commits/resumes', async () => {
    await createTopic('grouped', 4);
    const received = new Map<string, Array<{ partition: number; value: string }>>();
    const assignments = new Map<string, number[]>();
    const start = async (name: string): Promise<Consumer> => {
      const c = tb.kafka.consumer({ groupId: 'grp', ...FAST_CONSUMER });
      received.set(name, []);
      c.on(c.events.GROUP_JOIN, (e) => assignments.set(name, e.payload.memberAssignment.grouped ?? []));
      await c.connect();
      await c.subscribe({ topic: 'grouped', fromBeginning: true });
      await c.run({ eachMessage: async ({ partition, message }) => { received.get(name)?.push({ partition, value: String(message.value) }); } });
      return c;
    };
    const a = await start('a');
    await waitUntil('a owns all partitions', () => assignments.get('a')?.length === 4);
    const b = await start('b');
    await waitUntil('a and b split the partitions', () => assignments.get('a')?.length === 2 && assignments.get('b')?.length === 2);
    expect([...(assignments.get('a') ?? []), ...(assignments.get('b') ?? [])].sort()).toEqual([0, 1, 2, 3]);
    const admin = tb.kafka.admin();
    await admin.connect();
    const { groups: [described] } = await admin.describeGroups(['grp']);
    expect(described).toMatchObject({ groupId: 'grp', state: 'Stable', protocolType: 'consumer', protocol: 'RoundRobinAssigner' });
    expect(described?.members).toHaveLength(2);
    expect((await admin.listGroups()).groups).toContainEqual({ groupId: 'grp', protocolType: 'consumer' });
    await admin.disconnect();

    const producer = tb.kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'grouped', messages: Array.from({ length: 40 }, (_, i) => ({ key: `key-${i}`, value: `first-${i}` })) });
    const total = (): number => (received.get('a')?.length ?? 0) + (received.get('b')?.length ?? 0);
    await waitUntil('40 messages across both members', () => total() >= 40);
    for (const name of ['a', 'b']) {
      const mine = new Set(assignments.get(name));
      expect(received.get(name)?.every((m) => mine.has(m.partition))).toBe(true);
      expect(received.get(name)?.length).toBeGreaterThan(0);
    }

    await b.disconnect();
    await waitUntil('a owns all partitions again', () => assignments.get('a')?.length === 4);
    await producer.send({ topic: 'grouped', messages: Array.from({ length: 20 }, (_, i) => ({ key: `key-${i}`, value: `second-${i}` })) });
    await waitUntil('a gets the second round', () => (received.get('a')?.filter((m) => m.value.startsWith('second-')).length ?? 0) >= 20);
    await a.disconnect();

    // Resume: the group committed what it consumed, so a new member only sees messages produced after.
    await producer.send({ topic: 'grouped', messages: [{ key: 'late', value: 'third' }] });
    await producer.disconnect();
    const c = await start('c');
    await waitUntil('c gets the new message', () => (received.get('c')?.length ?? 0) >= 1);
    await c.disconnect();
    expect(received.get('c')?.map((m) => m.value)).toEqual(['third']);
  });

  it('keeps data, topics and committed offsets across a restart', async () => {
    await createTopic('durable', 2);
    const producer = tb.kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'durable', acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i % 3}`, value: `d${i}` })) });
    await producer.disconnect();
    const admin = tb.kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: 'durable-g', topic: 'durable', partitions: [{ partition: 0, offset: '1' }, { partition: 1, offset: '2' }] });
    const before = await admin.fetchTopicOffsets('durable');
    await admin.disconnect();

    await tb.restart();
    const admin2 = tb.kafka.admin();
    await admin2.connect();
    expect(await admin2.fetchTopicOffsets('durable')).toEqual(before);
    const committed = await admin2.fetchOffsets({ groupId: 'durable-g', topics: ['durable'] });
    expect(committed[0]?.partitions.sort((x, y) => x.partition - y.partition).map((p) => p.offset)).toEqual(['1', '2']);
    await admin2.disconnect();

    const consumer = tb.kafka.consumer({ groupId: 'durable-read', ...FAST_CONSUMER });
    const values: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'durable', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { values.push(String(message.value)); } });
    await waitUntil('all ten after restart', () => values.length >= 10);
    await consumer.disconnect();
    expect(values.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `d${i}`).sort());
  });
});
