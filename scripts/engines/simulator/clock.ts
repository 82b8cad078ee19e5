import type { Clock } from './context.ts';

/** Wall-clock time. */
export function realClock(): Clock {
  return { now: () => Date.now(), speed: 1 };
}

/**
 * Simulated time running `speed` times faster than the wall clock, starting at `start` (default: now).
 * 60 makes a minute candle close every wall-clock second.
 */
export function acceleratedClock(speed: number, start: number = Date.now()): Clock {
  if (!Number.isFinite(speed) || speed <= 0) throw new RangeError(`clock speed must be a positive number, got ${speed}`);
  const wallStart = Date.now();
  return { now: () => Math.floor(start + (Date.now() - wallStart) * speed), speed };
}

/** A clock that only moves when told to (tests). */
export function manualClock(start: number): Clock & { set(ms: number): void; advance(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    speed: 1,
    set(ms: number) { current = ms; },
    advance(ms: number) { current += ms; },
  };
}
