/**
 * Per-series state for batch functions. Values are JSON-serialisable; every key carries a version (1 on first write,
 * +1 per write) so replicas can do compare-and-set and never silently lose each other's updates.
 */
export interface Versioned<T> {
  /** Parsed from `json` when first read (adapters parse lazily: a caller holding the value decoded never pays for it). */
  readonly value: T;
  readonly version: number;
  /** The stored JSON text, exactly as written: what a cache of decoded values checks it still matches. */
  readonly json: string;
}

export interface StateWrite {
  key: string;
  value: unknown;
  /** `value` already serialised (`JSON.stringify(value)`): stored as given, so the writer can compare later reads with it. */
  json?: string;
  /** Expire the key this long after the write; absent = keep. */
  ttlMs?: number;
  /** Compare-and-set: the version the writer read (0 = the key must not exist). Absent = unconditional write. */
  expectVersion?: number;
}

export type SetManyResult = { ok: true; versions: number[] } | { ok: false; conflicts: string[] };

export interface StateStore {
  get<T>(key: string): Promise<Versioned<T> | undefined>;
  getMany<T>(keys: readonly string[]): Promise<Array<Versioned<T> | undefined>>;
  /** One write; with `expectVersion` it only happens when the stored version still matches. */
  set(write: StateWrite): Promise<SetManyResult>;
  /** Atomic: either every write happens or (on any version conflict) none does and the conflicting keys are listed. */
  setMany(writes: readonly StateWrite[]): Promise<SetManyResult>;
  delete(key: string): Promise<void>;
  close?(): Promise<void>;
}
