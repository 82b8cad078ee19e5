import { Registry, type Counter, type Gauge, type Histogram } from './registry.ts';

/** Stage latencies run from milliseconds (a function call) to minutes (a stalled sink). */
const LATENCY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];
const QUERY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The platform's metric set (names referenced by deploy/prometheus/alerts.yml and the dashboard). */
export interface PlatformMetrics {
  registry: Registry;
  /** Messages from CryptoCompare; labels stream (e.g. ws, rest), type (candle, trade, ticker, heartbeat…). */
  ingestMessages: Counter;
  /** Seconds from a candle's receivedAt to the end of a stage; label stage (validate, enrich, timescale, …). */
  pipelineLatency: Histogram;
  /** Errors; labels component, code (an AppError code or HTTP status). */
  errors: Counter;
  /** Records sent to a dead-letter topic; labels stage, reason. */
  deadLetters: Counter;
  /** Bytes used; label store (timescale, clickhouse, broker). */
  storageBytes: Gauge;
  /** Configured capacity in bytes; label store. */
  storageCapacityBytes: Gauge;
  /** Read-layer query time; labels store, query. */
  queryDuration: Histogram;
  /** Epoch seconds of the newest message per stream. */
  streamLastMessage: Gauge;
  /** Seconds since the newest message minus the stream's expected cadence (0 while on time). */
  streamFreshness: Gauge;
  /** Reconnects per stream. */
  streamReconnects: Counter;
  /** Messages behind per consumer group, topic and partition. */
  consumerLag: Gauge;
  /** Calls left per CryptoCompare window (second, minute, hour, day, month). */
  quotaRemaining: Gauge;
  /** The configured call limit per window, so rules can compare remaining to a fraction of it. */
  quotaLimit: Gauge;
}

/** Registers (or finds) the platform metrics on `registry`. */
export function platformMetrics(registry = new Registry()): PlatformMetrics {
  return {
    registry,
    ingestMessages: registry.counter('ingest_messages_total', 'Messages received from CryptoCompare, by stream and message type.'),
    pipelineLatency: registry.histogram('pipeline_latency_seconds', 'End-to-end seconds from receivedAt to the end of a stage.', LATENCY_BUCKETS),
    errors: registry.counter('errors_total', 'Errors by component and code (API failures, processing errors).'),
    deadLetters: registry.counter('dead_letters_total', 'Records sent to a dead-letter topic, by stage and reason.'),
    storageBytes: registry.gauge('storage_bytes', 'Bytes used per store.'),
    storageCapacityBytes: registry.gauge('storage_capacity_bytes', 'Configured capacity per store in bytes.'),
    queryDuration: registry.histogram('query_duration_seconds', 'Read-layer query time by store and query.', QUERY_BUCKETS),
    streamLastMessage: registry.gauge('stream_last_message_timestamp_seconds', 'Epoch seconds of the newest message per stream.'),
    streamFreshness: registry.gauge('stream_freshness_seconds', 'Seconds a stream is behind its expected cadence (0 while on time).'),
    streamReconnects: registry.counter('stream_reconnects_total', 'Stream reconnects.'),
    consumerLag: registry.gauge('consumer_lag', 'Messages a consumer group is behind, per topic and partition.'),
    quotaRemaining: registry.gauge('cryptocompare_quota_remaining', 'CryptoCompare API calls left per rate-limit window.'),
    quotaLimit: registry.gauge('cryptocompare_quota_limit', 'CryptoCompare API call limit per rate-limit window.'),
  };
}

/** The names platformMetrics registers (alert rules may only reference these). */
export const PLATFORM_METRIC_NAMES: readonly string[] = platformMetrics().registry.names();
