/** Shared by the broker suites: a broker on a free port in a temp dir, kafkajs clients, and a raw wire client. */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { crc32c } from '../../scripts/engines/broker/crc32c.ts';
import { startBroker, type BrokerHandle, type BrokerOptions } from '../../scripts/engines/broker/index.ts';

export interface TestBroker {
  broker: BrokerHandle;
  dataDir: string;
  logs: string[];
  kafka: Kafka;
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startTestBroker(options: Partial<BrokerOptions> = {}): Promise<TestBroker> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'broker-test-'));
  const logs: string[] = [];
  const start = (): Promise<BrokerHandle> => startBroker({ port: 0, cleanerIntervalMs: 0, ...options, dataDir, log: (m) => logs.push(m) });
  const tb: TestBroker = {
    broker: await start(),
    dataDir,
    logs,
    kafka: undefined as unknown as Kafka,
    async restart() {
      await tb.broker.stop();
      tb.broker = await start();
      tb.kafka = kafkaFor(tb.broker.address);
    },
    async cleanup() {
      await tb.broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  tb.kafka = kafkaFor(tb.broker.address);
  return tb;
}

export function kafkaFor(address: string): Kafka {
  return new Kafka({ clientId: 'broker-test', brokers: [address], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50, maxRetryTime: 500 } });
}

/** Fast consumer settings so rebalances and long-polls finish quickly in tests. */
export const FAST_CONSUMER = { maxWaitTimeInMs: 100, heartbeatInterval: 100, sessionTimeout: 6000, rebalanceTimeout: 6000 } as const;

/** Polls `check` until it returns true; fails with `what` after `limitMs` (a hang guard, not a timing assertion). */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A raw TCP client that sends bytes and collects response frames, for the bad-input cases. */
export class RawClient {
  private socket: Socket;
  private buf = Buffer.alloc(0);
  readonly frames: Buffer[] = [];
  closed = false;
  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readInt32BE(0)) {
        const n = this.buf.readInt32BE(0);
        this.frames.push(this.buf.subarray(4, 4 + n));
        this.buf = this.buf.subarray(4 + n);
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
  }
  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }
  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }
  /** A request frame: size, api key, version, correlation id, client id (int16 string), body. */
  request(apiKey: number, version: number, correlationId: number, body: Buffer): void {
    const head = Buffer.alloc(10);
    head.writeInt16BE(apiKey, 0);
    head.writeInt16BE(version, 2);
    head.writeInt32BE(correlationId, 4);
    head.writeInt16BE(-1, 8);
    const size = Buffer.alloc(4);
    size.writeInt32BE(head.length + body.length);
    this.send(Buffer.concat([size, head, body]));
  }
  close(): void {
    this.socket.destroy();
  }
}

/** One uncompressed RecordBatch v2 holding a single record with value `value`. */
export function recordBatch(value: string): Buffer {
  const v = Buffer.from(value);
  // record: length, attributes, tsDelta 0, offsetDelta 0, key -1 (null), value length, value, 0 headers (zig-zag varints)
  const body = Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from([v.length * 2]), v, Buffer.from([0])]);
  const record = Buffer.concat([Buffer.from([body.length * 2]), body]);
  const batch = Buffer.alloc(61 + record.length);
  batch.writeBigInt64BE(0n, 0);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(-1, 12);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(0, 21);
  batch.writeInt32BE(0, 23);
  batch.writeBigInt64BE(BigInt(Date.now()), 27);
  batch.writeBigInt64BE(BigInt(Date.now()), 35);
  batch.writeBigInt64BE(-1n, 43);
  batch.writeInt16BE(-1, 51);
  batch.writeInt32BE(-1, 53);
  batch.writeInt32BE(1, 57);
  record.copy(batch, 61);
  batch.writeUInt32BE(crc32c(batch, 21), 17);
  return batch;
}

/** Produce v3 body: transactional_id null, acks 1, timeout, one topic with one partition. */
export function produceBody(topic: string, batch: Buffer, acks = 1): Buffer {
  const t = Buffer.from(topic);
  const head = Buffer.alloc(2 + 2 + 4 + 4 + 2);
  head.writeInt16BE(-1, 0);
  head.writeInt16BE(acks, 2);
  head.writeInt32BE(5000, 4);
  head.writeInt32BE(1, 8);
  head.writeInt16BE(t.length, 12);
  const tail = Buffer.alloc(4 + 4 + 4);
  tail.writeInt32BE(1, 0);
  tail.writeInt32BE(0, 4);
  tail.writeInt32BE(batch.length, 8);
  return Buffer.concat([head, t, tail, batch]);
}

/** Fetch v4 body: one partition of `topic` from `offset`, waiting up to `maxWaitMs` for at least one byte. */
export function fetchBody(topic: string, offset: number, maxWaitMs: number): Buffer {
  const t = Buffer.from(topic);
  const head = Buffer.alloc(4 + 4 + 4 + 4 + 1 + 4 + 2);
  head.writeInt32BE(-1, 0);
  head.writeInt32BE(maxWaitMs, 4);
  head.writeInt32BE(1, 8);
  head.writeInt32BE(1024 * 1024, 12);
  head.writeInt8(0, 16);
  head.writeInt32BE(1, 17);
  head.writeInt16BE(t.length, 21);
  const part = Buffer.alloc(4 + 4 + 8 + 4);
  part.writeInt32BE(1, 0);
  part.writeInt32BE(0, 4);
  part.writeBigInt64BE(BigInt(offset), 8);
  part.writeInt32BE(1024 * 1024, 16);
  return Buffer.concat([head, t, part]);
}
