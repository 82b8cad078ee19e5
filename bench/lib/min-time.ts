/** Minimum wall time per item (ns) of `run`, which handles `n` items, over `reps` runs after one warm-up run. */
export function minNsPerItem(n: number, reps: number, run: () => unknown): number {
  let best = Infinity;
  for (let r = 0; r <= reps; r++) {
    const t0 = performance.now();
    run();
    const dt = performance.now() - t0;
    if (r > 0 && dt < best) best = dt;
  }
  return (best * 1e6) / n;
}
