import { AppError } from '../errors.ts';
import type { DecodedCache } from './decoded-cache.ts';
import type { StateStore, StateWrite, Versioned } from './types.ts';

/** A working copy of some keys: reads come from one snapshot, writes are buffered until commit. */
export interface StateView<S> {
  /** The key's value for this transaction. Change it only to `set` it: a cache may hand the same object to the next batch. */
  get(key: string): S | undefined;
  set(key: string, value: S): void;
}

/** How a value a batch works on relates to what is stored (default: the stored JSON value itself). */
export interface StateCodec<S> {
  decode(stored: unknown): S;
  /** A JSON-serialisable form of `value`. */
  encode(value: S): unknown;
}

export interface TransactionOptions<S> {
  ttlMs?: number;
  /** How often to recompute after another replica wrote the same keys; then the batch fails (5xx) and the pipeline retries it. */
  maxAttempts?: number;
  /** Values kept decoded between batches: a key whose stored text is still the one this instance wrote is not parsed again. */
  cache?: DecodedCache<S>;
  codec?: StateCodec<S>;
}

interface Slot<S> {
  stored: Versioned<unknown> | undefined;
  decoded: { value: S } | undefined;
}

/**
 * Optimistic transaction over a batch: reads `keys`, runs `compute` against that snapshot, and commits every changed key
 * with compare-and-set in one atomic write. When another replica changed a key meanwhile, the whole batch is recomputed
 * from fresh state, so outputs always match the state that was committed (nothing is emitted from a lost attempt).
 */
export async function withState<S, R>(store: StateStore, keys: readonly string[], compute: (view: StateView<S>) => R | Promise<R>, options: TransactionOptions<S> = {}): Promise<R> {
  const unique = [...new Set(keys)];
  const { cache, codec } = options;
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const read = await store.getMany<unknown>(unique);
    const slots = new Map<string, Slot<S>>();
    unique.forEach((key, i) => {
      const stored = read[i];
      const kept = cache?.take(key, stored?.json);
      slots.set(key, { stored, decoded: kept === undefined ? undefined : { value: kept } });
    });
    const written = new Map<string, S>();
    const view: StateView<S> = {
      get: (key) => {
        if (written.has(key)) return written.get(key);
        const slot = slots.get(key);
        if (slot?.stored === undefined) return undefined;
        slot.decoded ??= { value: codec === undefined ? (slot.stored.value as S) : codec.decode(slot.stored.value) };
        return slot.decoded.value;
      },
      set: (key, value) => {
        written.set(key, value);
      },
    };
    const result = await compute(view);
    const writes: StateWrite[] = [...written].map(([key, value]) => {
      const encoded = codec === undefined ? value : codec.encode(value);
      const write: StateWrite = { key, value: encoded, json: JSON.stringify(encoded), expectVersion: slots.get(key)?.stored?.version ?? 0 };
      if (options.ttlMs !== undefined) write.ttlMs = options.ttlMs;
      return write;
    });
    const committed = writes.length === 0 || (await store.setMany(writes)).ok;
    if (!committed) continue;
    if (cache !== undefined) {
      for (const [key, slot] of slots) if (!written.has(key) && slot.stored !== undefined && slot.decoded !== undefined) cache.put(key, slot.stored.json, slot.decoded.value);
      for (const w of writes) cache.put(w.key, w.json as string, written.get(w.key) as S);
    }
    return result;
  }
  throw new AppError('STATE_CONFLICT', `state kept changing under this batch after ${maxAttempts} attempts: another replica is processing the same series; the pipeline will retry`, { status: 503 });
}
