import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchBody, produceBody, RawClient, recordBatch, startTestBroker, waitUntil, type TestBroker } from './helpers.ts';

/** Wire-level behaviours clients rely on, checked with raw frames. */
let tb: TestBroker;

beforeAll(async () => {
  tb = await startTestBroker();
  const admin = tb.kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'wire', numPartitions: 1 }] });
  await admin.disconnect();
});
afterAll(async () => {
  await tb.cleanup();
});

describe('wire behaviour', () => {
  it('a long-polling Fetch is woken by a produce on another connection', async () => {
    const fetcher = await RawClient.open(tb.broker.port);
    fetcher.request(1, 4, 41, fetchBody('wire', 0, 120_000));
    // Logged when the request is dispatched, in the same tick the fetch parks: produce only after that.
    await waitUntil('the fetch to park', () => tb.logs.some((l) => l.startsWith('first Fetch v4')));
    const producer = await RawClient.open(tb.broker.port);
    producer.request(0, 3, 1, produceBody('wire', recordBatch('wake-up')));
    // The hang guard is far below the Fetch's 120 s max wait: only a wake-up answers in time.
    await waitUntil('the fetch answer', () => fetcher.frames.length === 1, 20_000);
    const frame = fetcher.frames[0] as Buffer;
    expect(frame.readInt32BE(0)).toBe(41);
    expect(frame.includes(Buffer.from('wake-up'))).toBe(true);
    fetcher.close();
    producer.close();
  });

  it('a Fetch with nothing new answers empty when its max wait passes', async () => {
    const c = await RawClient.open(tb.broker.port);
    c.request(1, 4, 42, fetchBody('wire', 1, 50));
    await waitUntil('the empty answer', () => c.frames.length === 1);
    expect((c.frames[0] as Buffer).includes(Buffer.from('wake-up'))).toBe(false);
    c.close();
  });

  it('acks=0 produces send no response frame; later requests on the connection are answered in order', async () => {
    const c = await RawClient.open(tb.broker.port);
    c.request(0, 3, 100, produceBody('wire', recordBatch('fire-and-forget'), 0));
    c.request(18, 0, 101, Buffer.alloc(0));
    c.request(0, 3, 102, produceBody('wire', recordBatch('acked'), -1));
    c.request(18, 2, 103, Buffer.alloc(0));
    await waitUntil('three answers', () => c.frames.length === 3);
    expect(c.frames.map((f) => f.readInt32BE(0))).toEqual([101, 102, 103]);
    c.close();
    const admin = tb.kafka.admin();
    await admin.connect();
    expect(await admin.fetchTopicOffsets('wire')).toEqual([{ partition: 0, offset: '3', high: '3', low: '0' }]);
    await admin.disconnect();
  });
});
