/**
 * A tiny Prometheus registry: counters, gauges and histograms with labels, rendered in the text exposition format
 * 0.0.4. Web-standard (no Node APIs) so every function, the Connect runner and the workers share one implementation.
 */

export type Labels = Readonly<Record<string, string>>;
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Latency buckets in seconds (Prometheus client defaults, plus a few for slow sinks). */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The series key: labels in insertion order, so two calls with the same labels hit the same series. */
function keyOf(labels: Labels): string {
  return JSON.stringify(Object.entries(labels));
}

function checkLabels(metric: string, labels: Labels): void {
  for (const k of Object.keys(labels)) {
    if (!LABEL_RE.test(k) || k.startsWith('__')) throw new Error(`metric ${metric}: invalid label name "${k}"`);
    if (k === 'le' ) throw new Error(`metric ${metric}: label "le" is reserved for histogram buckets`);
  }
}

/** Label values escape backslash, double quote and newline (exposition format 0.0.4). */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and newline only. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Numbers as Prometheus writes them: +Inf, -Inf, NaN, otherwise the shortest JS form. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function renderLabels(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  lines(): string[];
}

export class Counter implements Metric {
  readonly type = 'counter';
  private readonly series = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`counter ${this.name}: cannot increase by ${by}`);
    const k = keyOf(labels);
    const s = this.series.get(k);
    if (s) s.value += by;
    else {
      checkLabels(this.name, labels);
      this.series.set(k, { labels: { ...labels }, value: by });
    }
  }

  get(labels: Labels = {}): number {
    return this.series.get(keyOf(labels))?.value ?? 0;
  }

  /** Every series with its value (for snapshots, e.g. the monitor and the dashboard). */
  values(): { labels: Labels; value: number }[] {
    return [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value }));
  }

  lines(): string[] {
    return [...this.series.values()].map((s) => `${this.name}${renderLabels(s.labels)} ${formatValue(s.value)}`);
  }
}

export class Gauge implements Metric {
  readonly type = 'gauge';
  private readonly series = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}

  set(labels: Labels, value: number): void {
    const k = keyOf(labels);
    const s = this.series.get(k);
    if (s) s.value = value;
    else {
      checkLabels(this.name, labels);
      this.series.set(k, { labels: { ...labels }, value });
    }
  }

  inc(labels: Labels = {}, by = 1): void {
    this.set(labels, this.get(labels) + by);
  }

  get(labels: Labels = {}): number {
    return this.series.get(keyOf(labels))?.value ?? 0;
  }

  /** Drops a series (e.g. a partition no longer assigned), so it stops being exported. */
  remove(labels: Labels): void {
    this.series.delete(keyOf(labels));
  }

  values(): { labels: Labels; value: number }[] {
    return [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value }));
  }

  lines(): string[] {
    return [...this.series.values()].map((s) => `${this.name}${renderLabels(s.labels)} ${formatValue(s.value)}`);
  }
}

export interface HistogramSeries {
  labels: Labels;
  /** Cumulative counts per upper bound, same order as `buckets`, without +Inf (that is `count`). */
  cumulative: number[];
  sum: number;
  count: number;
}

export class Histogram implements Metric {
  readonly type = 'histogram';
  readonly buckets: readonly number[];
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(readonly name: string, readonly help: string, buckets: readonly number[] = DEFAULT_BUCKETS) {
    const sorted = [...buckets].filter((b) => Number.isFinite(b)).sort((a, b) => a - b);
    if (sorted.length === 0) throw new Error(`histogram ${name}: needs at least one finite bucket`);
    if (new Set(sorted).size !== sorted.length) throw new Error(`histogram ${name}: duplicate buckets`);
    this.buckets = sorted;
  }

  observe(labels: Labels, value: number): void {
    const k = keyOf(labels);
    let s = this.series.get(k);
    if (s === undefined) {
      checkLabels(this.name, labels);
      s = { labels: { ...labels }, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    // Non-cumulative per-bucket counts; rendering accumulates.
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) s.counts[i]! += 1;
    s.sum += value;
    s.count += 1;
  }

  values(): HistogramSeries[] {
    return [...this.series.values()].map((s) => {
      let acc = 0;
      return { labels: s.labels, cumulative: s.counts.map((c) => (acc += c)), sum: s.sum, count: s.count };
    });
  }

  get(labels: Labels = {}): HistogramSeries | undefined {
    return this.values().find((s) => keyOf(s.labels) === keyOf(labels));
  }

  lines(): string[] {
    const out: string[] = [];
    for (const s of this.values()) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${renderLabels(s.labels, ['le', formatValue(b)])} ${s.cumulative[i]}`));
      out.push(`${this.name}_bucket${renderLabels(s.labels, ['le', '+Inf'])} ${s.count}`);
      out.push(`${this.name}_sum${renderLabels(s.labels)} ${formatValue(s.sum)}`);
      out.push(`${this.name}_count${renderLabels(s.labels)} ${s.count}`);
    }
    return out;
  }
}

/**
 * The quantile `q` (0..1) of a histogram series, interpolated linearly inside the bucket like PromQL's
 * histogram_quantile; NaN without observations, the highest finite bound when it falls into +Inf.
 */
export function histogramQuantile(q: number, buckets: readonly number[], s: Pick<HistogramSeries, 'cumulative' | 'count'>): number {
  if (s.count === 0) return NaN;
  const rank = q * s.count;
  for (let i = 0; i < buckets.length; i++) {
    if (s.cumulative[i]! >= rank) {
      const lower = i === 0 ? 0 : buckets[i - 1]!;
      const below = i === 0 ? 0 : s.cumulative[i - 1]!;
      const inBucket = s.cumulative[i]! - below;
      return inBucket === 0 ? buckets[i]! : lower + (buckets[i]! - lower) * ((rank - below) / inBucket);
    }
  }
  return buckets[buckets.length - 1]!;
}

export class Registry {
  private readonly metrics = new Map<string, Metric>();

  counter(name: string, help: string): Counter {
    return this.register(name, 'counter', () => new Counter(name, help));
  }

  gauge(name: string, help: string): Gauge {
    return this.register(name, 'gauge', () => new Gauge(name, help));
  }

  histogram(name: string, help: string, buckets?: readonly number[]): Histogram {
    return this.register(name, 'histogram', () => new Histogram(name, help, buckets));
  }

  /** Registered metric names (what alert rules may reference). */
  names(): string[] {
    return [...this.metrics.keys()];
  }

  /** The text exposition format 0.0.4; metrics without series still get HELP/TYPE so dashboards see them. */
  render(): string {
    const out: string[] = [];
    for (const m of this.metrics.values()) {
      out.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.type}`, ...m.lines());
    }
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }

  /** Re-registering the same name and type returns the existing metric, so modules can declare what they use. */
  private register<M extends Metric>(name: string, type: MetricType, make: () => M): M {
    if (!NAME_RE.test(name)) throw new Error(`invalid metric name "${name}"`);
    const existing = this.metrics.get(name);
    if (existing) {
      if (existing.type !== type) throw new Error(`metric ${name} is already registered as a ${existing.type}`);
      return existing as M;
    }
    const m = make();
    this.metrics.set(name, m);
    return m;
  }
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
