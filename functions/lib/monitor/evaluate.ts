import type { SystemEvent } from '../../../schemas/alerts.ts';

type Check = SystemEvent['check'];
type Severity = SystemEvent['severity'];

/** What the monitor looks at, gathered by the host (metric snapshots, health endpoints) at `now` (epoch ms). */
export interface MonitorInput {
  now: number;
  /** Live streams: the newest message and the cadence it is expected at (stream_stale). */
  streams?: readonly { stream: string; lastMessageAt: number | null; cadenceMs: number }[];
  /** Candle series: the newest stored candle per series and its timeframe in ms (data_gap). */
  series?: readonly { series: string; lastCandleAt: number | null; cadenceMs: number }[];
  /** Open gap reports (market-metadata gap records not yet backfilled); absent from the list = closed. */
  gaps?: readonly { series: string; from: number; to: number }[];
  /** p99 end-to-end latency per stage in seconds (high_latency). */
  latency?: readonly { stage: string; p99Seconds: number }[];
  /** Bytes used vs configured capacity per store (storage_capacity). */
  storage?: readonly { store: string; bytes: number; capacityBytes: number }[];
  /** Calls left vs limit per CryptoCompare window (api_quota). */
  quota?: readonly { window: string; remaining: number; limit: number }[];
}

export interface MonitorThresholds {
  /** A stream is stale once its newest message is older than cadence + this many seconds. */
  staleAfterSeconds: number;
  /** A series has a data gap once no candle arrived for this many cadences. */
  gapCadences: number;
  latencyP99Seconds: number;
  /** Fraction of capacity (0..1) at which storage fires. */
  storageFraction: number;
  /** Fraction of a window's limit left (0..1) at or under which the quota fires. */
  quotaRemainingFraction: number;
  /**
   * Hysteresis: a firing condition resolves only once its value is back past threshold x clearRatio (upper-bound
   * checks) or threshold / clearRatio (lower-bound checks), so a value hovering at the threshold does not flap.
   */
  clearRatio: number;
}

export const DEFAULT_THRESHOLDS: Readonly<MonitorThresholds> = {
  staleAfterSeconds: 90,
  gapCadences: 3,
  latencyP99Seconds: 5,
  storageFraction: 0.85,
  quotaRemainingFraction: 0.1,
  clearRatio: 0.8,
};

interface Active {
  check: Check;
  subject: string;
  /** What the event id hangs on: the condition's natural start (last message, gap start) or its first detection. */
  anchor: number;
  severity: Severity;
}

/** The evaluator's memory between runs: what is firing. Plain JSON so a runner can persist it. */
export interface MonitorState {
  active: Record<string, Active>;
}

export const EMPTY_STATE: MonitorState = { active: {} };

interface Reading {
  check: Check;
  subject: string;
  value: number;
  threshold: number;
  /** 'above': bad when value >= threshold; 'below': bad when value <= threshold. */
  bound: 'above' | 'below';
  anchor?: number;
  severity: Severity;
  title: string;
  message: string;
}

