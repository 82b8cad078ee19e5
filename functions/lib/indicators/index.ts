/**
 * Streaming + batch technical indicators with TA-Lib conventions (seeding, warm-up, arithmetic order).
 *
 * Revisions: a closed bar that is later revised is handled by the caller. Keep the snapshot() taken BEFORE the
 * bar, then call replay(spec, snapshotBefore, [revisedBar, ...laterBars]); the result equals recomputing from
 * scratch over the corrected history.
 */
import { AppError } from '../errors.ts';
import { BATCH_KERNELS, type Field, type OhlcvColumns, Outputs } from './batch-kernels.ts';
import { resolveSpec } from './catalogue.ts';
import type { BarValues, Kernel, KernelDef, Params } from './kernel.ts';
import { copyState, decodeStateInto, encodeState } from './state.ts';
import type { Bar, IndicatorResult, IndicatorSpec, StreamingIndicator } from './types.ts';

export { INDICATORS } from './catalogue.ts';
export { INDICATOR_NAMES } from './types.ts';
export type { Bar, IndicatorInfo, IndicatorName, IndicatorResult, IndicatorSpec, ParamInfo, Provenance, StreamingIndicator } from './types.ts';

const SNAPSHOT_VERSION = 1;

interface Snapshot { v: number; name: string; params: Params; kernel: unknown }

class Indicator implements StreamingIndicator {
  readonly name: string;
  private readonly params: Params;
  private readonly kernel: Kernel;
  private readonly scratch: Kernel;
  private readonly lookback: number;
  private readonly unstable: number;
  /** Shared by every result (frozen), so update() allocates only the result, values and provenance. */
  private readonly frozenParams: Readonly<Params>;
  /*
   * The hot path reads these own fields instead of kernel.out / kernel.n / def.*: the kernel classes differ per
   * indicator, so loads through them are megamorphic once an app runs several indicators.
   */
  private readonly kernelOut: Float64Array;
  /** kernel.step read once: through `this.kernel` the load is megamorphic (a stub-cache probe) on every bar. */
  private readonly step: Kernel['step'];
  private readonly scratchOut: Float64Array;
  private readonly outputs: readonly string[];
  private readonly method: string;
  private readonly convention: 'ta-lib' | 'published';
  private readonly reference: string | undefined;
  /** Bars consumed by `kernel` (mirrors kernel.n). */
  private consumed = 0;

  constructor(def: KernelDef, params: Params) {
    this.name = def.name;
    this.params = params;
    this.frozenParams = Object.freeze({ ...params });
    this.kernel = def.create(params);
    this.scratch = def.create(params);
    this.lookback = def.lookback(params);
    this.unstable = def.unstable(params);
    this.kernelOut = this.kernel.out;
    this.step = this.kernel.step;
    this.scratchOut = this.scratch.out;
    this.outputs = def.outputs;
    this.method = def.method;
    this.convention = def.convention;
    this.reference = def.reference;
  }

  update(bar: Bar): IndicatorResult {
    this.step.call(this.kernel, bar);
    return this.result(this.kernelOut, ++this.consumed, false);
  }

  updateValues(bar: Bar, out: Float64Array): Float64Array {
    this.step.call(this.kernel, bar);
    this.consumed++;
    // An element loop, not out.set(): TypedArray#set is a builtin call that cost more than the whole kernel step.
    const src = this.kernelOut;
    for (let i = 0; i < src.length; i++) out[i] = src[i] as number;
    return out;
  }

  peek(bar: Bar): IndicatorResult {
    copyState(this.scratch, this.kernel);
    this.step.call(this.scratch, bar);
    return this.result(this.scratchOut, this.consumed + 1, true);
  }

  snapshot(): Snapshot {
    return { v: SNAPSHOT_VERSION, name: this.name, params: { ...this.params }, kernel: encodeState(this.kernel) };
  }

  restore(state: unknown): void {
    const s = state as Partial<Snapshot> | null;
    if (s === null || typeof s !== 'object' || s.v !== SNAPSHOT_VERSION || s.name !== this.name) {
      throw new AppError('bad_snapshot', `Snapshot is not a version-${SNAPSHOT_VERSION} ${this.name} snapshot; pass the value returned by snapshot() of the same indicator.`, { status: 400 });
    }
    for (const [k, v] of Object.entries(this.params)) {
      if (s.params?.[k] !== v) throw new AppError('bad_snapshot', `Snapshot was taken with ${k}=${String(s.params?.[k])} but the spec has ${k}=${v}; use the same params.`, { status: 400 });
    }
    decodeStateInto(this.kernel, s.kernel);
    this.consumed = this.kernel.n;
  }

