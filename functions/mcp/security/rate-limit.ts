import type { RateLimiterPort } from '../ports.ts';

/**
 * Token bucket per key, in process. Enough for one instance; several instances share a limiter by injecting a
 * RateLimiterPort over Redis instead.
 */
export function createTokenBucketLimiter(opts: { capacity: number; refillPerSec: number; now?: () => number }): RateLimiterPort {
  const now = opts.now ?? (() => Date.now());
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    async take(key) {
      const t = now();
      const b = buckets.get(key) ?? { tokens: opts.capacity, at: t };
      b.tokens = Math.min(opts.capacity, b.tokens + ((t - b.at) / 1000) * opts.refillPerSec);
      b.at = t;
      if (buckets.size > 10_000 && !buckets.has(key)) buckets.clear();
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterMs: Math.ceil(((1 - b.tokens) / opts.refillPerSec) * 1000) };
    },
  };
}
