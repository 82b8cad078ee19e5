/*
 * Batch loops that do four bars per pass (SMA, WMA, ROC, CDLDOJI). V8 re-checks every typed array a loop touches (map,
 * length, data pointer) on each pass, which cost as much as these loops' arithmetic; a pass over four bars pays it
 * once for four. The checks grow once the isolate has detached any ArrayBuffer (a web-stream body read, tsx's module
 * loader): V8 then also tests each array for detachment (bench/lib/typed-array-probe.ts). Eight bars per pass measured
 * slower than four. The operations and their order are those of the one-bar loop, so the values are bit-identical. The
 * one to four leftover bars are done first, one at a time, never after: a loop after the main one has no type
 * feedback when V8 compiles the main loop mid-run (OSR), and reaching it deoptimised that code at the end of every call.
 */

/** Where the one-bar-at-a-time head of a four-bar loop over [start, len) ends: 1 to 4 bars in, or len. */
export function headEnd(start: number, len: number): number {
  return start >= len ? len : start + ((len - start - 1) & 3) + 1;
}
