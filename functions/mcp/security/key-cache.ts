/**
 * Verified API keys cached in memory for a short TTL, so a burst of calls does not pay a key-store round trip and a
 * SHA-256 each. Trade-off (also stated at McpConfig.keyCacheMs): a key revoked elsewhere (another process, another
 * instance, a direct UPDATE) keeps working here for up to `ttlMs`. A revocation issued in this process (the keys
 * command's `revoke`, or anything calling `forgetApiKey`) takes effect at once: every cache of the process drops it.
 * Only successful verifications are cached; unknown, wrong or revoked tokens always go to the store.
 */
import type { ApiKeyRecord, KeyStorePort } from '../ports.ts';
import { verifyApiKey } from './keys.ts';

interface Entry { record: ApiKeyRecord; until: number }

export interface KeyVerifier {
  /** The live key record for a bearer token, or null (as verifyApiKey). */
  verify(token: string): Promise<ApiKeyRecord | null>;
}

/** Every live cache of this process, so a revocation anywhere in it reaches all of them. */
const caches = new Set<Map<string, Entry>>();
const MAX_ENTRIES = 10_000;

/** Drops key `id` from every cache in this process (call after revoking it). */
export function forgetApiKey(id: string): void {
  for (const cache of caches) {
    for (const [token, entry] of cache) if (entry.record.id === id) cache.delete(token);
  }
}

export function createCachedKeyVerifier(keys: KeyStorePort, opts: { ttlMs: number; now: () => number }): KeyVerifier & { close(): void } {
  const cache = new Map<string, Entry>();
  if (opts.ttlMs > 0) caches.add(cache);
  return {
    async verify(token) {
      const hit = cache.get(token);
      if (hit !== undefined && hit.until > opts.now()) return hit.record;
      if (hit !== undefined) cache.delete(token);
      const record = await verifyApiKey(keys, token);
      if (record !== null && opts.ttlMs > 0) {
        // Bounded: a flood of distinct valid keys only costs store round trips, never unbounded memory.
        if (cache.size >= MAX_ENTRIES) cache.clear();
        cache.set(token, { record, until: opts.now() + opts.ttlMs });
      }
      return record;
    },
    close() {
      cache.clear();
      caches.delete(cache);
    },
  };
}
