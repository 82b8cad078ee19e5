import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompressionTypes } from 'kafkajs';
import { FAST_CONSUMER, startTestBroker, waitUntil, type TestBroker } from './helpers.ts';

let tb: TestBroker;

beforeAll(async () => {
  tb = await startTestBroker();
});
afterAll(async () => {
  await tb.cleanup();
});

async function createTopic(topic: string, configs: Record<string, string>): Promise<void> {
  const admin = tb.kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }] });
  await admin.disconnect();
}

async function sendEach(topic: string, messages: Array<{ key?: string; value: string | null; timestamp?: string }>, compression = CompressionTypes.None): Promise<void> {
  const producer = tb.kafka.producer();
  await producer.connect();
  for (const m of messages) await producer.send({ topic, compression, messages: [m] });
  await producer.disconnect();
}

async function readAll(topic: string, expected: number): Promise<Array<{ key: string; value: string | null; offset: number }>> {
  const consumer = tb.kafka.consumer({ groupId: `read-${topic}-${Date.now()}`, ...FAST_CONSUMER });
  const out: Array<{ key: string; value: string | null; offset: number }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => { out.push({ key: String(message.key), value: message.value === null ? null : String(message.value), offset: Number(message.offset) }); } });
  await waitUntil(`${expected} records from ${topic}`, () => out.length >= expected);
  await consumer.disconnect();
  return out;
}

async function offsetsOf(topic: string): Promise<{ low: string; high: string }> {
  const admin = tb.kafka.admin();
  await admin.connect();
  const [p] = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  return { low: p?.low ?? '', high: p?.high ?? '' };
}

describe('storage: segments, retention, compaction, recovery', () => {
  it('compaction keeps the latest value per key, filtering plain batches and dropping fully superseded gzip ones', async () => {
    // segment.bytes tiny: every batch rolls a new segment, so all but the last are closed and cleanable.
    await createTopic('compacted', { 'cleanup.policy': 'compact', 'segment.bytes': '100' });
    await sendEach('compacted', [{ key: 'a', value: 'a1' }, { key: 'b', value: 'b1' }, { key: 'a', value: 'a2' }]);
    const producer = tb.kafka.producer();
    await producer.connect();
    // gzip batch fully superseded later (x, y) and one only partly superseded (x, z): the first goes, the second stays whole.
    await producer.send({ topic: 'compacted', compression: CompressionTypes.GZIP, messages: [{ key: 'x', value: 'x1' }, { key: 'y', value: 'y1' }] });
    await producer.send({ topic: 'compacted', compression: CompressionTypes.GZIP, messages: [{ key: 'x', value: 'x2' }, { key: 'z', value: 'z1' }] });
    await producer.send({ topic: 'compacted', messages: [{ key: 'x', value: 'x3' }, { key: 'y', value: 'y2' }, { key: 'b', value: 'b2' }] });
    await producer.send({ topic: 'compacted', messages: [{ key: 'a', value: 'a3' }] });
    await producer.disconnect();

    const report = tb.broker.runCleaner();
    expect(report.compactedRecords).toBeGreaterThan(0);
    const after = await readAll('compacted', 6);
    expect(after.map((r) => `${r.key}=${r.value}`)).toEqual(['x=x2', 'z=z1', 'x=x3', 'y=y2', 'b=b2', 'a=a3']);
    // Offsets are preserved by compaction.
    expect(after.map((r) => r.offset)).toEqual([5, 6, 7, 8, 9, 10]);

    await tb.restart();
    const reread = await readAll('compacted', 6);
    expect(reread.map((r) => `${r.key}=${r.value}`)).toEqual(['x=x2', 'z=z1', 'x=x3', 'y=y2', 'b=b2', 'a=a3']);
  });

  it('size retention deletes whole oldest segments', async () => {
    await createTopic('sized', { 'retention.bytes': '300', 'segment.bytes': '100' });
    await sendEach('sized', Array.from({ length: 8 }, (_, i) => ({ value: `sized-${i}` })));
    const report = tb.broker.runCleaner();
    expect(report.deletedSegments).toBeGreaterThan(0);
    const { low, high } = await offsetsOf('sized');
    expect(Number(low)).toBeGreaterThan(0);
    expect(high).toBe('8');
    const left = await readAll('sized', 8 - Number(low));
    expect(left[0]?.offset).toBe(Number(low));
    expect(left.at(-1)?.value).toBe('sized-7');
  });

  it('time retention deletes segments older than retention.ms but never the active one', async () => {
    await createTopic('timed', { 'retention.ms': '60000', 'segment.bytes': '100' });
    const old = String(Date.now() - 3_600_000);
    await sendEach('timed', [{ value: 'old-0', timestamp: old }, { value: 'old-1', timestamp: old }, { value: 'new-2' }]);
    tb.broker.runCleaner();
    expect(await offsetsOf('timed')).toEqual({ low: '2', high: '3' });
    // Judged later, even the newest closed segment expires; the active segment stays.
    await sendEach('timed', [{ value: 'new-3' }]);
    tb.broker.runCleaner(Date.now() + 3_600_000);
    expect(await offsetsOf('timed')).toEqual({ low: '3', high: '4' });
  });

  it('truncates a torn tail on start and keeps serving from the intact log', async () => {
    await createTopic('torn', {});
    await sendEach('torn', [{ value: 't0' }, { value: 't1' }]);
    await tb.broker.stop();
    const dir = join(tb.dataDir, 'topics', 'torn-0');
    const [segment] = readdirSync(dir).filter((f) => f.endsWith('.log'));
    appendFileSync(join(dir, segment as string), Buffer.from('00000000000000020000005a00000000', 'hex'));
    await tb.restart();
    expect(tb.logs.some((l) => l.includes('truncating torn tail'))).toBe(true);
    expect(await offsetsOf('torn')).toEqual({ low: '0', high: '2' });
    await sendEach('torn', [{ value: 't2' }]);
    expect((await readAll('torn', 3)).map((r) => r.value)).toEqual(['t0', 't1', 't2']);
  });
});
