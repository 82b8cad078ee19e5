import { TIMEFRAME_MS } from '../../schemas/common.ts';
import type { QualityFlag } from '../../schemas/ohlcv.ts';
import { refuse, type Refusal } from '../lib/batch/index.ts';
import type { RawOhlcv, ValidateConfig } from './checks.ts';

/**
 * Validate's per-series state: the newest bucket seen and a bounded window of recent candles, stored as parallel
 * columns ordered by time (compact JSON, and cheap to search and append to).
 */
export interface SeriesState {
  latest: number;
  t: number[];
  rev: number[];
  /** Values fingerprint: same revision + same fingerprint = duplicate. */
  fp: string[];
  close: number[];
}

export interface SeriesVerdict {
  flags: QualityFlag[];
  gapBeforeMs?: number;
}

const scratch = new Float64Array(8);
const words = new Uint32Array(scratch.buffer);
const STATE_CODE = { forming: 1, closed: 2, revised: 3 } as const;

/** FNV-style hash over the IEEE-754 bits of the values: exact (no float-to-text rounding) and much cheaper than hashing a string. */
function fingerprint(c: RawOhlcv): string {
  scratch[0] = c.open;
  scratch[1] = c.high;
  scratch[2] = c.low;
  scratch[3] = c.close;
  scratch[4] = c.volume;
  scratch[5] = c.quoteVolume;
  scratch[6] = c.trades ?? -1;
  scratch[7] = STATE_CODE[c.state];
  // Two independent 32-bit lanes (different offset bases): a 64-bit fingerprint, so a collision is not a practical concern.
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as number;
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul(b ^ w, 0x5bd1e995) ^ (b >>> 15);
  }
  return `${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}`;
}

/** Index of the first kept candle at or after `t` (binary search over the time column). */
function lowerBound(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const TRIM_SLACK = 32;

export function emptySeriesState(): SeriesState {
  return { latest: -1, t: [], rev: [], fp: [], close: [] };
}

/** Checks a candle against its series' history; on acceptance records it in `state` (mutated in place). */
export function checkAgainstSeries(c: RawOhlcv, state: SeriesState, config: ValidateConfig): SeriesVerdict | Refusal {
  const at = lowerBound(state.t, c.timestamp);
  const exists = state.t[at] === c.timestamp;
  const fp = fingerprint(c);
  if (exists && state.rev[at] === c.revision && state.fp[at] === fp) {
    return refuse('DUPLICATE', `candle ${c.timestamp} revision ${c.revision} was already seen with the same values`, { flag: 'duplicate', revision: c.revision });
  }
  if (exists && c.revision < (state.rev[at] as number)) {
    return refuse('STALE_REVISION', `revision ${c.revision} of candle ${c.timestamp} arrived after revision ${state.rev[at]}: storing it would undo a newer one`, { seenRevision: state.rev[at] });
  }

  const flags: QualityFlag[] = [];
  let gapBeforeMs: number | undefined;
  if (at > 0) {
    const previousClose = state.close[at - 1] as number;
    const jumpPct = Math.abs(c.close / previousClose - 1) * 100;
    const extremePct = Math.max(Math.abs(c.high / previousClose - 1), Math.abs(c.low / previousClose - 1), Math.abs(c.open / previousClose - 1)) * 100;
    if (Math.max(extremePct, jumpPct) > config.outlierPct) {
      const movePct = Math.max(extremePct, jumpPct);
      return refuse('OUTLIER', `price moved ${movePct.toFixed(2)}% from the previous close ${previousClose} (limit ${config.outlierPct}%)`, { flag: 'outlier', previousClose, movePct });
    }
    if (jumpPct > config.jumpPct) flags.push('price_jump');
  }
  const known = state.latest >= 0;
  if (known && !exists && c.timestamp < state.latest) flags.push('out_of_order');
  const step = TIMEFRAME_MS[c.timeframe];
  if (known && c.timestamp > state.latest + step) {
    flags.push('gap_before');
    gapBeforeMs = c.timestamp - state.latest - step;
  }

  if (exists) {
    state.rev[at] = c.revision;
    state.fp[at] = fp;
    state.close[at] = c.close;
  } else {
    state.t.splice(at, 0, c.timestamp);
    state.rev.splice(at, 0, c.revision);
    state.fp.splice(at, 0, fp);
    state.close.splice(at, 0, c.close);
  }
  // Trimmed in steps of TRIM_SLACK rather than per candle: one splice per 32 candles instead of one per candle.
  const overflow = state.t.length - config.historyBars;
  if (overflow > TRIM_SLACK) for (const column of [state.t, state.rev, state.fp, state.close]) column.splice(0, overflow);
  state.latest = Math.max(state.latest, c.timestamp);
  return gapBeforeMs === undefined ? { flags } : { flags, gapBeforeMs };
}
