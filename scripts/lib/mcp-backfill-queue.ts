/**
 * The MCP BackfillQueuePort on Kafka (kafkajs; the embedded broker or Redpanda at KAFKA_BROKERS).
 *
 * - enqueue publishes the BackfillRequest to `analytics-requests`, keyed by requestId (acks=all), which
 *   connect/backfill.yaml consumes.
 * - status answers from a tail of the same topic: every request (queued) and every `backfill_progress` the backfill
 *   pipeline publishes under that requestId (same key, same partition, so the last record read is the latest state),
 *   and of its dead-letter topic (`analytics-requests-dlq`, when it exists): a request the backfill function refused
 *   (too large, unknown pair, rejected upstream) is `failed` with the refusal's code and message, instead of `queued`
 *   for ever. A later request with the same id (request_backfill again) queues it anew.
 *
 * Stateless per request: the topic is the only state. Every instance tails the whole topic from the beginning (its own
 * throw-away consumer group, no committed offsets), so any instance answers for any request and a restarted one rebuilds
 * the view by replaying the retained records (14 days, schemas/topics.ts). The tail starts on first use and `status`
 * waits until it has read up to the offsets that existed when it started, so an answer never predates the topic.
 * Its own enqueues are recorded at once, so a request_backfill followed by get_backfill_status on the same instance
 * never races the tail.
 */
import kafkajs, { type Consumer, type Kafka as KafkaClient, type Producer } from './kafkajs.ts';
import type { BackfillQueuePort } from '../../functions/mcp/ports.ts';
import { AnalyticsRequestMessage, BackfillRequest, type BackfillProgress } from '../../schemas/analytics-requests.ts';
import { DeadLetter } from '../../schemas/dead-letter.ts';

// kafkajs is CommonJS: Node's ESM loader only sees some of its named exports, so take them from the default export.
const { Kafka, logLevel } = kafkajs;

export const ANALYTICS_REQUESTS_TOPIC = 'analytics-requests';

