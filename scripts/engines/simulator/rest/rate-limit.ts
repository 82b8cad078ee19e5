/** The simulator's per-key call accounting over CryptoCompare's five fixed windows. */

export const WINDOWS = ['second', 'minute', 'hour', 'day', 'month'] as const;
export type Window = (typeof WINDOWS)[number];
export const WINDOW_SECONDS: Readonly<Record<Window, number>> = { second: 1, minute: 60, hour: 3600, day: 86_400, month: 2_592_000 };

export type Limits = Record<Window, number>;
/** The 2021–2024 per-key limits seen in real Type 99 bodies. */
export const DEFAULT_LIMITS: Readonly<Limits> = { second: 20, minute: 300, hour: 3000, day: 7500, month: 50_000 };

interface KeyState {
  windowStart: Record<Window, number>;
  calls: Record<Window, number>;
  total: number;
}

export interface RateVerdict {
  allowed: boolean;
  callsMade: Record<Window, number> & { total_calls: number };
  callsLeft: Record<Window, number>;
  /** Seconds until each window resets. */
  resetIn: Record<Window, number>;
  /** The exhausted window with the furthest reset, when refused. */
  exhausted: Window | null;
}

function windowStartOf(nowMs: number, w: Window): number {
  const size = WINDOW_SECONDS[w] * 1000;
  return Math.floor(nowMs / size) * size;
}

export function createRateAccounting(limits: Limits, now: () => number) {
  const keys = new Map<string, KeyState>();

  function stateOf(key: string): KeyState {
    const t = now();
    let state = keys.get(key);
    if (!state) {
      state = { windowStart: { second: 0, minute: 0, hour: 0, day: 0, month: 0 }, calls: { second: 0, minute: 0, hour: 0, day: 0, month: 0 }, total: 0 };
      keys.set(key, state);
    }
    for (const w of WINDOWS) {
      const start = windowStartOf(t, w);
      if (state.windowStart[w] !== start) { state.windowStart[w] = start; state.calls[w] = 0; }
    }
    return state;
  }

  function verdictOf(state: KeyState, allowed: boolean): RateVerdict {
    const t = now();
    const callsLeft = {} as Record<Window, number>;
    const resetIn = {} as Record<Window, number>;
    let exhausted: Window | null = null;
    for (const w of WINDOWS) {
      callsLeft[w] = Math.max(0, limits[w] - state.calls[w]);
      resetIn[w] = Math.max(1, Math.ceil((state.windowStart[w] + WINDOW_SECONDS[w] * 1000 - t) / 1000));
      if (state.calls[w] > limits[w]) exhausted = w;
    }
    return { allowed, callsMade: { ...state.calls, total_calls: state.total }, callsLeft, resetIn, exhausted: allowed ? null : exhausted };
  }

  return {
    limits,
    /** Counts one call for `key` (refused calls count too, as in the real service) and says whether it may proceed. */
    record(key: string): RateVerdict {
      const state = stateOf(key);
      for (const w of WINDOWS) state.calls[w] += 1;
      state.total += 1;
      const allowed = WINDOWS.every((w) => state.calls[w] <= limits[w]);
      return verdictOf(state, allowed);
    },
    peek(key: string): RateVerdict {
      return verdictOf(stateOf(key), true);
    },
  };
}
export type RateAccounting = ReturnType<typeof createRateAccounting>;

/** `X-RateLimit-*-All` header value: the month figure, then `value;window=seconds` per window. */
export function formatRateHeader(values: Record<Window, number>): string {
  return [String(values.month), ...WINDOWS.map((w) => `${values[w]};window=${WINDOW_SECONDS[w]}`)].join(', ');
}

export function rateLimitHeaders(v: RateVerdict): Record<string, string> {
  return { 'X-RateLimit-Remaining-All': formatRateHeader(v.callsLeft), 'X-RateLimit-Reset-All': formatRateHeader(v.resetIn) };
}
