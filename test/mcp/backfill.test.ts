/**
 * request_backfill publishes a BackfillRequest to analytics-requests on the embedded broker; get_backfill_status
 * follows the backfill_progress records the pipeline publishes there, and a fresh queue (another instance, a restart)
 * rebuilds the same answer from the topic alone.
 */
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackfillRequest } from '../../schemas/analytics-requests.ts';
import type { BackfillProgress } from '../../schemas/analytics-requests.ts';
import type { DeadLetter } from '../../schemas/dead-letter.ts';
import { createKafkaBackfillQueue, failedProgressOf } from '../../scripts/lib/mcp-backfill-queue.ts';
import { modernClient } from './clients.ts';
import type { TestClient } from './clients.ts';
import { HOUR, T_END, startFixture } from './fixture.ts';
import type { Fixture } from './fixture.ts';

let f: Fixture;
let c: TestClient;
let kafka: InstanceType<typeof kafkajs.Kafka>;
beforeAll(async () => {
  f = await startFixture({ snapshotPollMs: 0 });
  c = await modernClient(f.url, f.keys.backfill);
  kafka = new kafkajs.Kafka({ clientId: 'mcp-backfill-test', brokers: [f.broker.address], logLevel: kafkajs.logLevel.NOTHING });
});
afterAll(async () => {
  await c?.close();
  await f?.stop();
});

/** Every record of analytics-requests so far, as JSON. */
async function topicRecords(expected: number): Promise<{ key: string; value: unknown }[]> {
  const consumer = kafka.consumer({ groupId: `reader-${Math.random().toString(36).slice(2)}` });
  const out: { key: string; value: unknown }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: ['analytics-requests'], fromBeginning: true });
    let done = (): void => undefined;
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        out.push({ key: message.key?.toString() ?? '', value: JSON.parse(message.value?.toString() ?? 'null') });
        if (out.length >= expected) done();
      },
    });
    await all;
    return out;
  } finally {
    await consumer.disconnect();
  }
}

async function publishProgress(progress: BackfillProgress): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic: 'analytics-requests', acks: -1, messages: [{ key: progress.requestId, value: JSON.stringify(progress) }] });
  } finally {
    await producer.disconnect();
  }
}

