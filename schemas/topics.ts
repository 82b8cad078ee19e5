import type * as z from 'zod';
import { AlertsMessage } from './alerts.ts';
import { AnalyticsRequestMessage } from './analytics-requests.ts';
import { DeadLetter } from './dead-letter.ts';
import { MarketMetadataMessage } from './market-metadata.ts';
import { OhlcvMessage } from './ohlcv.ts';

/**
 * The topic catalog: every topic the platform uses, declared once. `npm run topics -- apply` creates or updates them on
 * the broker (the embedded one or Redpanda) and `npm run topics -- check` reports drift. Configs are Kafka topic config
 * names with string values, exactly as sent to the broker.
 */
export interface TopicSpec {
  name: string;
  partitions: number;
  /** What the record key is, so producers and consumers agree on per-key ordering. */
  key: string;
  description: string;
  configs: {
    'cleanup.policy': 'delete' | 'compact' | 'compact,delete';
    'retention.ms': string;
    'retention.bytes': string;
  };
  /** Zod schema of the record value (JSON). */
  schema: z.ZodType;
}

const DAY_MS = 86_400_000;
const GIB = 1024 ** 3;

const deleteAfter = (days: number, bytes: number): TopicSpec['configs'] => ({
  'cleanup.policy': 'delete',
  'retention.ms': String(days * DAY_MS),
  'retention.bytes': String(bytes),
});

function deadLetterOf(source: string): TopicSpec {
  return {
    name: `${source}-dlq`,
    partitions: 1,
    key: `the key of the refused ${source} record, unchanged`,
    description: `Records refused while processing ${source}, with the stage, reason code and original payload.`,
    configs: deleteAfter(30, GIB),
    schema: DeadLetter,
  };
}

export const TOPICS: readonly TopicSpec[] = [
  {
    name: 'ohlcv-raw',
    partitions: 6,
    key: 'exchange:symbol (seriesKey), so each series stays in order on one partition',
    description: 'Candles as ingested from CryptoCompare (REST backfill and WebSocket), before validation.',
    configs: deleteAfter(7, 10 * GIB),
    schema: OhlcvMessage,
  },
  {
    name: 'ohlcv-validated',
    partitions: 6,
    key: 'exchange:symbol (seriesKey)',
    description: 'Candles that passed validation, enriched; what the stores and indicators consume.',
    configs: deleteAfter(7, 10 * GIB),
    schema: OhlcvMessage,
  },
  {
    name: 'ohlcv-enriched',
    partitions: 6,
    key: 'exchange:symbol (seriesKey)',
    description: 'Validated candles with enrichment and indicators; what the alerts and signals functions consume.',
    configs: deleteAfter(7, 10 * GIB),
    schema: OhlcvMessage,
  },
  {
    name: 'market-metadata',
    partitions: 3,
    key: 'kind:exchange:symbol for instruments (e.g. instrument:cccagg:BTC-USD), gap:exchange:symbol:timeframe:from for gaps, stream_status:stream for stream liveness',
    description: 'Latest known metadata per key (instruments, gaps, stream status); compacted so a new consumer reads the current state.',
    configs: { 'cleanup.policy': 'compact', 'retention.ms': '-1', 'retention.bytes': '-1' },
    schema: MarketMetadataMessage,
  },
  {
    name: 'alerts',
    partitions: 3,
    key: 'event id (idempotency key), so a re-emitted event lands on the same partition',
    description: 'Alert, signal and system events for agents, webhooks and dashboards.',
    configs: deleteAfter(30, 5 * GIB),
    schema: AlertsMessage,
  },
  {
    name: 'analytics-requests',
    partitions: 3,
    key: 'requestId, so a request and its progress updates stay in order',
    description: 'Backfill requests and their progress.',
    configs: deleteAfter(14, GIB),
    schema: AnalyticsRequestMessage,
  },
  deadLetterOf('ohlcv-raw'),
  deadLetterOf('ohlcv-validated'),
  deadLetterOf('ohlcv-enriched'),
  deadLetterOf('analytics-requests'),
];

const BY_NAME: ReadonlyMap<string, TopicSpec> = new Map(TOPICS.map((t) => [t.name, t]));

/** The spec of a catalog topic, or undefined for a name the platform does not declare. */
export function topicSpec(name: string): TopicSpec | undefined {
  return BY_NAME.get(name);
}