function readings(input: MonitorInput, t: MonitorThresholds): Reading[] {
  const out: Reading[] = [];
  for (const s of input.streams ?? []) {
    if (s.lastMessageAt === null) continue;
    const behind = Math.max(0, (input.now - s.lastMessageAt - s.cadenceMs) / 1000);
    out.push({
      check: 'stream_stale', subject: s.stream, value: behind, threshold: t.staleAfterSeconds, bound: 'above', anchor: s.lastMessageAt,
      severity: behind >= 4 * t.staleAfterSeconds ? 'critical' : 'warning',
      title: `Stream ${s.stream} is stale`,
      message: `No message on ${s.stream} for ${Math.round(behind)} s beyond its ${s.cadenceMs / 1000} s cadence. Check the ingestion worker and the CryptoCompare connection.`,
    });
  }
  for (const s of input.series ?? []) {
    if (s.lastCandleAt === null) continue;
    const cadences = (input.now - s.lastCandleAt) / s.cadenceMs;
    out.push({
      check: 'data_gap', subject: s.series, value: cadences, threshold: t.gapCadences, bound: 'above', anchor: s.lastCandleAt,
      severity: 'warning',
      title: `No candles for ${s.series}`,
      message: `The newest ${s.series} candle is ${cadences.toFixed(1)} cadences old (threshold ${t.gapCadences}). A backfill may be needed.`,
    });
  }
  for (const g of input.gaps ?? []) {
    out.push({
      check: 'data_gap', subject: `${g.series}@${g.from}`, value: Math.max(0, g.to - g.from) / 1000, threshold: 0, bound: 'above', anchor: g.from,
      severity: 'warning',
      title: `Gap in ${g.series}`,
      message: `Candles missing in ${g.series} from ${new Date(g.from).toISOString()} to ${new Date(g.to).toISOString()}; waiting for the backfill.`,
    });
  }
  for (const l of input.latency ?? []) {
    if (!Number.isFinite(l.p99Seconds)) continue;
    out.push({
      check: 'high_latency', subject: l.stage, value: l.p99Seconds, threshold: t.latencyP99Seconds, bound: 'above',
      severity: l.p99Seconds >= 4 * t.latencyP99Seconds ? 'critical' : 'warning',
      title: `High latency at ${l.stage}`,
      message: `p99 end-to-end latency at ${l.stage} is ${l.p99Seconds.toFixed(2)} s (threshold ${t.latencyP99Seconds} s). Look for a slow sink or consumer lag.`,
    });
  }
  for (const s of input.storage ?? []) {
    if (!(s.capacityBytes > 0)) continue;
    const fraction = s.bytes / s.capacityBytes;
    out.push({
      check: 'storage_capacity', subject: s.store, value: fraction, threshold: t.storageFraction, bound: 'above',
      severity: fraction >= 0.95 ? 'critical' : 'warning',
      title: `${s.store} storage is filling up`,
      message: `${s.store} uses ${(fraction * 100).toFixed(1)}% of its capacity (threshold ${(t.storageFraction * 100).toFixed(0)}%). Extend retention policies or add disk.`,
    });
  }
  for (const q of input.quota ?? []) {
    if (!(q.limit > 0)) continue;
    const left = q.remaining / q.limit;
    out.push({
      check: 'api_quota', subject: q.window, value: left, threshold: t.quotaRemainingFraction, bound: 'below',
      severity: q.remaining <= 0 ? 'critical' : 'warning',
      title: `CryptoCompare ${q.window} quota nearly used`,
      message: `${q.remaining} of ${q.limit} calls left in the ${q.window} window. Slow down backfills or upgrade the key.`,
    });
  }
  return out;
}

function breached(r: Reading, firing: boolean, clearRatio: number): boolean {
  if (r.bound === 'above') {
    // A gap report is binary: firing while reported (threshold 0 would never clear by ratio).
    if (r.threshold === 0) return true;
    return firing ? r.value >= r.threshold * clearRatio : r.value >= r.threshold;
  }
  return firing ? r.value <= r.threshold / clearRatio : r.value <= r.threshold;
}

const keyOf = (check: Check, subject: string): string => `${check}:${subject}`;
const idOf = (a: Active, status: SystemEvent['status']): string => `system:${a.check}:${a.subject}:${a.anchor}:${status}`;

/**
 * One evaluation: the firing/resolved transitions since `state`, and the new state. Pure; event ids are stable (the
 * same condition yields the same id however often it is evaluated or re-emitted), and only transitions are emitted.
 */
export function evaluateMonitor(state: MonitorState, input: MonitorInput, thresholds: MonitorThresholds = DEFAULT_THRESHOLDS): { state: MonitorState; events: SystemEvent[] } {
  const active: Record<string, Active> = { ...state.active };
  const events: SystemEvent[] = [];
  const seen = new Set<string>();
  for (const r of readings(input, thresholds)) {
    const key = keyOf(r.check, r.subject);
    seen.add(key);
    const current = active[key];
    const bad = breached(r, current !== undefined, thresholds.clearRatio);
    const base = { emittedAt: input.now, title: r.title, kind: 'system' as const, check: r.check, subject: r.subject, value: r.value, threshold: r.threshold };
    if (bad && current === undefined) {
      const a: Active = { check: r.check, subject: r.subject, anchor: r.anchor ?? input.now, severity: r.severity };
      active[key] = a;
      events.push({ ...base, id: idOf(a, 'firing'), at: a.anchor, message: r.message, severity: r.severity, status: 'firing' });
    } else if (!bad && current !== undefined) {
      delete active[key];
      events.push({ ...base, id: idOf(current, 'resolved'), at: input.now, title: `Resolved: ${r.title}`, message: `${r.subject} is back within its threshold.`, severity: 'info', status: 'resolved' });
    }
  }
  // A gap report that disappeared from the input was backfilled.
  for (const [key, a] of Object.entries(active)) {
    if (seen.has(key) || a.check !== 'data_gap' || !a.subject.includes('@') || input.gaps === undefined) continue;
    delete active[key];
    events.push({
      id: idOf(a, 'resolved'), at: input.now, emittedAt: input.now, title: `Resolved: gap in ${a.subject}`, message: `The gap ${a.subject} was filled.`,
      severity: 'info', kind: 'system', check: 'data_gap', status: 'resolved', subject: a.subject,
    });
  }
  return { state: { active }, events };
}