describe('backfill over analytics-requests', () => {
  it('publishes the request once, then reports the progress the pipeline publishes', async () => {
    const args = { symbols: ['ETH-USD', 'BTC-USD', 'ETH-USD'], timeframe: '1h', range: { from: T_END - 30 * HOUR, to: T_END - 20 * HOUR } };
    const queued = await c.call('request_backfill', args);
    expect(queued.isError).toBe(false);
    expect(queued.structured.status).toBe('queued');
    const requestId = queued.structured.requestId as string;
    expect((await c.call('request_backfill', args)).structured.summary).toMatch(/already queued/);

    const [record] = await topicRecords(1);
    expect(record?.key).toBe(requestId);
    expect(BackfillRequest.parse(record?.value)).toEqual({
      kind: 'backfill', requestId, exchange: 'cccagg', symbols: ['BTC-USD', 'ETH-USD'], timeframe: '1h', from: args.range.from, to: args.range.to,
      reason: 'agent', requestedBy: f.keyIds.backfill, requestedAt: expect.any(Number),
    });

    await publishProgress({ kind: 'backfill_progress', requestId, status: 'running', candles: 5, pages: 1, at: Date.now() });
    await publishProgress({ kind: 'backfill_progress', requestId, status: 'done', candles: 22, pages: 2, at: Date.now() });
    let status: Record<string, unknown> = {};
    for (let i = 0; i < 200 && status.status !== 'done'; i++) {
      status = (await c.call('get_backfill_status', { requestId })).structured.progress as Record<string, unknown>;
      if (status.status !== 'done') await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toEqual(expect.objectContaining({ requestId, status: 'done', candles: 22, pages: 2 }));
    // Only one request record and the two progress records: the repeated call did not publish again.
    expect((await topicRecords(3)).map((r) => (r.value as { kind: string; status?: string }).status ?? 'request')).toEqual(['request', 'running', 'done']);

    // Another instance knows nothing but the topic, and answers the same.
    const fresh = createKafkaBackfillQueue({ brokers: [f.broker.address] });
    try {
      expect(await fresh.status(requestId)).toEqual(expect.objectContaining({ status: 'done', candles: 22 }));
      expect(await fresh.status('bf_unknown00')).toBeNull();
    } finally {
      await fresh.close();
    }
  });

  it('reports a request the backfill function refused as failed with its reason, and queues it again on request', async () => {
    const args = { symbols: ['SOL-USD'], timeframe: '1h', range: { from: T_END - 60 * HOUR, to: T_END - 50 * HOUR } };
    const first = await c.call('request_backfill', args);
    const requestId = first.structured.requestId as string;
    const request = (await topicRecords(4)).find((r) => r.key === requestId)?.value;
    expect(BackfillRequest.parse(request).requestId).toBe(requestId);
    // What connect/backfill.yaml writes for a refusal: the dead letter, keyed by the request id.
    const letter: DeadLetter = { schemaVersion: 1, stage: 'backfill', reasonCode: 'CC_NO_DATA', message: 'no data for SOL-USD on cccagg', original: request, failedAt: Date.now() };
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'analytics-requests-dlq', acks: -1, messages: [{ key: requestId, value: JSON.stringify(letter) }] });
    await producer.disconnect();

    let status = await c.call('get_backfill_status', { requestId });
    for (let i = 0; i < 200 && (status.structured.progress as { status: string }).status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = await c.call('get_backfill_status', { requestId });
    }
    expect(status.structured.progress).toEqual(expect.objectContaining({ requestId, status: 'failed', error: { code: 'CC_NO_DATA', message: 'no data for SOL-USD on cccagg' } }));
    expect(status.structured.summary).toMatch(/failed \(CC_NO_DATA: no data for SOL-USD on cccagg\)/);

    const again = await c.call('request_backfill', args);
    expect(again.structured).toEqual(expect.objectContaining({ requestId, status: 'queued', summary: expect.stringMatching(/again \(the last attempt failed: CC_NO_DATA\)/) }));
    expect((await topicRecords(5)).filter((r) => r.key === requestId && (r.value as { kind: string }).kind === 'backfill')).toHaveLength(2);
    // An instance replaying both topics sees the newer request after the refusal: queued, not failed.
    const fresh = createKafkaBackfillQueue({ brokers: [f.broker.address] });
    try {
      expect(await fresh.status(requestId)).toEqual(expect.objectContaining({ status: 'queued' }));
    } finally {
      await fresh.close();
    }
  });

  it('reads only dead letters of backfill requests as failures', () => {
    const base = { schemaVersion: 1, stage: 'backfill', reasonCode: 'RANGE_TOO_LARGE', message: 'too large', failedAt: 5 };
    expect(failedProgressOf({ ...base, original: { not: 'a request' } })).toBeNull();
    expect(failedProgressOf({ reasonCode: 'X' })).toBeNull();
    const original = { kind: 'backfill', requestId: 'bf_abcdef', exchange: 'cccagg', symbols: ['BTC-USD'], timeframe: '1m', from: 0, to: 60_000, reason: 'cli', requestedBy: 'cli', requestedAt: 1 };
    expect(failedProgressOf({ ...base, original })).toEqual({ kind: 'backfill_progress', requestId: 'bf_abcdef', status: 'failed', candles: 0, pages: 0, error: { code: 'RANGE_TOO_LARGE', message: 'too large' }, at: 5 });
  });

  it('answers BACKFILL_NOT_FOUND for an id nobody requested', async () => {
    const r = await c.call('get_backfill_status', { requestId: 'bf_neverrequested' });
    expect(r.isError).toBe(true);
    expect(JSON.parse(r.text).error.code).toBe('BACKFILL_NOT_FOUND');
  });
});
