import { parseExposition, type Family } from '../lib/metrics/parse.ts';
import { latencyP99Since } from '../lib/monitor/from-metrics.ts';
import type { DashboardEvent } from './hub.ts';

/** The health panel's sections, in the order the page shows them. */
export const HEALTH_SECTIONS = [
  'candleRate', 'ingestRate', 'latencyP99Seconds', 'consumerLag', 'storeWrites', 'deadLetters', 'errors', 'gaps', 'firing', 'freshnessSeconds', 'storageBytes', 'quotaRemaining',
] as const;
export type HealthSection = (typeof HEALTH_SECTIONS)[number];

/** Pipeline health as the dashboard panel shows it; each section maps a subject to a number. */
export interface HealthSnapshot {
  at: number;
  /** Seconds the rates and p99 cover (the sampling window); 0 until a second sample exists. */
  windowSeconds: number;
  /**
   * Sections without a value yet, with why (warming up, nothing observed in the window); the page shows the reason
   * instead of a bare dash. A section absent here and empty has nothing to report (no errors, no dead letters).
   */
  waiting: Partial<Record<HealthSection, string>>;
  /** Candles per minute finishing each stage (validate, enrich, indicators, …) over the window. */
  candleRate: Record<string, number>;
  /** Source messages per second per stream (candle updates, not only closed candles) over the window. */
  ingestRate: Record<string, number>;
  /** p99 seconds from receipt to the end of each stage, over the candles of the window. */
  latencyP99Seconds: Record<string, number>;
  /** Messages behind per consumer group (a pipeline stage) and topic, summed over partitions. */
  consumerLag: Record<string, number>;
  /** Records per minute each sink pipeline delivered to its store over the window. */
  storeWrites: Record<string, number>;
  /** Dead letters since start, per stage/reason. */
  deadLetters: Record<string, number>;
  /** Errors since start, per component/code. */
  errors: Record<string, number>;
  /** Data gaps per series among the recent system events: missing spans found in stored candles, and series gone quiet. */
  gaps: Record<string, number>;
  /** Operational checks firing now (per check: how many subjects), from the system events the feed has seen. */
  firing: Record<string, number>;
  freshnessSeconds: Record<string, number>;
  storageBytes: Record<string, number>;
  quotaRemaining: Record<string, number>;
}

type Families = ReadonlyMap<string, Family>;

/** One parsed /metrics exposition and when it was taken. */
export interface MetricsSample {
  at: number;
  families: Families;
}

interface Filter {
  sample?: string;
  where?: (labels: Record<string, string>) => boolean;
}

function byLabels(f: Families | undefined, family: string, key: (labels: Record<string, string>) => string, filter: Filter = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of f?.get(family)?.samples ?? []) {
    if (s.name !== (filter.sample ?? family) || (filter.where && !filter.where(s.labels))) continue;
    const k = key(s.labels);
    out[k] = (out[k] ?? 0) + s.value;
  }
  return out;
}

const labelled = (...names: string[]) => (labels: Record<string, string>): string => names.map((l) => labels[l] ?? '').join('/');

/** Per-`unitSeconds` increase of a counter per key between two samples; keys only in `current` count from 0. */
function rate(base: MetricsSample, current: MetricsSample, family: string, key: (labels: Record<string, string>) => string, unitSeconds: number, filter: Filter = {}): Record<string, number> {
  const seconds = (current.at - base.at) / 1000;
  const before = byLabels(base.families, family, key, filter);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(byLabels(current.families, family, key, filter))) out[k] = (Math.max(0, v - (before[k] ?? 0)) / seconds) * unitSeconds;
  return out;
}

const SINK_OUTPUT = { where: (l: Record<string, string>) => (l.stream ?? '').startsWith('sink-') && l.path === 'root.output' };
const sinkName = (l: Record<string, string>): string => (l.stream ?? '').replace(/^sink-/, '').replace(/\.yaml$/, '');

/**
 * The health panel's snapshot: counters as rates and latency as p99 over the span from `base` to `current` (the
 * sampling window), gauges as they are in `current`. Without a base (the first sample) rates are marked warming up.
 */
