import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, waitUntil, type TestBroker } from './helpers.ts';

/** librdkafka (through Debian's kcat) is an independent client implementation: the second opinion on the wire format. */
const KCAT = '/usr/bin/kcat';
let tb: TestBroker;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  if (!existsSync(KCAT)) throw new Error('kcat is missing: apt-get install kcat (test/setup installs it when run as root)');
  tb = await startTestBroker();
  const admin = tb.kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'kc', numPartitions: 3 }, { topic: 'kc-group', numPartitions: 4 }] });
  await admin.disconnect();
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await tb.cleanup();
});

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs kcat to completion (asynchronously: the broker shares this process's event loop). */
function kcat(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(KCAT, ['-b', tb.broker.address, ...args]);
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

describe('kcat (librdkafka) against the embedded broker', () => {
  it('kcat -L shows the broker at the address clients dial and the topics', async () => {
    const run = await kcat(['-L']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`broker 0 at ${tb.broker.address}`);
    expect(run.stdout).toContain('topic "kc" with 3 partitions');
  });

  it('produces with keys and headers and consumes them back (CRCs checked by librdkafka)', async () => {
    const produced = await kcat(['-P', '-t', 'kc', '-K:', '-H', 'source=kcat', '-H', 'n=1'], 'k1:v1\nk2:v2\nk3:v3\nk1:v4\n');
    expect(produced.code).toBe(0);
    const consumed = await kcat(['-C', '-t', 'kc', '-e', '-o', 'beginning', '-X', 'check.crcs=true', '-f', '%k=%s|%h\\n']);
    expect(consumed.code).toBe(0);
    const lines = consumed.stdout.trim().split('\n').sort();
    expect(lines).toEqual(['k1=v1|source=kcat,n=1', 'k1=v4|source=kcat,n=1', 'k2=v2|source=kcat,n=1', 'k3=v3|source=kcat,n=1']);
  });

  it('reads what kafkajs wrote and kafkajs reads what kcat wrote', async () => {
    const producer = tb.kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'kc', messages: [{ key: 'from', value: 'kafkajs', headers: { h: 'x' } }] });
    await producer.disconnect();
    const consumed = await kcat(['-C', '-t', 'kc', '-e', '-o', 'beginning', '-X', 'check.crcs=true', '-f', '%k=%s\\n']);
    expect(consumed.stdout).toContain('from=kafkajs');
    const consumer = tb.kafka.consumer({ groupId: 'kafkajs-reads-kcat', maxWaitTimeInMs: 100, heartbeatInterval: 100 });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'kc', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { seen.push(`${String(message.key)}=${String(message.value)}|${message.headers?.source?.toString() ?? ''}`); } });
    await waitUntil('five messages', () => seen.length >= 5);
    await consumer.disconnect();
    expect(seen).toContain('k2=v2|kcat');
  });

  it('two kcat -G members split the partitions, consume every message, survive a killed member and resume from commits', async () => {
    const members = ['m1', 'm2'].map((name) => {
      const child = spawn(KCAT, ['-u', '-b', tb.broker.address, '-G', 'kcat-group', '-o', 'beginning', '-X', 'session.timeout.ms=1500', '-X', 'heartbeat.interval.ms=100', '-X', 'auto.commit.interval.ms=100', '-f', '%p %s\\n', 'kc-group']);
      children.add(child);
      const state = { name, child, out: '', err: '', assigned: [] as number[] };
      child.stdout.on('data', (d: Buffer) => (state.out += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        state.err += d.toString();
        // "% Group kcat-group rebalanced (memberid ...): assigned: kc-group [0], kc-group [2]"
        const all = [...state.err.matchAll(/rebalanced \(memberid [^)]*\): (assigned|revoked): ([^\n]*)/g)];
        const last = all.at(-1);
        state.assigned = last && last[1] === 'assigned' ? [...(last[2] ?? '').matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])) : [];
      });
      child.stdin.end();
      return state;
    });
    await waitUntil('both members hold partitions covering the topic', () => {
      const [a, b] = members as [typeof members[0], typeof members[0]];
      return a.assigned.length > 0 && b.assigned.length > 0 && a.assigned.length + b.assigned.length === 4;
    });
    const [a, b] = members as [typeof members[0], typeof members[0]];
    expect([...a.assigned, ...b.assigned].sort()).toEqual([0, 1, 2, 3]);

    const input = Array.from({ length: 40 }, (_, i) => `key${i}:msg${i}`).join('\n');
    expect((await kcat(['-P', '-t', 'kc-group', '-K:'], `${input}\n`)).code).toBe(0);
    const lines = (): string[] => members.flatMap((m) => m.out.trim().split('\n').filter(Boolean));
    await waitUntil('40 messages across the two members', () => lines().length >= 40);
    for (const m of members) {
      const partitions = new Set(m.out.trim().split('\n').filter(Boolean).map((l) => Number(l.split(' ')[0])));
      expect([...partitions].every((p) => m.assigned.includes(p))).toBe(true);
    }
    expect(lines().map((l) => l.split(' ')[1]).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `msg${i}`).sort());

    // A member killed without LeaveGroup is expired after its session timeout and the survivor takes over everything.
    b.child.kill('SIGKILL');
    await waitUntil('the survivor owns all partitions', () => a.assigned.length === 4);
    const more = Array.from({ length: 10 }, (_, i) => `late${i}:after${i}`).join('\n');
    expect((await kcat(['-P', '-t', 'kc-group', '-K:'], `${more}\n`)).code).toBe(0);
    await waitUntil('the survivor reads the late messages', () => Array.from({ length: 10 }, (_, i) => `after${i}`).every((v) => a.out.includes(` ${v}\n`)));
    a.child.kill('SIGTERM');
    await waitUntil('members exit', () => members.every((m) => m.child.exitCode !== null || m.child.signalCode !== null));

    // The members committed on the way out (OffsetCommit), so a new member resumes there (OffsetFetch, flexible v7) and
    // reads nothing, although it would start from the earliest offset without a commit (-o would skip OffsetFetch).
    const admin = tb.kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: 'kcat-group', topics: ['kc-group'] });
    await admin.disconnect();
    expect(committed?.partitions.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(50);
    const resumed = await kcat(['-G', 'kcat-group', '-X', 'auto.offset.reset=earliest', '-e', '-f', '%s\\n', 'kc-group']);
    expect(resumed.stdout.trim()).toBe('');
    expect(tb.logs.some((l) => /first OffsetFetch v[67] \(flexible\)/.test(l))).toBe(true);
  });
});
