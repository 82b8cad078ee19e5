/**
 * TA-Lib candlestick patterns (CDL*), streaming and batch. Each detector returns TA-Lib's integer (±100, ±80, 0)
 * per bar, or null during TA-Lib's lookback. A revised closed bar is handled like indicators: restore the
 * snapshot taken before it and replay (replayPattern does both).
 */
import { AppError } from '../errors.ts';
import type { Bar } from '../indicators/types.ts';
import { copyState, decodeStateInto, encodeState } from '../indicators/state.ts';
import { PATTERNS, PATTERN_NAMES, type CandleView, type PatternDef, type PatternName } from './definitions.ts';
import { type OhlcColumns, PATTERN_COLUMNS } from './batch.ts';
import { RangeType } from './settings.ts';

export { PATTERNS, PATTERN_NAMES, type PatternDef, type PatternName } from './definitions.ts';
export { CANDLE_SETTINGS } from './settings.ts';

export interface PatternDetector {
  readonly name: PatternName;
  /** A CLOSED bar: advances state; TA-Lib's integer, or null during the lookback. */
  update(bar: Bar): number | null;
  /** A FORMING bar: the value as if it closed now, without advancing state. */
  peek(bar: Bar): number | null;
  /** JSON-serialisable state; createPatternDetector(name, params, state) restores it. */
  snapshot(): unknown;
}

/** Range types as module constants (see batch.ts: an import-binding read per candle is costly under CJS loaders). */
const REAL_BODY: number = RangeType.RealBody;
const HIGH_LOW: number = RangeType.HighLow;
const SHADOWS: number = RangeType.Shadows;

/** Per-definition constants laid out flat so the per-bar loop does no tuple destructuring. */
interface Plan { range: Int32Array; period: Int32Array; offset: Int32Array; factor: Float64Array; divisor: Float64Array }

function planOf(def: PatternDef): Plan {
  const m = def.avgs.length;
  const plan: Plan = { range: new Int32Array(m), period: new Int32Array(m), offset: new Int32Array(m), factor: new Float64Array(m), divisor: new Float64Array(m) };
  def.avgs.forEach(([s, k], j) => {
    plan.range[j] = s.range;
    plan.period[j] = s.avgPeriod;
    plan.offset[j] = k;
    plan.factor[j] = s.factor;
    plan.divisor[j] = s.range === SHADOWS ? 2.0 : 1.0;
  });
  return plan;
}

/** Everything that changes per bar (what snapshots and peek copies carry). */
class PatternState {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  totals: Float64Array;
  n = 0;
  constructor(size: number, averages: number) {
    this.open = new Float64Array(size);
    this.high = new Float64Array(size);
    this.low = new Float64Array(size);
    this.close = new Float64Array(size);
    this.totals = new Float64Array(averages);
  }
}

/**
 * A power-of-two ring of recent candles plus the rolling candle-setting totals, updated in TA-Lib's order
 * (TA_CANDLEAVERAGE / TA_CANDLERANGE arithmetic).
 */
class PatternKernel implements CandleView {
  readonly st: PatternState;
  private readonly def: PatternDef;
  private readonly plan: Plan;
  private readonly mask: number;
  private open: Float64Array;
  private high: Float64Array;
  private low: Float64Array;
  private close: Float64Array;
  private totals: Float64Array;
  constructor(def: PatternDef) {
    let need = def.lookback + 1;
    for (const [s, k] of def.avgs) need = Math.max(need, k + s.avgPeriod + 1);
    let size = 1;
    while (size < need) size <<= 1;
    this.st = new PatternState(size, def.avgs.length);
    this.def = def;
    this.plan = planOf(def);
    this.mask = size - 1;
    this.open = this.st.open;
    this.high = this.st.high;
    this.low = this.st.low;
    this.close = this.st.close;
    this.totals = this.st.totals;
  }
  private get n(): number {
    return this.st.n;
  }
  o(k: number): number {
    return this.open[(this.n - 1 - k) & this.mask] as number;
  }
  h(k: number): number {
    return this.high[(this.n - 1 - k) & this.mask] as number;
  }
  l(k: number): number {
    return this.low[(this.n - 1 - k) & this.mask] as number;
  }
  c(k: number): number {
    return this.close[(this.n - 1 - k) & this.mask] as number;
  }
  avg(j: number): number {
    const p = this.plan;
    const period = p.period[j] as number;
    const base = period !== 0 ? (this.totals[j] as number) / period : this.range(p.range[j] as number, p.offset[j] as number);
    return ((p.factor[j] as number) * base) / (p.divisor[j] as number);
  }
  /** TA_CANDLERANGE of the candle k bars back. */
  private range(type: number, k: number): number {
    const s = (this.n - 1 - k) & this.mask;
    const o = this.open[s] as number;
    const c = this.close[s] as number;
    if (type === REAL_BODY) return Math.abs(c - o);
    const h = this.high[s] as number;
    const l = this.low[s] as number;
    if (type === HIGH_LOW) return h - l;
    return h - (c >= o ? c : o) + ((c >= o ? o : c) - l);
  }
  step(o: number, h: number, l: number, c: number, penetration: number): number {
    const i = this.st.n++;
    const at = i & this.mask;
    this.open[at] = o;
    this.high[at] = h;
    this.low[at] = l;
    this.close[at] = c;
    const lookback = this.def.lookback;
    const p = this.plan;
    const totals = this.totals;
    const m = totals.length;
    if (i < lookback) {
      // TA-Lib's initial sums: bars [lookback-k-avgPeriod, lookback-k-1] in ascending order.
      for (let j = 0; j < m; j++) {
        const period = p.period[j] as number;
        if (period > 0 && i >= lookback - period) totals[j] = (totals[j] as number) + this.range(p.range[j] as number, p.offset[j] as number);
      }
      return NaN;
    }
    const out = this.def.detect(this, penetration);
    for (let j = 0; j < m; j++) {
      const type = p.range[j] as number;
      const k = p.offset[j] as number;
      totals[j] = (totals[j] as number) + (this.range(type, k) - this.range(type, k + (p.period[j] as number)));
    }
    return out;
  }
}

