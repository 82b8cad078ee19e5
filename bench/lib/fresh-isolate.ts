/**
 * "ours cols into" and updateValues() timed in a fresh isolate (a worker thread that loads only our indicator code).
 *
 * Why: the bench's own thread loads the npm baselines and the talib binding, and loading CommonJS packages through
 * tsx's loader detaches an ArrayBuffer; from then on V8 checks every typed-array access in that isolate for
 * detachment (typed-array-probe.ts). A deployed indicators function that never detaches one runs without those
 * checks, a Node server that reads a fetch/Request body through a web stream runs with them: the table shows both.
 */
import { Worker } from 'node:worker_threads';
import { workerSource } from '../../scripts/lib/worker-source.ts';

export interface FreshIsolateRequest {
  cols: { open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array; volume: Float64Array };
  reps: number;
}

export interface FreshIsolateResult {
  /** plainSumNsPerElement() in the worker. */
  probe: number;
  /** "ours cols into", ns per candle by indicator or pattern name. */
  into: Record<string, number>;
  /** updateValues(), ns per candle by indicator name. */
  updateValues: Record<string, number>;
}

export function timeInFreshIsolate(request: FreshIsolateRequest): Promise<FreshIsolateResult> {
  // The columns are copied (workerData is cloned, not transferred), so nothing is detached on either side.
  const worker = new Worker(workerSource(new URL('./fresh-isolate-worker.ts', import.meta.url).href), { eval: true, workerData: request });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: FreshIsolateResult) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`fresh-isolate worker exited (code ${code}) before reporting`)));
  });
}