export function healthFromMetrics(base: MetricsSample | undefined, current: MetricsSample, recent: readonly DashboardEvent[] = []): HealthSnapshot {
  const f = current.families;
  const waiting: Partial<Record<HealthSection, string>> = {};
  const windowSeconds = base ? (current.at - base.at) / 1000 : 0;
  let candleRate: Record<string, number> = {};
  let ingestRate: Record<string, number> = {};
  let latency: Record<string, number> = {};
  let storeWrites: Record<string, number> = {};
  if (base === undefined || windowSeconds <= 0) {
    for (const s of ['candleRate', 'ingestRate', 'latencyP99Seconds', 'storeWrites'] as const) waiting[s] = 'warming up: rates need a second metrics sample';
  } else {
    const span = `${Math.round(windowSeconds)} s`;
    candleRate = rate(base, current, 'pipeline_latency_seconds', labelled('stage'), 60, { sample: 'pipeline_latency_seconds_count' });
    ingestRate = rate(base, current, 'ingest_messages_total', labelled('stream'), 1);
    latency = Object.fromEntries(latencyP99Since(base.families, f).map((l) => [l.stage, l.p99Seconds]));
    storeWrites = rate(base, current, 'output_sent', sinkName, 60, SINK_OUTPUT);
    if (Object.keys(candleRate).length === 0) waiting.candleRate = 'warming up: no candle has finished a stage yet';
    if (Object.keys(ingestRate).length === 0) waiting.ingestRate = 'warming up: no source message received yet';
    if (Object.keys(latency).length === 0) waiting.latencyP99Seconds = Object.keys(candleRate).length === 0 ? 'warming up: no candle has finished a stage yet' : `no candle finished a stage in the last ${span}`;
    if (Object.keys(storeWrites).length === 0) waiting.storeWrites = 'warming up: no sink has written yet';
  }
  const gauge = (section: HealthSection, values: Record<string, number>): Record<string, number> => {
    if (Object.keys(values).length === 0) waiting[section] = 'warming up: not reported yet';
    return values;
  };
  return {
    at: current.at,
    windowSeconds,
    waiting,
    candleRate,
    ingestRate,
    latencyP99Seconds: latency,
    consumerLag: gauge('consumerLag', byLabels(f, 'consumer_lag', labelled('group', 'topic'))),
    storeWrites,
    deadLetters: byLabels(f, 'dead_letters_total', labelled('stage', 'reason')),
    errors: byLabels(f, 'errors_total', labelled('component', 'code')),
    gaps: gapsBySeries(recent),
    firing: firingChecks(recent),
    freshnessSeconds: gauge('freshnessSeconds', byLabels(f, 'stream_freshness_seconds', labelled('stream'))),
    storageBytes: gauge('storageBytes', byLabels(f, 'storage_bytes', labelled('store'))),
    quotaRemaining: gauge('quotaRemaining', byLabels(f, 'cryptocompare_quota_remaining', labelled('window'))),
  };
}

/**
 * Per series, how many data gaps the recent system events report: each `data_gap` subject (`series@from` for a missing
 * span, `series` for a stream gone quiet) counts once, whether or not it has cleared since.
 */
export function gapsBySeries(events: readonly DashboardEvent[]): Record<string, number> {
  const subjects = new Set<string>();
  for (const e of events) {
    const d = e.data as { check?: unknown; subject?: unknown; status?: unknown };
    if (e.type === 'system' && d.check === 'data_gap' && d.status === 'firing' && typeof d.subject === 'string') subjects.add(d.subject);
  }
  const out: Record<string, number> = {};
  for (const subject of subjects) {
    const series = subject.split('@')[0] as string;
    out[series] = (out[series] ?? 0) + 1;
  }
  return out;
}

/** Per check, how many subjects are firing: the newest system event per check and subject decides. */
export function firingChecks(events: readonly DashboardEvent[]): Record<string, number> {
  const last = new Map<string, { check: string; status: string; emittedAt: number }>();
  for (const e of events) {
    const d = e.data as { kind?: unknown; check?: unknown; subject?: unknown; status?: unknown; emittedAt?: unknown };
    if (e.type !== 'system' || typeof d.check !== 'string' || typeof d.status !== 'string' || typeof d.emittedAt !== 'number') continue;
    const key = `${d.check}\n${String(d.subject)}`;
    const seen = last.get(key);
    if (seen === undefined || seen.emittedAt <= d.emittedAt) last.set(key, { check: d.check, status: d.status, emittedAt: d.emittedAt });
  }
  const out: Record<string, number> = {};
  for (const { check, status } of last.values()) if (status === 'firing') out[check] = (out[check] ?? 0) + 1;
  return out;
}

export interface HealthSamplerOptions {
  /** The Prometheus exposition to sample (a registry's render). */
  render: () => string;
  /** Rates cover up to this span (default 5 min): long enough that a 1m candle cadence always shows. */
  windowMs?: number;
  clock?: () => number;
}

/**
 * Keeps metrics samples over a sliding window so every reader (the REST endpoint, each SSE client) sees rates over
 * the same span; reading never moves the baseline, so a second browser tab cannot shrink the first one's window.
 * The host calls `sample()` on a timer; `snapshot()` compares the current exposition to the window's oldest sample.
 */
export function createHealthSampler(o: HealthSamplerOptions): { sample(): void; snapshot(recent?: readonly DashboardEvent[]): HealthSnapshot } {
  const windowMs = o.windowMs ?? 300_000;
  const clock = o.clock ?? Date.now;
  const samples: MetricsSample[] = [];
  const take = (): MetricsSample => ({ at: clock(), families: parseExposition(o.render()) });
  return {
    sample() {
      const s = take();
      samples.push(s);
      // Keep one sample at or before the window's start, so the window is full once the process is old enough.
      while (samples.length > 1 && samples[1]!.at <= s.at - windowMs) samples.shift();
    },
    snapshot(recent = []) {
      const current = take();
      const base = samples[0];
      return healthFromMetrics(base !== undefined && base.at < current.at ? base : undefined, current, recent);
    },
  };
}
