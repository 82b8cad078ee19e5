import { minNsPerItem } from './min-time.ts';

/**
 * ns per element of a plain Float64Array sum: tells whether this isolate still has V8's "no ArrayBuffer was ever
 * detached" guarantee. Once any ArrayBuffer in an isolate has been detached (transferred), V8 drops that guarantee
 * for good and checks every typed-array access in optimised code for detachment, which about doubles this loop.
 */
export function plainSumNsPerElement(): number {
  const n = 4_000_000;
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = i & 1023;
  let sink = 0;
  const ns = minNsPerItem(n, 7, () => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] as number;
    sink += s;
  });
  if (sink < 0) throw new Error('unreachable: keeps the sums live');
  return ns;
}
