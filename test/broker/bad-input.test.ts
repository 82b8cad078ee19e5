import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { produceBody, RawClient, recordBatch, startTestBroker, waitUntil, type TestBroker } from './helpers.ts';

let tb: TestBroker;

beforeAll(async () => {
  tb = await startTestBroker({ maxFrameBytes: 1024 * 1024 });
  const admin = tb.kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'target', numPartitions: 1 }] });
  await admin.disconnect();
});
afterAll(async () => {
  await tb.cleanup();
});

async function stillServes(): Promise<void> {
  const admin = tb.kafka.admin();
  await admin.connect();
  expect(await admin.listTopics()).toContain('target');
  await admin.disconnect();
}

/** Error code of the single partition in a Produce v3 response frame. */
function produceError(frame: Buffer): number {
  const topicLen = frame.readInt16BE(8);
  return frame.readInt16BE(4 + 4 + 2 + topicLen + 4 + 4);
}

describe('bad input never takes the broker down', () => {
  it('closes a connection that sends garbage bytes', async () => {
    const c = await RawClient.open(tb.broker.port);
    c.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await waitUntil('connection closed', () => c.closed);
    expect(tb.logs.some((l) => l.includes('frame size'))).toBe(true);
    await stillServes();
  });

  it('closes a connection whose frame is over the size limit', async () => {
    const c = await RawClient.open(tb.broker.port);
    const size = Buffer.alloc(4);
    size.writeInt32BE(2 * 1024 * 1024);
    c.send(size);
    await waitUntil('connection closed', () => c.closed);
    expect(tb.logs.some((l) => l.includes('frame size 2097152'))).toBe(true);
    await stillServes();
  });

  it('closes a connection on a truncated request body and on an unknown API key', async () => {
    const c = await RawClient.open(tb.broker.port);
    c.request(3, 1, 1, Buffer.from([0, 0, 0, 5])); // Metadata v1 claiming 5 topics, then nothing
    await waitUntil('connection closed', () => c.closed);
    expect(tb.logs.some((l) => l.includes('Metadata v1 malformed'))).toBe(true);
    const d = await RawClient.open(tb.broker.port);
    d.request(999, 0, 1, Buffer.alloc(0));
    await waitUntil('connection closed', () => d.closed);
    await stillServes();
  });

  it('answers ApiVersions at an unsupported version with UNSUPPORTED_VERSION and closes on other unsupported versions', async () => {
    const c = await RawClient.open(tb.broker.port);
    c.request(18, 99, 7, Buffer.alloc(0));
    await waitUntil('a response', () => c.frames.length === 1);
    const frame = c.frames[0] as Buffer;
    expect(frame.readInt32BE(0)).toBe(7);
    expect(frame.readInt16BE(4)).toBe(35);
    c.request(3, 99, 8, Buffer.alloc(0));
    await waitUntil('connection closed', () => c.closed);
    expect(tb.logs.some((l) => l.includes('unsupported Metadata version 99'))).toBe(true);
    await stillServes();
  });

  it('refuses a batch with a bad CRC (CORRUPT_MESSAGE) and to an unknown topic (UNKNOWN_TOPIC_OR_PARTITION), then accepts a good one', async () => {
    const c = await RawClient.open(tb.broker.port);
    const corrupt = recordBatch('hello');
    corrupt.writeUInt8(corrupt.readUInt8(corrupt.length - 2) ^ 0xff, corrupt.length - 2);
    c.request(0, 3, 1, produceBody('target', corrupt));
    c.request(0, 3, 2, produceBody('no-such-topic', recordBatch('hello')));
    c.request(0, 3, 3, produceBody('target', recordBatch('hello')));
    await waitUntil('three responses', () => c.frames.length === 3);
    expect(c.frames.map((f) => f.readInt32BE(0))).toEqual([1, 2, 3]);
    expect(c.frames.map(produceError)).toEqual([2, 3, 0]);
    c.close();
    const admin = tb.kafka.admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain('no-such-topic');
    expect(await admin.fetchTopicOffsets('target')).toEqual([{ partition: 0, offset: '1', high: '1', low: '0' }]);
    await admin.disconnect();
  });

  it('kafkajs producing to an unknown topic fails instead of auto-creating it', async () => {
    const producer = tb.kafka.producer({ retry: { retries: 1, initialRetryTime: 50 } });
    await producer.connect();
    await expect(producer.send({ topic: 'missing-topic', messages: [{ value: 'x' }] })).rejects.toThrow();
    await producer.disconnect();
    await stillServes();
  });
});
