import { Registry, type Histogram } from '../../functions/lib/metrics/registry.ts';

/** HELP text of the counters Connect components report (names as in Redpanda Connect). */
const HELP: Readonly<Record<string, string>> = {
  input_received: 'Messages received by an input.',
  output_sent: 'Messages delivered by an output.',
  output_error: 'Messages an output failed to deliver.',
  processor_received: 'Messages entering a processor.',
  processor_sent: 'Messages leaving a processor.',
  processor_error: 'Messages a processor marked as errored.',
};

/** HELP text of the timings (names and unit as in Redpanda Connect: nanoseconds per batch). */
const TIMING_HELP: Readonly<Record<string, string>> = {
  processor_latency_ns: 'Time a processor took for one batch, in nanoseconds.',
  output_latency_ns: 'Time an output took to deliver one batch (including its own processors), in nanoseconds.',
};

/** 10 µs .. 100 s. */
const TIMING_BUCKETS_NS = [1e4, 1e5, 5e5, 1e6, 2.5e6, 5e6, 1e7, 2.5e7, 5e7, 1e8, 2.5e8, 5e8, 1e9, 2.5e9, 1e10, 1e11];

/** A Connect timing (`processor_latency_ns`, `output_latency_ns`) in `registry`, registered on first use. */
export function connectTiming(registry: Registry, name: string): Histogram {
  return registry.histogram(name, TIMING_HELP[name] ?? `Connect timing ${name}.`, TIMING_BUCKETS_NS);
}

/**
 * Connect component counters, labelled by component, served at `/metrics` when `http.enabled`. Backed by the
 * platform's Prometheus registry (functions/lib/metrics), so a process can register its own platform metrics on
 * `registry` and have them exported by the same endpoint.
 */
export class Metrics {
  constructor(
    readonly registry = new Registry(),
    private readonly extra: Record<string, string> = {},
  ) {}

  /** A view sharing this registry that adds labels (the CLI labels each stream of a multi-file run with its file). */
  withLabels(labels: Record<string, string>): Metrics {
    return new Metrics(this.registry, { ...this.extra, ...labels });
  }

  add(name: string, componentLabels: Record<string, string>, by = 1): void {
    if (by === 0) return;
    this.registry.counter(name, HELP[name] ?? `Connect counter ${name}.`).inc({ ...this.extra, ...componentLabels }, by);
  }

  /** Records one batch's duration (ms, as performance.now() differences give it) in the timing `name`. */
  time(name: string, componentLabels: Record<string, string>, ms: number): void {
    connectTiming(this.registry, name).observe({ ...this.extra, ...componentLabels }, Math.round(ms * 1e6));
  }

  get(name: string, componentLabels: Record<string, string>): number {
    return this.registry.counter(name, HELP[name] ?? `Connect counter ${name}.`).get({ ...this.extra, ...componentLabels });
  }

  /** The Prometheus text exposition format 0.0.4. */
  render(): string {
    return this.registry.render();
  }
}
