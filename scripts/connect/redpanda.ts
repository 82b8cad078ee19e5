import { Kafka, logLevel, type Consumer, type KafkaMessage, type Producer } from '../lib/kafkajs.ts';
import { Interpolation } from './bloblang.ts';
import { Message } from './message.ts';
import { deliverUntilDone, HandOff, type Ctx, type Delivery, type Input, type Output } from './runtime.ts';
import { parseByteSize, parseDuration } from './units.ts';

export interface RedpandaInputConf {
  seed_brokers: string[];
  topics: string[];
  consumer_group?: string;
  client_id: string;
  start_offset: 'earliest' | 'latest';
  commit_period: string;
  fetch_max_wait: string;
  max_yield_batch_bytes: string;
  /** Buffered per partition before fetching pauses (Connect's default 1MB). */
  partition_buffer_bytes?: string;
  rebalance_timeout: string;
  session_timeout: string;
  heartbeat_interval: string;
  auto_replay_nacks: boolean;
}

export interface RedpandaOutputConf {
  seed_brokers: string[];
  topic: string;
  key?: string;
  client_id: string;
  metadata?: { include_prefixes: string[]; include_patterns: string[] };
  max_in_flight: number;
  allow_auto_topic_creation: boolean;
  timeout: string;
}

/** `seed_brokers` entries may themselves be comma-separated, as in Connect. */
function brokersOf(seeds: string[]): string[] {
  return seeds.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

function kafkaClient(seeds: string[], clientId: string, ctx: Ctx): Kafka {
  return new Kafka({
    clientId,
    brokers: brokersOf(seeds),
    logLevel: logLevel.ERROR,
    logCreator: () => (entry) => ctx.log.warn(`kafka: ${entry.log.message}`),
    retry: { retries: 8, initialRetryTime: 100 },
  });
}

function toMessage(topic: string, partition: number, m: KafkaMessage): Message {
  const meta = new Map<string, unknown>([
    ['kafka_key', m.key?.toString('utf8') ?? ''],
    ['kafka_topic', topic],
    ['kafka_partition', String(partition)],
    ['kafka_offset', m.offset],
    ['kafka_timestamp_ms', m.timestamp],
    ['kafka_timestamp_unix', String(Math.floor(Number(m.timestamp) / 1000))],
    ['kafka_tombstone_message', String(m.value === null)],
  ]);
  for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) meta.set(k, Array.isArray(v) ? v.map(String).join(',') : v.toString('utf8'));
  return new Message(m.value ?? Buffer.alloc(0), meta);
}

/** Records fetched for one partition and not yet handed to the stream, with the pump that hands them out in order. */
interface PartitionBuffer {
  topic: string;
  partition: number;
  records: KafkaMessage[];
  bytes: number;
  pumping: boolean;
  /** eachBatch calls waiting for room (partition_buffer_bytes). */
  room: Array<() => void>;
}

const recordBytes = (m: KafkaMessage): number => (m.value?.length ?? 0) + (m.key?.length ?? 0);

/**
 * Connect's ordered `redpanda` input: per partition, fetched records are buffered (up to `partition_buffer_bytes`) and
 * handed out one batch at a time, each batch everything buffered up to `max_yield_batch_bytes`, so batches grow while
 * the stream is busy and fetching never waits for the pipeline. An offset is committed only after the output
 * acknowledged the batch that held it (every `commit_period`, and at shutdown).
 */
