/**
 * Client-side budget over CryptoCompare's five windows (second … month). It learns the real limits from
 * `/stats/rate/limit` and the `X-RateLimit-*-All` headers, waits for the reset of the *exhausted* window (never the
 * month unless the month is the one exhausted), and persists its counters so a restart does not burst past a limit.
 */

export const RATE_WINDOWS = ['second', 'minute', 'hour', 'day', 'month'] as const;
export type RateWindow = (typeof RATE_WINDOWS)[number];
export const RATE_WINDOW_SECONDS: Readonly<Record<RateWindow, number>> = { second: 1, minute: 60, hour: 3600, day: 86_400, month: 2_592_000 };

/** A tiny key-value store (Redis, KV, a file) injected by the host. */
export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
}

export interface WindowState {
  /** Calls allowed per window; null until learned or configured. */
  limit: number | null;
  remaining: number | null;
  /** Epoch ms when the window resets. */
  resetAt: number;
}

export interface RateLimiterOptions {
  limits?: Partial<Record<RateWindow, number>>;
  store?: KeyValueStore;
  storeKey?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Upper bound of the random delay added after a reset, so several clients do not all fire at the reset instant. */
  jitterMs?: number;
}

export interface RateLimiter {
  /** Resolves when one call may be made (after waiting if a window is exhausted) and counts it. */
  acquire(): Promise<void>;
  /** Adopts the server's view from `X-RateLimit-Remaining-All` / `X-RateLimit-Reset-All`. */
  observeHeaders(headers: Headers): void;
  /** Adopts limits and usage from a `/stats/rate/limit` `Data` block. */
  learnFromStats(data: { calls_made: Partial<Record<RateWindow, number>>; calls_left: Partial<Record<RateWindow, number>> }): void;
  /** The server refused a call: block everything for `retryAfterMs` (or until the exhausted window's reset). */
  noteRateLimited(retryAfterMs: number | null, window?: RateWindow | null): number;
  /** Milliseconds acquire() would wait now (0 when a call may go). */
  waitMs(): number;
  state(): Readonly<Record<RateWindow, WindowState>>;
  flush(): Promise<void>;
}

/** Parses `"1220397, 1;window=1, 33;window=60, …"` into window → value. */
export function parseRateHeader(value: string | null): Partial<Record<RateWindow, number>> {
  const out: Partial<Record<RateWindow, number>> = {};
  if (!value) return out;
  for (const part of value.split(',')) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*;\s*window=(\d+)\s*$/.exec(part);
    if (!m) continue;
    const seconds = Number(m[2]);
    const w = RATE_WINDOWS.find((x) => RATE_WINDOW_SECONDS[x] === seconds);
    if (w) out[w] = Number(m[1]);
  }
  return out;
}

function nextBoundary(now: number, w: RateWindow): number {
  const size = RATE_WINDOW_SECONDS[w] * 1000;
  return Math.floor(now / size) * size + size;
}

export function createRateLimiter(opts: RateLimiterOptions = {}): RateLimiter {
  const now = opts.now ?? (() => Date.now());
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = opts.random ?? Math.random;
  const jitterMs = opts.jitterMs ?? 250;
  const storeKey = opts.storeKey ?? 'cryptocompare:rate-limiter';
  const windows = {} as Record<RateWindow, WindowState>;
  for (const w of RATE_WINDOWS) {
    const limit = opts.limits?.[w] ?? null;
    windows[w] = { limit, remaining: limit, resetAt: nextBoundary(now(), w) };
  }
  let blockedUntil = 0;
  let loaded: Promise<void> | null = null;
  let saving: Promise<void> = Promise.resolve();

  function roll(): void {
    const t = now();
    for (const w of RATE_WINDOWS) {
      const s = windows[w];
      if (t >= s.resetAt) {
        s.remaining = s.limit;
        s.resetAt = nextBoundary(t, w);
      }
    }
  }

  function load(): Promise<void> {
    loaded ??= (async () => {
      if (!opts.store) return;
      const raw = await opts.store.get(storeKey);
      if (!raw) return;
      try {
        const saved = JSON.parse(raw) as { windows?: Partial<Record<RateWindow, WindowState>>; blockedUntil?: number };
        for (const w of RATE_WINDOWS) {
          const s = saved.windows?.[w];
          if (!s || typeof s.resetAt !== 'number') continue;
          // Configured limits win over stored ones; stored usage carries over while its window is still current.
          const limit = opts.limits?.[w] ?? (typeof s.limit === 'number' ? s.limit : null);
          windows[w] = { limit, remaining: typeof s.remaining === 'number' ? Math.min(s.remaining, limit ?? s.remaining) : limit, resetAt: s.resetAt };
        }
        if (typeof saved.blockedUntil === 'number') blockedUntil = saved.blockedUntil;
      } catch {
        // A corrupt entry only costs the saved usage; the next save replaces it.
      }
      roll();
    })();
    return loaded;
  }

  function persist(): Promise<void> {
    if (!opts.store) return Promise.resolve();
    const snapshot = JSON.stringify({ windows, blockedUntil });
    const store = opts.store;
    saving = saving.then(() => store.set(storeKey, snapshot)).catch(() => {});
    return saving;
  }

  function waitMs(): number {
    roll();
    const t = now();
    let until = blockedUntil;
    for (const w of RATE_WINDOWS) {
      const s = windows[w];
      if (s.remaining !== null && s.remaining <= 0) until = Math.max(until, s.resetAt);
    }
    return Math.max(0, until - t);
  }

  return {
    async acquire() {
      await load();
      for (;;) {
        const wait = waitMs();
        if (wait <= 0) break;
        await sleep(wait + Math.floor(random() * jitterMs));
      }
      for (const w of RATE_WINDOWS) {
        const s = windows[w];
        if (s.remaining !== null) s.remaining -= 1;
      }
      await persist();
    },
    observeHeaders(headers) {
      const remaining = parseRateHeader(headers.get('x-ratelimit-remaining-all'));
      const reset = parseRateHeader(headers.get('x-ratelimit-reset-all'));
      const t = now();
      for (const w of RATE_WINDOWS) {
        const r = remaining[w];
        if (r === undefined) continue;
        const s = windows[w];
        const resetSeconds = reset[w];
        if (resetSeconds !== undefined) s.resetAt = t + resetSeconds * 1000;
        // Calls in flight were already counted locally: keep the smaller figure.
        s.remaining = s.remaining === null ? r : Math.min(s.remaining, r);
        // Remaining calls are a lower bound of the limit; 0 teaches nothing about it.
        if (r > 0 && (s.limit === null || s.limit < r)) s.limit = r;
      }
      void persist();
    },
    learnFromStats(data) {
      roll();
      for (const w of RATE_WINDOWS) {
        const made = data.calls_made[w];
        const left = data.calls_left[w];
        if (typeof made !== 'number' || typeof left !== 'number') continue;
        windows[w].limit = opts.limits?.[w] ?? made + left;
        windows[w].remaining = left;
      }
      void persist();
    },
    noteRateLimited(retryAfterMs, window) {
      const t = now();
      roll();
      let until = retryAfterMs !== null && retryAfterMs > 0 ? t + retryAfterMs : 0;
      if (window) {
        windows[window].remaining = 0;
        until = Math.max(until, windows[window].resetAt);
      }
      // Without any hint, the second window is the likeliest culprit: wait for its reset.
      if (until === 0) until = Math.max(windows.second.resetAt, t + 1000);
      blockedUntil = Math.max(blockedUntil, until);
      void persist();
      return blockedUntil - t;
    },
    waitMs,
    state: () => windows,
    flush: async () => { await persist(); },
  };
}
