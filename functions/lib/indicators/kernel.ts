/** The shape every indicator kernel shares: a numeric state machine advanced one closed bar at a time. */
import type { IndicatorName, ParamInfo } from './types.ts';

/**
 * One closed bar as a kernel reads it. Kernels take the bar object rather than five numbers: once an app runs
 * several indicators the shared step() call site is megamorphic and not inlined, and five double arguments to a call
 * that is not inlined are five heap-number allocations per bar (about 20 ns of the streaming cost per update).
 */
export interface BarValues {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export abstract class Kernel {
  /** Latest outputs in catalogue order; NaN while an output is still warming up. */
  out: Float64Array;
  /** Bars consumed so far. */
  n = 0;
  constructor(outputs: number) {
    this.out = new Float64Array(outputs).fill(NaN);
  }
  /** Advances the state with one closed bar and writes `out`. */
  abstract step(bar: BarValues): void;
}

export type Params = Record<string, number>;

export interface KernelDef {
  name: IndicatorName;
  description: string;
  params: ParamInfo[];
  outputs: string[];
  convention: 'ta-lib' | 'published';
  reference?: string;
  /** Provenance method text, e.g. 'ta-lib:RSI (Wilder smoothing, SMA seed)'. */
  method: string;
  /** Bars consumed before every output has a value. */
  lookback(p: Params): number;
  /** Extra bars after the lookback until the seed's influence has decayed below 0.1%. */
  unstable(p: Params): number;
  create(p: Params): Kernel;
}

/** Shorthand for a catalogue parameter. */
export function param(name: string, def: number, min: number, max: number, description: string, integer = true): ParamInfo {
  return { name, default: def, min, max, integer, description };
}

/** TA-Lib's TA_IS_ZERO (epsilon 1e-14). */
export function isZero(v: number): boolean {
  return -1e-14 < v && v < 1e-14;
}
