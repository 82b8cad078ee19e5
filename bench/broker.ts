/**
 * `npm run bench -- broker`: produce then consume 1,000,000 messages of 200 bytes with kafkajs against the embedded
 * broker running in a child process, so the broker's CPU time (reported by the child over IPC) can be set beside the
 * client's. The aim is a broker that costs less CPU than the clients driving it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';

// kafkajs is CommonJS: take its exports from the default export under Node's ESM loader.
const { Kafka, logLevel } = kafkajs;

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const SIZE = 200;
const PER_SEND = 2_000;
const IN_FLIGHT = 8;
const PARTITIONS = 4;

interface Cpu { user: number; system: number }

function startBrokerProcess(dataDir: string): Promise<{ child: ChildProcess; address: string }> {
  const cli = fileURLToPath(new URL('../scripts/engines/broker/cli.ts', import.meta.url));
  const child = fork(cli, ['--port', '0', '--data-dir', dataDir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`broker exited early with code ${code}`)));
    child.on('message', (msg: { ready?: string }) => {
      if (msg.ready) resolve({ child, address: msg.ready });
    });
  });
}

function brokerCpu(child: ChildProcess): Promise<Cpu> {
  return new Promise((resolve) => {
    const onMessage = (msg: { cpu?: Cpu }): void => {
      if (!msg.cpu) return;
      child.off('message', onMessage);
      resolve(msg.cpu);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

const seconds = (a: Cpu, b: Cpu): number => (b.user - a.user + b.system - a.system) / 1e6;

async function phase(name: string, child: ChildProcess, run: () => Promise<void>): Promise<string> {
  const b0 = await brokerCpu(child);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await run();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const clientCpu = process.cpuUsage(c0);
  const b1 = await brokerCpu(child);
  const rate = MESSAGES / wall;
  return `${name.padEnd(8)} ${MESSAGES} msgs x ${SIZE} B in ${wall.toFixed(2)} s: ${Math.round(rate).toLocaleString('en-US')} msg/s, ${((rate * SIZE) / 1e6).toFixed(1)} MB/s; `
    + `broker CPU ${seconds(b0, b1).toFixed(2)} s vs client CPU ${((clientCpu.user + clientCpu.system) / 1e6).toFixed(2)} s`;
}

export default async function benchBroker(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-broker-'));
  const { child, address } = await startBrokerProcess(dataDir);
  child.removeAllListeners('exit');
  const kafka = new Kafka({ clientId: 'bench', brokers: [address], logLevel: logLevel.ERROR });
  try {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'bench', numPartitions: PARTITIONS }] });
    await admin.disconnect();

    const value = Buffer.alloc(SIZE, 'x');
    const producer = kafka.producer();
    await producer.connect();
    const lines: string[] = [];
    lines.push(await phase('produce', child, async () => {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < MESSAGES) {
          const n = Math.min(PER_SEND, MESSAGES - next);
          next += n;
          await producer.send({ topic: 'bench', acks: -1, messages: Array.from({ length: n }, () => ({ value })) });
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    }));
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'bench', maxBytes: 64 * 1024 * 1024, maxBytesPerPartition: 8 * 1024 * 1024, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'bench', fromBeginning: true });
    lines.push(await phase('consume', child, async () => {
      let seen = 0;
      await new Promise<void>((resolve) => {
        void consumer.run({
          eachBatch: async ({ batch }) => {
            seen += batch.messages.length;
            if (seen >= MESSAGES) resolve();
          },
        });
      });
    }));
    await consumer.disconnect();
    console.log(`broker bench (kafkajs 2.2.4 client, acks=-1, ${PARTITIONS} partitions, ${PER_SEND} msgs per send, ${IN_FLIGHT} sends in flight; broker in a child process)`);
    for (const l of lines) console.log(l);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await benchBroker();