export function redpandaInput(conf: RedpandaInputConf, ctx: Ctx): Input {
  if (conf.consumer_group === undefined || conf.consumer_group === '') throw new Error('redpanda input: consumer_group is required by the local runner');
  const kafka = kafkaClient(conf.seed_brokers, conf.client_id, ctx);
  const consumer: Consumer = kafka.consumer({
    groupId: conf.consumer_group,
    maxWaitTimeInMs: parseDuration(conf.fetch_max_wait),
    sessionTimeout: parseDuration(conf.session_timeout),
    rebalanceTimeout: parseDuration(conf.rebalance_timeout),
    heartbeatInterval: parseDuration(conf.heartbeat_interval),
    allowAutoTopicCreation: false,
  });
  const queue = new HandOff<Delivery>();
  const maxBytes = parseByteSize(conf.max_yield_batch_bytes);
  const bufferBytes = Math.max(maxBytes, parseByteSize(conf.partition_buffer_bytes ?? '1MB'));
  const delivered = new Map<string, { topic: string; partition: number; offset: string }>();
  const buffers = new Map<string, PartitionBuffer>();
  let committedKeys = new Map<string, string>();
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;

  async function commit(): Promise<void> {
    const pending = [...delivered.entries()].filter(([k, v]) => committedKeys.get(k) !== v.offset);
    if (pending.length === 0) return;
    try {
      await consumer.commitOffsets(pending.map(([, v]) => v));
      committedKeys = new Map([...committedKeys, ...pending.map(([k, v]) => [k, v.offset] as [string, string])]);
    } catch (error) {
      ctx.log.warn(`redpanda input: offset commit failed (will retry): ${(error as Error).message}`);
    }
  }

  const wakeWriters = (buf: PartitionBuffer): void => {
    for (const w of buf.room.splice(0)) w();
  };

  /** Drops what a partition buffered but did not hand out: kafkajs fetches it again from the committed offset. */
  function dropBuffer(key: string): void {
    const buf = buffers.get(key);
    if (buf === undefined) return;
    buffers.delete(key);
    buf.records = [];
    buf.bytes = 0;
    wakeWriters(buf);
  }

  /** Hands a partition's buffered records to the stream in order, one batch in flight, until the buffer is empty. */
  async function pump(key: string, buf: PartitionBuffer): Promise<void> {
    if (buf.pumping) return;
    buf.pumping = true;
    try {
      while (buf.records.length > 0 && !stopping && buffers.get(key) === buf) {
        let n = 0;
        let bytes = 0;
        while (n < buf.records.length && bytes < maxBytes) bytes += recordBytes(buf.records[n++] as KafkaMessage);
        const records = buf.records.splice(0, n);
        buf.bytes -= bytes;
        wakeWriters(buf);
        const outcome = await deliverUntilDone(queue, () => records.map((r) => toMessage(buf.topic, buf.partition, r)), conf.auto_replay_nacks, ctx.log, ctx.signal);
        // Without auto_replay_nacks a rejected batch is dropped, as in Connect; a batch cut off by shutdown is not.
        if (outcome !== undefined && (conf.auto_replay_nacks || stopping)) return;
        if (buffers.get(key) !== buf) return; // the partition was revoked meanwhile: its new owner commits from here on
        const next = BigInt((records[records.length - 1] as KafkaMessage).offset) + 1n;
        const previous = delivered.get(key);
        if (previous === undefined || BigInt(previous.offset) < next) delivered.set(key, { topic: buf.topic, partition: buf.partition, offset: next.toString() });
      }
    } finally {
      buf.pumping = false;
    }
  }

  // After a rebalance kafkajs fetches again from the committed offsets: drop what was buffered, and forget partitions
  // this member lost (committing their old offsets would rewind the new owner).
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    for (const key of [...buffers.keys()]) dropBuffer(key);
    const owned = new Set(Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}:${p}`)));
    for (const key of [...delivered.keys()]) if (!owned.has(key)) delivered.delete(key);
  });

  const started = (async () => {
    await consumer.connect();
    for (const topic of conf.topics) await consumer.subscribe({ topic, fromBeginning: conf.start_offset === 'earliest' });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 64,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        if (stopping || batch.messages.length === 0) return;
        const key = `${batch.topic}:${batch.partition}`;
        let buf = buffers.get(key);
        if (buf === undefined) {
          buf = { topic: batch.topic, partition: batch.partition, records: [], bytes: 0, pumping: false, room: [] };
          buffers.set(key, buf);
        }
        for (const m of batch.messages) {
          buf.records.push(m);
          buf.bytes += recordBytes(m);
        }
        // The fetch position moves on at once; what is committed still follows delivery (`delivered`), never this.
        resolveOffset((batch.messages[batch.messages.length - 1] as KafkaMessage).offset);
        void pump(key, buf);
        // Back-pressure: the next fetch waits until this partition's buffer has room again.
        while (buf.bytes >= bufferBytes && !stopping && buffers.get(key) === buf) {
          await new Promise<void>((resume) => {
            const b = buf as PartitionBuffer;
            const t = setTimeout(resume, 1000);
            b.room.push(() => {
              clearTimeout(t);
              resume();
            });
          });
          await heartbeat();
        }
      },
    });
    timer = setInterval(() => void commit(), Math.max(100, parseDuration(conf.commit_period)));
  })();
  started.catch((error: unknown) => {
    ctx.log.error(`redpanda input failed to start: ${(error as Error).message}`);
    queue.end();
  });

  return {
    read: () => queue.read(),
    async stop() {
      stopping = true;
      for (const buf of buffers.values()) wakeWriters(buf);
      queue.end();
    },
    async close() {
      clearInterval(timer);
      await started.catch(() => undefined);
      // Commit while still a group member (a stopped consumer may no longer commit), then once more for late handlers.
      await commit();
      await consumer.stop().catch(() => undefined);
      await commit();
      await consumer.disconnect().catch(() => undefined);
    },
  };
}

/** Connect's `redpanda` output: acks=all, per-message topic and key interpolation, metadata as headers. */
export function redpandaOutput(conf: RedpandaOutputConf, ctx: Ctx): Output {
  const kafka = kafkaClient(conf.seed_brokers, conf.client_id, ctx);
  // Like Connect's max_in_flight: several batches (from different input partitions, so different output partitions for
  // key-partitioned topics) are sent at once; one request at a time made every pipeline thread queue behind one fsync.
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: conf.allow_auto_topic_creation, maxInFlightRequests: Math.max(1, conf.max_in_flight), idempotent: false });
  const topic = Interpolation.parse(conf.topic);
  const key = conf.key === undefined || conf.key === '' ? null : Interpolation.parse(conf.key);
  const prefixes = conf.metadata?.include_prefixes ?? [];
  const patterns = (conf.metadata?.include_patterns ?? []).map((p) => new RegExp(p));
  const timeoutMs = parseDuration(conf.timeout);
  const copiesMeta = prefixes.length > 0 || patterns.length > 0;
  let connected: Promise<void> | undefined;
  return {
    async write(batch) {
      await (connected ??= producer.connect().catch((error: unknown) => {
        connected = undefined;
        throw error;
      }));
      const byTopic = new Map<string, Array<{ key: string | null; value: Buffer; headers: Record<string, string> }>>();
      for (const m of batch) {
        const headers: Record<string, string> = {};
        if (copiesMeta) for (const [k, v] of m.meta) if (prefixes.some((p) => k.startsWith(p)) || patterns.some((p) => p.test(k))) headers[k] = typeof v === 'string' ? v : JSON.stringify(v);
        const t = topic.render(m);
        const list = byTopic.get(t) ?? [];
        list.push({ key: key === null ? null : key.render(m), value: m.content, headers });
        byTopic.set(t, list);
      }
      await producer.sendBatch({ acks: -1, timeout: timeoutMs, topicMessages: [...byTopic].map(([t, messages]) => ({ topic: t, messages })) });
    },
    async close() {
      if (connected !== undefined) await producer.disconnect().catch(() => undefined);
    },
  };
}
