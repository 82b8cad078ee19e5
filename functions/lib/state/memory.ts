import { StoredJson } from './stored-json.ts';
import type { SetManyResult, StateStore, StateWrite, Versioned } from './types.ts';

interface Entry {
  json: string;
  version: number;
  expiresAt: number | undefined;
}

/**
 * In-process state: one replica only, lost on restart. Used on workerd/Deno and in tests. Values are stored as JSON
 * text so callers never share mutable objects with the store (the same semantics as the Redis adapter).
 */
export class MemoryStateStore implements StateStore {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly clock: () => number = Date.now) {}

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    return this.read<T>(key);
  }

  async getMany<T>(keys: readonly string[]): Promise<Array<Versioned<T> | undefined>> {
    return keys.map((key) => this.read<T>(key));
  }

  async set(write: StateWrite): Promise<SetManyResult> {
    return this.setMany([write]);
  }

  async setMany(writes: readonly StateWrite[]): Promise<SetManyResult> {
    const conflicts = writes.filter((w) => w.expectVersion !== undefined && (this.live(w.key)?.version ?? 0) !== w.expectVersion).map((w) => w.key);
    if (conflicts.length > 0) return { ok: false, conflicts };
    const now = this.clock();
    const versions = writes.map((w) => {
      const version = (this.live(w.key)?.version ?? 0) + 1;
      this.entries.set(w.key, { json: w.json ?? JSON.stringify(w.value), version, expiresAt: w.ttlMs === undefined ? undefined : now + w.ttlMs });
      return version;
    });
    return { ok: true, versions };
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  private read<T>(key: string): Versioned<T> | undefined {
    const entry = this.live(key);
    return entry === undefined ? undefined : new StoredJson<T>(entry.json, entry.version);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
