import type { Family } from '../lib/metrics/parse.ts';
import { latencyP99Since } from '../lib/monitor/from-metrics.ts';

/** Pipeline health as the dashboard panel shows it; each section maps a subject to a number. */
export interface HealthSnapshot {
  at: number;
  /** Messages/s per stream since the previous snapshot. */
  ingestRate: Record<string, number>;
  latencyP99Seconds: Record<string, number>;
  errors: Record<string, number>;
  deadLetters: Record<string, number>;
  consumerLag: Record<string, number>;
  freshnessSeconds: Record<string, number>;
  gaps: Record<string, number>;
  storageBytes: Record<string, number>;
  quotaRemaining: Record<string, number>;
}

type Families = ReadonlyMap<string, Family>;

function byLabels(f: Families, name: string, labels: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of f.get(name)?.samples ?? []) {
    if (s.name !== name) continue;
    const k = labels.map((l) => s.labels[l] ?? '').join('/');
    out[k] = (out[k] ?? 0) + s.value;
  }
  return out;
}

/** The health panel's snapshot from two /metrics scrapes `seconds` apart (rates and p99 over that span). */
export function healthFromMetrics(previous: Families | undefined, current: Families, seconds: number, at: number, gaps: Record<string, number> = {}): HealthSnapshot {
  const now = byLabels(current, 'ingest_messages_total', ['stream']);
  const before = previous ? byLabels(previous, 'ingest_messages_total', ['stream']) : {};
  const ingestRate: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) ingestRate[k] = seconds > 0 ? (v - (before[k] ?? 0)) / seconds : 0;
  return {
    at,
    ingestRate,
    latencyP99Seconds: Object.fromEntries(latencyP99Since(previous, current).map((l) => [l.stage, l.p99Seconds])),
    errors: byLabels(current, 'errors_total', ['component', 'code']),
    deadLetters: byLabels(current, 'dead_letters_total', ['stage', 'reason']),
    consumerLag: byLabels(current, 'consumer_lag', ['group', 'topic', 'partition']),
    freshnessSeconds: byLabels(current, 'stream_freshness_seconds', ['stream']),
    gaps,
    storageBytes: byLabels(current, 'storage_bytes', ['store']),
    quotaRemaining: byLabels(current, 'cryptocompare_quota_remaining', ['window']),
  };
}