export interface KafkaBackfillQueueOptions {
  brokers: string[];
  topic?: string;
  clientId?: string;
  /** Request ids remembered (oldest forgotten first); bounds memory on a busy topic. */
  maxTracked?: number;
  /** How long `status` waits for the tail to catch up before answering from what it has read. */
  catchUpTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface KafkaBackfillQueue extends BackfillQueuePort {
  close(): Promise<void>;
}

function queued(request: BackfillRequest): BackfillProgress {
  return { kind: 'backfill_progress', requestId: request.requestId, status: 'queued', candles: 0, pages: 0, at: request.requestedAt };
}

/** A dead letter of a refused BackfillRequest, as the failed progress it means; null for anything else. */
export function failedProgressOf(value: unknown): BackfillProgress | null {
  const letter = DeadLetter.safeParse(value);
  if (!letter.success) return null;
  const request = BackfillRequest.safeParse(letter.data.original);
  if (!request.success) return null;
  return {
    kind: 'backfill_progress', requestId: request.data.requestId, status: 'failed', candles: 0, pages: 0,
    error: { code: letter.data.reasonCode, message: letter.data.message }, at: letter.data.failedAt,
  };
}

/** The latest progress per requestId, bounded (Map keeps insertion order: re-inserting moves a key to the end). */
function progressView(maxTracked: number): { get(id: string): BackfillProgress | null; set(p: BackfillProgress): void } {
  const byId = new Map<string, BackfillProgress>();
  return {
    get: (id) => byId.get(id) ?? null,
    set(p) {
      byId.delete(p.requestId);
      byId.set(p.requestId, p);
      if (byId.size > maxTracked) byId.delete(byId.keys().next().value as string);
    },
  };
}

export function createKafkaBackfillQueue(opts: KafkaBackfillQueueOptions): KafkaBackfillQueue {
  const topic = opts.topic ?? ANALYTICS_REQUESTS_TOPIC;
  const dlq = `${topic}-dlq`;
  const log = opts.log ?? (() => undefined);
  const kafka: KafkaClient = new Kafka({ clientId: opts.clientId ?? 'mcp-backfill', brokers: opts.brokers, logLevel: logLevel.NOTHING });
  const view = progressView(opts.maxTracked ?? 100_000);
  let producer: Promise<Producer> | undefined;
  let tail: Promise<{ consumer: Consumer; caughtUp: Promise<void> }> | undefined;

  function record(message: unknown): void {
    const parsed = AnalyticsRequestMessage.safeParse(message);
    if (!parsed.success) return;
    const m = parsed.data;
    if (m.kind === 'backfill') {
      // A request creates the entry; a (re-)delivered one must not reset progress already reported. A newer request
      // for a queued or failed id (request_backfill again after a failure) is the one its next outcome answers.
      const current = view.get(m.requestId);
      if (current === null || ((current.status === 'queued' || current.status === 'failed') && m.requestedAt > current.at)) view.set(queued(m));
    } else {
      view.set(m);
    }
  }

  /** A refusal from the dead-letter topic; the topics are read side by side, so one older than the entry is stale. */
  function recordRefusal(value: unknown): void {
    const failed = failedProgressOf(value);
    if (failed === null) return;
    const current = view.get(failed.requestId);
    if (current === null || current.at <= failed.at) view.set(failed);
  }

  async function startTail(): Promise<{ consumer: Consumer; caughtUp: Promise<void> }> {
    const admin = kafka.admin();
    await admin.connect();
    const topics = [topic, ...((await admin.listTopics()).includes(dlq) ? [dlq] : [])];
    // What exists now is what an answer must reflect: partitions with records must be read up to their end.
    const pending = new Map<string, number>();
    for (const t of topics) {
      for (const p of await admin.fetchTopicOffsets(t)) if (Number(p.high) > Number(p.low)) pending.set(`${t}/${p.partition}`, Number(p.high) - 1);
    }
    await admin.disconnect();
    let markCaughtUp = (): void => undefined;
    const caughtUp = new Promise<void>((resolve) => {
      markCaughtUp = resolve;
    });
    if (pending.size === 0) markCaughtUp();
    const consumer = kafka.consumer({ groupId: `mcp-backfill-status-${crypto.randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic: from, partition, message }) => {
        try {
          const value: unknown = JSON.parse(message.value?.toString() ?? 'null');
          if (from === dlq) recordRefusal(value);
          else record(value);
        } catch {
          log(`mcp backfill status: skipped a non-JSON record at ${from}/${partition}@${message.offset}`);
        }
        const key = `${from}/${partition}`;
        const last = pending.get(key);
        if (last !== undefined && Number(message.offset) >= last) {
          pending.delete(key);
          if (pending.size === 0) markCaughtUp();
        }
      },
    });
    return { consumer, caughtUp };
  }

  async function currentView(): Promise<void> {
    // A failed start (broker down) is retried by the next call instead of being remembered.
    tail ??= startTail().catch((error: unknown) => {
      tail = undefined;
      throw error;
    });
    const { caughtUp } = await tail;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([caughtUp, new Promise<void>((resolve) => {
      timer = setTimeout(resolve, opts.catchUpTimeoutMs ?? 10_000);
    })]);
    clearTimeout(timer);
  }

  return {
    async enqueue(request) {
      producer ??= (async () => {
        const p = kafka.producer({ allowAutoTopicCreation: false });
        await p.connect();
        return p;
      })().catch((error: unknown) => {
        producer = undefined;
        throw error;
      });
      await (await producer).send({ topic, acks: -1, messages: [{ key: request.requestId, value: JSON.stringify(request) }] });
      record(request);
    },
    async status(requestId) {
      await currentView();
      return view.get(requestId);
    },
    async close() {
      await Promise.all([
        producer?.then((p) => p.disconnect()),
        tail?.then(({ consumer }) => consumer.disconnect()),
      ]);
    },
  };
}

/** The queue for KAFKA_BROKERS (comma-separated host:port list, default 127.0.0.1:9092). */
export function backfillQueueFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaBackfillQueue {
  const brokers = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter((b) => b.length > 0);
  return createKafkaBackfillQueue({ brokers, log: (line) => console.error(line) });
}