  private result(out: Float64Array, consumed: number, provisional: boolean): IndicatorResult {
    const values: Record<string, number | null> = {};
    const outs = this.outputs;
    for (let i = 0; i < outs.length; i++) {
      const v = out[i] as number;
      values[outs[i] as string] = v === v ? v : null;
    }
    return {
      name: this.name,
      values,
      provenance: {
        method: this.method,
        params: this.frozenParams,
        lookback: this.lookback,
        consumed,
        stable: consumed > this.lookback + this.unstable,
        convention: this.convention,
        reference: this.reference,
      },
      provisional,
    };
  }
}

/** A streaming indicator, fresh or restored from a snapshot() of the same spec. */
export function createIndicator(spec: IndicatorSpec, state?: unknown): StreamingIndicator {
  const { def, params } = resolveSpec(spec);
  const ind = new Indicator(def, params);
  if (state !== undefined) ind.restore(state);
  return ind;
}

/** Every output over all bars, aligned to the input; NaN during warm-up. */
export function computeBatch(spec: IndicatorSpec, bars: readonly Bar[]): { [output: string]: Float64Array } {
  const { def, params } = resolveSpec(spec);
  const fast = BATCH_KERNELS[def.name];
  if (fast !== undefined) {
    const out = new Outputs(bars.length);
    fast.run(columnsFromBars(bars, fast.reads), params, out);
    return named(def, out.columns);
  }
  const kernel = def.create(params);
  const n = bars.length;
  const cols = def.outputs.map(() => new Float64Array(n));
  const out = kernel.out;
  const c0 = cols[0] as Float64Array;
  if (cols.length === 1) {
    for (let i = 0; i < n; i++) {
      kernel.step(bars[i] as Bar);
      c0[i] = out[0] as number;
    }
  } else {
    for (let i = 0; i < n; i++) {
      kernel.step(bars[i] as Bar);
      for (let j = 0; j < cols.length; j++) (cols[j] as Float64Array)[i] = out[j] as number;
    }
  }
  return named(def, cols);
}

/** OHLCV as columns (e.g. straight from a columnar store); only the columns an indicator reads are required. */
export interface Columns { open?: ArrayLike<number>; high?: ArrayLike<number>; low?: ArrayLike<number>; close: ArrayLike<number>; volume?: ArrayLike<number> }

/**
 * computeBatch over columns instead of Bar objects (no per-bar object reads). `into` optionally supplies the output
 * columns (one per output name, each as long as close, none sharing memory with an input), which are overwritten
 * and returned: like TA-Lib's output buffers, reusing them across calls saves allocating and first touching memory.
 */
export function computeBatchColumns(spec: IndicatorSpec, data: Columns, into?: { [output: string]: Float64Array }): { [output: string]: Float64Array } {
  const { def, params } = resolveSpec(spec);
  const n = data.close.length;
  const given = into === undefined ? undefined : outputColumns(def, data, into);
  const fast = BATCH_KERNELS[def.name];
  if (fast !== undefined) {
    const out = new Outputs(n, given);
    fast.run(columnsFromData(data), params, out);
    return named(def, out.columns);
  }
  const kernel = def.create(params);
  const nan = { length: n } as ArrayLike<number>;
  const o = data.open ?? nan;
  const h = data.high ?? nan;
  const l = data.low ?? nan;
  const c = data.close;
  const v = data.volume ?? nan;
  const cols = given ?? def.outputs.map(() => new Float64Array(n));
  const out = kernel.out;
  const bar: BarValues = { open: NaN, high: NaN, low: NaN, close: NaN, volume: NaN };
  for (let i = 0; i < n; i++) {
    bar.open = o[i] as number;
    bar.high = h[i] as number;
    bar.low = l[i] as number;
    bar.close = c[i] as number;
    bar.volume = v[i] as number;
    kernel.step(bar);
    for (let j = 0; j < cols.length; j++) (cols[j] as Float64Array)[i] = out[j] as number;
  }
  return named(def, cols);
}

