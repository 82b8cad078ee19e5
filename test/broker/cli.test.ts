import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaFor, waitUntil } from './helpers.ts';

/** `npm run broker` as a real process: crash (SIGKILL) after acknowledged writes, restart, then a clean SIGTERM stop. */
const dataDir = mkdtempSync(join(tmpdir(), 'broker-cli-'));
const children = new Set<ChildProcess>();

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function startCli(): Promise<{ child: ChildProcess; address: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/engines/broker/cli.ts', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await waitUntil('the broker to listen', () => /broker listening on (\S+)/.test(out));
  return { child, address: /broker listening on (\S+)/.exec(out)?.[1] as string, output: () => out };
}

describe('npm run broker (cli)', () => {
  it('loses nothing acknowledged when killed, and stops cleanly on SIGTERM', async () => {
    const first = await startCli();
    const kafka = kafkaFor(first.address);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'crash', numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'crash', acks: -1, messages: Array.from({ length: 25 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await admin.setOffsets({ groupId: 'crash-g', topic: 'crash', partitions: [{ partition: 0, offset: '3' }] });
    const before = await admin.fetchTopicOffsets('crash');
    await producer.disconnect();
    await admin.disconnect();
    first.child.kill('SIGKILL');
    await waitUntil('the broker to die', () => first.child.exitCode !== null || first.child.signalCode !== null);

    const second = await startCli();
    const admin2 = kafkaFor(second.address).admin();
    await admin2.connect();
    expect(await admin2.fetchTopicOffsets('crash')).toEqual(before);
    const [committed] = await admin2.fetchOffsets({ groupId: 'crash-g', topics: ['crash'] });
    expect(committed?.partitions.find((p) => p.partition === 0)?.offset).toBe('3');
    await admin2.disconnect();

    second.child.kill('SIGTERM');
    await waitUntil('a clean exit', () => second.child.exitCode !== null);
    expect(second.child.exitCode).toBe(0);
    expect(second.output()).toContain('SIGTERM: stopping broker');
    expect(second.output()).toContain('[broker] stopped');
  });
});
