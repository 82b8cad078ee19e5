import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { TOPICS, topicSpec } from '../../schemas/topics.ts';
import { applyTopics, topicDrift } from '../../scripts/topics.ts';
import { startTestBroker, type TestBroker } from './helpers.ts';

let tb: TestBroker;
let admin: Admin;

beforeAll(async () => {
  tb = await startTestBroker();
  admin = tb.kafka.admin();
  await admin.connect();
});
afterAll(async () => {
  await admin.disconnect();
  await tb.cleanup();
});

/** Runs `npm run topics -- COMMAND` against the test broker (asynchronously: the broker lives in this process). */
function topicsCli(command: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'scripts/topics.ts', command], { env: { ...process.env, KAFKA_BROKERS: tb.broker.address } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

describe('topic catalog', () => {
  it('declares every platform topic once, with a lookup', () => {
    const names = TOPICS.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['ohlcv-raw', 'ohlcv-validated', 'market-metadata', 'alerts', 'analytics-requests', 'ohlcv-raw-dlq', 'ohlcv-validated-dlq', 'analytics-requests-dlq']));
    expect(topicSpec('market-metadata')?.configs['cleanup.policy']).toBe('compact');
    expect(topicSpec('nope')).toBeUndefined();
  });

  it('apply creates everything, check then finds no drift, and both fix drift in partitions and configs', async () => {
    expect((await topicDrift(admin)).filter((d) => d.kind === 'missing')).toHaveLength(TOPICS.length);
    const created = await applyTopics(admin);
    expect(created).toHaveLength(TOPICS.length);
    expect(await topicDrift(admin)).toEqual([]);
    const meta = await admin.fetchTopicMetadata({ topics: ['ohlcv-raw'] });
    expect(meta.topics[0]?.partitions).toHaveLength(topicSpec('ohlcv-raw')?.partitions ?? -1);

    // Drift: fewer partitions and a changed config.
    await admin.deleteTopics({ topics: ['alerts'] });
    await admin.createTopics({ topics: [{ topic: 'alerts', numPartitions: 1 }] });
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'market-metadata', configEntries: [{ name: 'cleanup.policy', value: 'delete' }] }] });
    const drift = await topicDrift(admin);
    expect(drift.map((d) => `${d.topic}:${d.kind}`).sort()).toEqual(['alerts:config', 'alerts:config', 'alerts:partitions', 'market-metadata:config', 'market-metadata:config']);

    const check = await topicsCli('check');
    expect(check.code).toBe(1);
    expect(check.out).toContain('drift: alerts has 1 partitions, catalog says 3');
    const apply = await topicsCli('apply');
    expect(apply.code).toBe(0);
    const clean = await topicsCli('check');
    expect(clean.out).toContain(`all ${TOPICS.length} topics match the catalog`);
    expect(clean.code).toBe(0);
  });
});