const BY_NAME: ReadonlyMap<string, PatternDef> = new Map(PATTERNS.map((d) => [d.name, d]));

function resolve(name: string, params: { penetration?: number } | undefined): { def: PatternDef; penetration: number } {
  const def = BY_NAME.get(name);
  if (def === undefined) throw new AppError('unknown_pattern', `Unknown pattern "${name}"; use one of ${PATTERN_NAMES.join(', ')}.`, { status: 400 });
  const penetration = params?.penetration ?? def.penetration ?? 0;
  if (params?.penetration !== undefined && (def.penetration === undefined || !Number.isFinite(penetration) || penetration < 0)) {
    throw new AppError('bad_param', `${name} ${def.penetration === undefined ? 'takes no penetration' : 'penetration must be a number >= 0'}.`, { status: 400 });
  }
  return { def, penetration };
}

const SNAPSHOT_VERSION = 1;

/** A streaming detector for one TA-Lib CDL pattern, optionally restored from its snapshot(). */
export function createPatternDetector(name: PatternName, params?: { penetration?: number }, state?: unknown): PatternDetector {
  const { def, penetration } = resolve(name, params);
  const kernel = new PatternKernel(def);
  const scratch = new PatternKernel(def);
  if (state !== undefined) {
    const s = state as { v?: number; name?: string; penetration?: number; kernel?: unknown } | null;
    if (s === null || typeof s !== 'object' || s.v !== SNAPSHOT_VERSION || s.name !== name || s.penetration !== penetration) {
      throw new AppError('bad_snapshot', `Snapshot is not a ${name} (penetration ${penetration}) snapshot; pass the value returned by snapshot() of the same detector.`, { status: 400 });
    }
    decodeStateInto(kernel.st, s.kernel);
  }
  const orNull = (x: number) => (x === x ? x : null);
  return {
    name,
    update: (bar) => orNull(kernel.step(bar.open, bar.high, bar.low, bar.close, penetration)),
    peek: (bar) => {
      copyState(scratch.st, kernel.st);
      return orNull(scratch.step(bar.open, bar.high, bar.low, bar.close, penetration));
    },
    snapshot: () => ({ v: SNAPSHOT_VERSION, name, penetration, kernel: encodeState(kernel.st) }),
  };
}

/** The pattern's column loop writing into `out` (fresh unless the caller supplied one), NaN over the lookback. */
function columnsOf(def: PatternDef, cols: OhlcColumns, penetration: number, out?: Float64Array): Float64Array {
  const dst = (out ?? new Float64Array(cols.close.length)).fill(NaN, 0, def.lookback);
  PATTERN_COLUMNS[def.name](cols, dst, def.lookback, penetration);
  return dst;
}

/** TA-Lib's integer per bar, aligned to the input; NaN during the lookback. */
export function computePatternBatch(name: PatternName, bars: readonly Bar[], params?: { penetration?: number }): Float64Array {
  const { def, penetration } = resolve(name, params);
  const n = bars.length;
  const cols: OhlcColumns = { open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n) };
  // One pass over the bars: each pass over a large Bar[] is bound by cache misses.
  for (let i = 0; i < n; i++) {
    const b = bars[i] as Bar;
    cols.open[i] = b.open;
    cols.high[i] = b.high;
    cols.low[i] = b.low;
    cols.close[i] = b.close;
  }
  return columnsOf(def, cols, penetration);
}

/**
 * computePatternBatch over open/high/low/close columns (e.g. straight from a columnar store). `into` optionally
 * supplies the output column (as long as close, not sharing memory with an input), overwritten and returned: like
 * TA-Lib's output buffer, reusing it across calls saves allocating and first touching memory.
 */
export function computePatternBatchColumns(name: PatternName, data: { open: ArrayLike<number>; high: ArrayLike<number>; low: ArrayLike<number>; close: ArrayLike<number> }, params?: { penetration?: number }, into?: Float64Array): Float64Array {
  const { def, penetration } = resolve(name, params);
  const n = data.close.length;
  if (into !== undefined) {
    if (!(into instanceof Float64Array) || into.length !== n) throw new AppError('bad_columns', `into must be a Float64Array of ${n} values (the length of close).`, { status: 400 });
    if ([data.open, data.high, data.low, data.close].some((x) => x instanceof Float64Array && x.buffer === into.buffer)) {
      throw new AppError('bad_columns', 'into shares memory with an input column; pass a separate buffer.', { status: 400 });
    }
  }
  const col = (given: ArrayLike<number>, field: string): Float64Array => {
    if (given.length !== n) throw new AppError('bad_columns', `Column ${field} has ${given.length} values but close has ${n}; pass columns of equal length.`, { status: 400 });
    return given instanceof Float64Array ? given : Float64Array.from(given);
  };
  return columnsOf(def, { open: col(data.open, 'open'), high: col(data.high, 'high'), low: col(data.low, 'low'), close: data.close instanceof Float64Array ? data.close : Float64Array.from(data.close) }, penetration, into);
}

/** Restores the snapshot taken before a revised bar and replays the corrected bars. */
export function replayPattern(name: PatternName, snapshotBefore: unknown, bars: readonly Bar[], params?: { penetration?: number }): { detector: PatternDetector; results: (number | null)[] } {
  const detector = createPatternDetector(name, params, snapshotBefore);
  return { detector, results: bars.map((b) => detector.update(b)) };
}
