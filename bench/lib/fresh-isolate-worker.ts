/**
 * Worker side of fresh-isolate.ts: times "ours cols into" for every indicator and pattern, and updateValues() for
 * every indicator, in a thread that loads only our indicator code, as a deployed function does, and so has never
 * detached an ArrayBuffer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { INDICATORS, computeBatchColumns, createIndicator } from '../../functions/lib/indicators/index.ts';
import type { Bar } from '../../functions/lib/indicators/types.ts';
import { PATTERNS, computePatternBatchColumns } from '../../functions/lib/patterns/index.ts';
import type { FreshIsolateRequest, FreshIsolateResult } from './fresh-isolate.ts';
import { minNsPerItem } from './min-time.ts';
import { plainSumNsPerElement } from './typed-array-probe.ts';

const { cols, reps } = workerData as FreshIsolateRequest;
const n = cols.close.length;

const bars: Bar[] = Array.from({ length: n }, (_, i) => ({
  time: i * 60_000, open: cols.open[i] as number, high: cols.high[i] as number, low: cols.low[i] as number, close: cols.close[i] as number, volume: cols.volume[i] as number,
}));
const probe = plainSumNsPerElement();
const into: Record<string, number> = {};
const updateValues: Record<string, number> = {};
for (const info of INDICATORS) {
  const out = Object.fromEntries(info.outputs.map((o) => [o, new Float64Array(n)]));
  into[info.name] = minNsPerItem(n, reps, () => computeBatchColumns({ name: info.name }, cols, out));
  updateValues[info.name] = minNsPerItem(n, reps, () => {
    const ind = createIndicator({ name: info.name });
    const values = new Float64Array(info.outputs.length);
    for (let i = 0; i < n; i++) ind.updateValues(bars[i] as Bar, values);
  });
}
for (const def of PATTERNS) {
  const out = new Float64Array(n);
  into[def.name] = minNsPerItem(n, reps, () => computePatternBatchColumns(def.name, cols, undefined, out));
}
parentPort?.postMessage({ probe, into, updateValues } satisfies FreshIsolateResult);