/** The caller's output columns in catalogue order, checked: one per output, right length, no memory shared. */
function outputColumns(def: KernelDef, data: Columns, into: { [output: string]: Float64Array }): Float64Array[] {
  const n = data.close.length;
  const taken = [data.open, data.high, data.low, data.close, data.volume].filter((x) => x instanceof Float64Array).map((x) => x.buffer);
  return def.outputs.map((name) => {
    const col = into[name];
    if (!(col instanceof Float64Array) || col.length !== n) {
      throw new AppError('bad_columns', `into.${name} must be a Float64Array of ${n} values (the length of close); ${def.name} outputs ${def.outputs.join(', ')}.`, { status: 400 });
    }
    if (taken.includes(col.buffer)) throw new AppError('bad_columns', `into.${name} shares memory with an input or another output column; pass a separate buffer.`, { status: 400 });
    taken.push(col.buffer);
    return col;
  });
}

/**
 * Scratch input columns for computeBatch(Bar[]), reused across calls. Why: a fresh multi-megabyte Float64Array
 * costs a page fault per 4 KiB on first touch, which dominated the Bar[] path. Safe to share because batch
 * kernels run synchronously and never return their inputs. Capped so at most 5 x 8 MiB stays allocated.
 */
const SCRATCH_MAX = 1 << 20;
const scratch = { open: new Float64Array(0), high: new Float64Array(0), low: new Float64Array(0), close: new Float64Array(0), volume: new Float64Array(0) };
const EMPTY = new Float64Array(0);

/** A length-n input column: the reused scratch column when n fits under the cap, else a fresh one. */
function inputColumn(field: Field, n: number): Float64Array {
  if (n > SCRATCH_MAX) return new Float64Array(n);
  if (scratch[field].length < n) scratch[field] = new Float64Array(Math.min(SCRATCH_MAX, Math.max(n, 2 * scratch[field].length)));
  return scratch[field].subarray(0, n);
}

/**
 * Bar[] to Float64Array columns in ONE pass over the bars (each pass over a large Bar[] is bound by cache misses),
 * extracting only the fields a kernel reads; the kernel never touches the others, so they are empty.
 */
function columnsFromBars(bars: readonly Bar[], reads: readonly Field[]): OhlcvColumns {
  const n = bars.length;
  const wantO = reads.includes('open');
  const wantH = reads.includes('high');
  const wantL = reads.includes('low');
  const wantV = reads.includes('volume');
  const open = wantO ? inputColumn('open', n) : EMPTY;
  const high = wantH ? inputColumn('high', n) : EMPTY;
  const low = wantL ? inputColumn('low', n) : EMPTY;
  const close = inputColumn('close', n);
  const volume = wantV ? inputColumn('volume', n) : EMPTY;
  for (let i = 0; i < n; i++) {
    const b = bars[i] as Bar;
    if (wantO) open[i] = b.open;
    if (wantH) high[i] = b.high;
    if (wantL) low[i] = b.low;
    close[i] = b.close;
    if (wantV) volume[i] = b.volume;
  }
  return { open, high, low, close, volume };
}

/** Caller columns as Float64Arrays (used as given when they already are); missing columns share one NaN column. */
function columnsFromData(data: Columns): OhlcvColumns {
  const n = data.close.length;
  let nan: Float64Array | undefined;
  const col = (given: ArrayLike<number> | undefined) => {
    if (given === undefined) return (nan ??= new Float64Array(n).fill(NaN));
    return given instanceof Float64Array ? given : Float64Array.from(given);
  };
  return { open: col(data.open), high: col(data.high), low: col(data.low), close: col(data.close), volume: col(data.volume) };
}

function named(def: KernelDef, cols: Float64Array[]): { [output: string]: Float64Array } {
  const result: { [output: string]: Float64Array } = {};
  def.outputs.forEach((name, j) => {
    result[name] = cols[j] as Float64Array;
  });
  return result;
}

/**
 * Restores the snapshot taken before a revised bar and replays the corrected bars through it.
 * Returns the indicator (positioned after the last bar) and one result per replayed bar.
 */
export function replay(spec: IndicatorSpec, snapshotBefore: unknown, bars: readonly Bar[]): { indicator: StreamingIndicator; results: IndicatorResult[] } {
  const indicator = createIndicator(spec, snapshotBefore);
  const results = bars.map((b) => indicator.update(b));
  return { indicator, results };
}
