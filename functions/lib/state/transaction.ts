import { AppError } from '../errors.ts';
import type { StateStore, StateWrite } from './types.ts';

/** A working copy of some keys: reads come from one snapshot, writes are buffered until commit. */
export interface StateView<S> {
  get(key: string): S | undefined;
  /** The stored version `get` read (0 when the key was absent): what a cache of decoded state is checked against. */
  version(key: string): number;
  set(key: string, value: S): void;
}

export interface TransactionOptions {
  ttlMs?: number;
  /** How often to recompute after another replica wrote the same keys; then the batch fails (5xx) and the pipeline retries it. */
  maxAttempts?: number;
  /** Called once the batch committed, with the version each written key now has. */
  onCommit?: (versions: ReadonlyMap<string, number>) => void;
}

/**
 * Optimistic transaction over a batch: reads `keys`, runs `compute` against that snapshot, and commits every changed key
 * with compare-and-set in one atomic write. When another replica changed a key meanwhile, the whole batch is recomputed
 * from fresh state, so outputs always match the state that was committed (nothing is emitted from a lost attempt).
 */
export async function withState<S, R>(store: StateStore, keys: readonly string[], compute: (view: StateView<S>) => R | Promise<R>, options: TransactionOptions = {}): Promise<R> {
  const unique = [...new Set(keys)];
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const read = await store.getMany<S>(unique);
    const snapshot = new Map<string, { value: S; version: number }>();
    unique.forEach((key, i) => {
      const entry = read[i];
      if (entry !== undefined) snapshot.set(key, entry);
    });
    const written = new Map<string, S>();
    const view: StateView<S> = {
      get: (key) => (written.has(key) ? written.get(key) : snapshot.get(key)?.value),
      version: (key) => snapshot.get(key)?.version ?? 0,
      set: (key, value) => {
        written.set(key, value);
      },
    };
    const result = await compute(view);
    if (written.size === 0) return result;
    const writes: StateWrite[] = [...written].map(([key, value]) => {
      const write: StateWrite = { key, value, expectVersion: snapshot.get(key)?.version ?? 0 };
      if (options.ttlMs !== undefined) write.ttlMs = options.ttlMs;
      return write;
    });
    const committed = await store.setMany(writes);
    if (committed.ok) {
      options.onCommit?.(new Map(writes.map((w, i) => [w.key, committed.versions[i] as number])));
      return result;
    }
  }
  throw new AppError('STATE_CONFLICT', `state kept changing under this batch after ${maxAttempts} attempts: another replica is processing the same series; the pipeline will retry`, { status: 503 });
}
