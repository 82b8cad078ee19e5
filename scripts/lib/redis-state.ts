import { StoredJson } from '../../functions/lib/state/stored-json.ts';
import type { SetManyResult, StateStore, StateWrite, Versioned } from '../../functions/lib/state/types.ts';
import { RespClient, type RespValue } from './resp-client.ts';

/**
 * Shared state in Redis: survives function restarts and is shared by replicas. Each key holds `VERSION\nJSON`; writes go
 * through one Lua script, so a compare-and-set over several keys is atomic on the server (all or nothing).
 */
export class RedisStateStore implements StateStore {
  private client: RespClient;
  private reconnecting: Promise<RespClient> | undefined;
  private closing = false;

  private constructor(client: RespClient, private readonly url: string, private readonly prefix: string, private readonly clientName: string) {
    this.client = client;
  }

  /** `url` like redis://127.0.0.1:6379/0; every key is stored under `prefix` (one per deployment or test run). */
  static async connect(url: string, prefix = 'amd:state:', clientName = 'amd-state'): Promise<RedisStateStore> {
    return new RedisStateStore(await RespClient.connect(url, clientName), url, prefix, clientName);
  }

  /**
   * Sends one command, opening a new connection first when the previous one dropped (Redis restarted). A command that
   * was in flight when it dropped is not retried: its batch fails (5xx) and the pipeline re-sends the whole batch.
   */
  private async command(args: ReadonlyArray<string | number>): Promise<RespValue> {
    if (!this.client.connected && !this.closing) {
      this.reconnecting ??= RespClient.connect(this.url, this.clientName).finally(() => {
        this.reconnecting = undefined;
      });
      this.client = await this.reconnecting;
    }
    return this.client.command(args);
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    return decode<T>(await this.command(['GET', this.prefix + key]));
  }

  async getMany<T>(keys: readonly string[]): Promise<Array<Versioned<T> | undefined>> {
    if (keys.length === 0) return [];
    const reply = await this.command(['MGET', ...keys.map((k) => this.prefix + k)]);
    return (reply as unknown[]).map((raw) => decode<T>(raw));
  }

  set(write: StateWrite): Promise<SetManyResult> {
    return this.setMany([write]);
  }

  async setMany(writes: readonly StateWrite[]): Promise<SetManyResult> {
    if (writes.length === 0) return { ok: true, versions: [] };
    const args: Array<string | number> = ['EVAL', SET_MANY_SCRIPT, writes.length, ...writes.map((w) => this.prefix + w.key)];
    for (const w of writes) args.push(w.expectVersion ?? -1, w.ttlMs ?? 0, w.json ?? JSON.stringify(w.value));
    const [ok, list] = (await this.command(args)) as [number, Array<string | number>];
    if (ok === 1) return { ok: true, versions: list.map(Number) };
    return { ok: false, conflicts: list.map((k) => String(k).slice(this.prefix.length)) };
  }

  async delete(key: string): Promise<void> {
    await this.command(['DEL', this.prefix + key]);
  }

  /** Deletes every key under this store's prefix (tests clean up with it). */
  async clear(): Promise<number> {
    let cursor = '0';
    let removed = 0;
    do {
      const [next, keys] = (await this.command(['SCAN', cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500])) as [string, string[]];
      cursor = next;
      if (keys.length > 0) removed += Number(await this.command(['DEL', ...keys]));
    } while (cursor !== '0');
    return removed;
  }

  close(): Promise<void> {
    this.closing = true;
    return this.client.close();
  }
}

function decode<T>(raw: unknown): Versioned<T> | undefined {
  if (typeof raw !== 'string') return undefined;
  const newline = raw.indexOf('\n');
  return new StoredJson<T>(raw.slice(newline + 1), Number(raw.slice(0, newline)));
}

// ARGV holds (expectVersion, ttlMs, json) per key; expectVersion -1 means unconditional, ttlMs 0 means no expiry.
const SET_MANY_SCRIPT = `
local function version(key)
  local cur = redis.call('GET', key)
  if not cur then return 0 end
  return tonumber(string.match(cur, '^(%d+)\\n'))
end
local conflicts = {}
for i = 1, #KEYS do
  local expect = tonumber(ARGV[(i - 1) * 3 + 1])
  if expect >= 0 and version(KEYS[i]) ~= expect then table.insert(conflicts, KEYS[i]) end
end
if #conflicts > 0 then return {0, conflicts} end
local versions = {}
for i = 1, #KEYS do
  local v = version(KEYS[i]) + 1
  local ttl = tonumber(ARGV[(i - 1) * 3 + 2])
  local value = v .. '\\n' .. ARGV[(i - 1) * 3 + 3]
  if ttl > 0 then redis.call('SET', KEYS[i], value, 'PX', ttl) else redis.call('SET', KEYS[i], value) end
  versions[i] = v
end
return {1, versions}
`;
