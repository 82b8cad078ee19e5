import type { Family } from '../metrics/parse.ts';
import { histogramQuantile } from '../metrics/registry.ts';
import type { MonitorInput } from './evaluate.ts';

type Families = ReadonlyMap<string, Family>;

function gaugeBy(f: Families, name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of f.get(name)?.samples ?? []) {
    const k = s.labels[label];
    if (k !== undefined) out.set(k, (out.get(k) ?? 0) + s.value);
  }
  return out;
}

/** Per `stage`: upper bounds and cumulative counts of pipeline_latency_seconds, summed over other labels. */
function latencyBuckets(f: Families | undefined): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const s of f?.get('pipeline_latency_seconds')?.samples ?? []) {
    const stage = s.labels.stage;
    if (s.name !== 'pipeline_latency_seconds_bucket' || stage === undefined || s.labels.le === undefined) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    const m = out.get(stage) ?? new Map<number, number>();
    m.set(le, (m.get(le) ?? 0) + s.value);
    out.set(stage, m);
  }
  return out;
}

/**
 * p99 latency per stage over the observations made between two scrapes (like PromQL's
 * histogram_quantile(0.99, rate(...[window]))), so a slow period that ended stops counting.
 */
export function latencyP99Since(previous: Families | undefined, current: Families): { stage: string; p99Seconds: number }[] {
  const before = latencyBuckets(previous);
  const out: { stage: string; p99Seconds: number }[] = [];
  for (const [stage, buckets] of latencyBuckets(current)) {
    const prev = before.get(stage);
    const bounds = [...buckets.keys()].filter((b) => Number.isFinite(b)).sort((a, b) => a - b);
    const delta = (b: number): number => (buckets.get(b) ?? 0) - (prev?.get(b) ?? 0);
    const count = delta(Infinity);
    if (count <= 0) continue;
    out.push({ stage, p99Seconds: histogramQuantile(0.99, bounds, { cumulative: bounds.map(delta), count }) });
  }
  return out;
}

/** The monitor input a pair of /metrics scrapes gives: latency, storage, quota and stream freshness. */
export function monitorInputFromMetrics(previous: Families | undefined, current: Families, now: number, cadenceMsOf: (stream: string) => number): MonitorInput {
  const capacity = gaugeBy(current, 'storage_capacity_bytes', 'store');
  const limits = gaugeBy(current, 'cryptocompare_quota_limit', 'window');
  return {
    now,
    latency: latencyP99Since(previous, current),
    storage: [...gaugeBy(current, 'storage_bytes', 'store')].flatMap(([store, bytes]) => {
      const cap = capacity.get(store);
      return cap === undefined ? [] : [{ store, bytes, capacityBytes: cap }];
    }),
    quota: [...gaugeBy(current, 'cryptocompare_quota_remaining', 'window')].flatMap(([window, remaining]) => {
      const limit = limits.get(window);
      return limit === undefined ? [] : [{ window, remaining, limit }];
    }),
    streams: [...gaugeBy(current, 'stream_last_message_timestamp_seconds', 'stream')].map(([stream, seconds]) => ({ stream, lastMessageAt: seconds * 1000, cadenceMs: cadenceMsOf(stream) })),
  };
}
