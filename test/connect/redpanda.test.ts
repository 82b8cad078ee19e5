import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type BrokerHandle } from '../../scripts/engines/broker/index.ts';
import { loadConfigText } from '../../scripts/connect/config.ts';
import { startStream } from '../../scripts/connect/stream.ts';

const TOTAL = 300;
let broker: BrokerHandle;
let dataDir: string;
let kafka: Kafka;
let admin: Admin;
let fn: ServerType;
let fnUrl = '';

/** Polls a condition (no timed assertion: the suite's test timeout is the only bound). */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 50));
}

async function topicTotal(topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
}

async function committed(groupId: string, topic: string): Promise<number> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (t?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

async function readAll(topic: string): Promise<Array<{ key: string; id: number }>> {
  const total = await topicTotal(topic);
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}` });
  const out: Array<{ key: string; id: number }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void out.push({ key: message.key?.toString() ?? '', id: (JSON.parse(message.value?.toString() ?? '{}') as { id: number }).id }) });
  await until(async () => out.length >= total);
  await consumer.disconnect();
  return out;
}

const pipeline = (group: string, out: string): string => `
http: { enabled: false }
logger: { level: ERROR }
input:
  redpanda:
    seed_brokers: ["\${BROKERS}"]
    topics: [in]
    consumer_group: ${group}
    commit_period: 200ms
    fetch_max_wait: 100ms
    max_yield_batch_bytes: 200B
    session_timeout: 6s
    heartbeat_interval: 500ms
pipeline:
  processors:
    - http: { url: "\${FN}", headers: { Content-Type: application/json } }
output:
  redpanda:
    seed_brokers: ["\${BROKERS}"]
    topic: ${out}
    key: "\${! @kafka_key }"
    allow_auto_topic_creation: false
`;

function configOf(yaml: string) {
  const { config, errors } = loadConfigText(yaml, 'kafka.yaml', { env: { BROKERS: broker.address, FN: fnUrl } });
  expect(errors).toEqual([]);
  if (config === undefined) throw new Error('invalid config');
  return config;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'connect-broker-'));
  broker = await startBroker({ port: 0, dataDir });
  kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: ['in', 'out1', 'out2'].map((topic) => ({ topic, numPartitions: 3 })) });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'in', acks: -1, messages: Array.from({ length: TOTAL }, (_, id) => ({ key: `k${id % 10}`, value: JSON.stringify({ id }) })) });
  await producer.disconnect();
  // A slow echo function, so a stream is still busy when the test stops or kills it.
  const app = new Hono();
  app.post('/', async (c) => {
    await new Promise((r) => setTimeout(r, 15));
    return c.body(await c.req.text());
  });
  await new Promise<void>((resolve) => {
    fn = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      fnUrl = `http://127.0.0.1:${info.port}/`;
      resolve();
    });
  });
});

afterAll(async () => {
  await admin?.disconnect();
  await new Promise((r) => fn?.close(r));
  await broker?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('redpanda input/output against the embedded broker', () => {
  it('graceful stop commits exactly what was delivered; a restart finishes without loss or duplicates', async () => {
    const first = await startStream(configOf(pipeline('g1', 'out1')));
    await until(async () => (await topicTotal('out1')) >= 60);
    await first.stop();
    const deliveredBefore = await topicTotal('out1');
    expect(deliveredBefore).toBeLessThan(TOTAL);
    expect(await committed('g1', 'in')).toBe(deliveredBefore);

    const second = await startStream(configOf(pipeline('g1', 'out1')));
    await until(async () => (await committed('g1', 'in')) >= TOTAL);
    await second.stop();
    const records = await readAll('out1');
    expect(records).toHaveLength(TOTAL);
    expect(new Set(records.map((r) => r.id)).size).toBe(TOTAL);
    expect(records.every((r) => r.key === `k${r.id % 10}`)).toBe(true);
  });

  it('a runner killed mid-stream (SIGKILL) loses nothing after restart: offsets are committed only after the output acked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'connect-kill-'));
    const file = join(dir, 'stage.yaml');
    writeFileSync(file, pipeline('g2', 'out2'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/connect/cli.ts', 'run', file], { env: { ...process.env, BROKERS: broker.address, FN: fnUrl }, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await until(async () => (await topicTotal('out2')) >= 50);
    child.kill('SIGKILL');
    await exited;
    expect(await committed('g2', 'in')).toBeLessThan(TOTAL);

    const restarted = await startStream(configOf(pipeline('g2', 'out2')));
    await until(async () => (await committed('g2', 'in')) >= TOTAL);
    await restarted.stop();
    const ids = new Set((await readAll('out2')).map((r) => r.id));
    expect(ids.size).toBe(TOTAL);
    rmSync(dir, { recursive: true, force: true });
  });
});
