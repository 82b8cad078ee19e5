import type { Registry } from '../../functions/lib/metrics/registry.ts';
import { connectTiming } from '../connect/metrics.ts';

/**
 * Per pipeline: messages its input received; per function call (`*_fn` processors) the batches it made; and the total
 * time and number of batches of those calls and of the outputs (what the pipeline bench prints per stage).
 */
export type StageCounts = Record<string, { received: number; calls: Record<string, number>; timings: Record<string, { ms: number; batches: number }> }>;

/** StageCounts of the pipelines `streams` whose Connect metrics are in `registry` (labelled by `stream`). */
export function stageCountsOf(registry: Registry, streams: Iterable<string>): StageCounts {
  const received = registry.counter('input_received', 'Messages received by an input.').values();
  const calls = registry.counter('processor_received', 'Messages entering a processor.').values().filter((v) => (v.labels.label ?? '').endsWith('_fn'));
  const timings = ['processor_latency_ns', 'output_latency_ns'].flatMap((name) => connectTiming(registry, name).values())
    .filter((v) => (v.labels.label ?? '').endsWith('_fn') || !(v.labels.path ?? '').includes('processors'));
  const out: StageCounts = {};
  for (const name of streams) {
    out[name] = {
      received: received.filter((v) => v.labels.stream === name).reduce((a, v) => a + v.value, 0),
      calls: Object.fromEntries(calls.filter((v) => v.labels.stream === name).map((v) => [v.labels.label ?? '', v.value])),
      timings: Object.fromEntries(timings.filter((v) => v.labels.stream === name && v.count > 0).map((v) => [v.labels.label ?? v.labels.path ?? '', { ms: v.sum / 1e6, batches: v.count }])),
    };
  }
  return out;
}
