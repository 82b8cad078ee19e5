/**
 * Series state kept decoded between batches, each beside the JSON text it was stored as. The store stays the truth: a
 * value is reused only while the store still holds exactly that text, so a replica that wrote the series meanwhile, an
 * expired or deleted key, or a store that lost its data all fall back to decoding what is stored. Text, not versions,
 * decides: a key that expired and was written again restarts its versions, and would otherwise match a stale entry.
 * The memory store hands back the very string it was given, so the usual check is one pointer comparison.
 */
export class DecodedCache<V> {
  private readonly entries = new Map<string, { json: string; value: V }>();

  /** `capacity`: series kept, least recently stored dropped first; 0 turns the cache off. */
  constructor(private readonly capacity: number) {}

  /**
   * The value stored as `json` under `key`, removed from the cache: the batch that takes it may change it, and only a
   * committed batch puts it back (a failed or retried batch must not leave a half-advanced value behind).
   */
  take(key: string, json: string | undefined): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    return json !== undefined && entry.json === json ? entry.value : undefined;
  }

  /** Keeps `value` as the decoded form of `json` under `key`. */
  put(key: string, json: string, value: V): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { json, value });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}
