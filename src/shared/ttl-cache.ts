/**
 * A bounded in-process cache whose entries expire after a time to live. Values may be undefined
 * ("known to be missing"), so `lookup` tells a miss from a cached absence.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  lookup(key: string): { readonly value: V } | undefined {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > this.now() ? entry : undefined;
  }

  set(key: string, value: V): void {
    if (!this.enabled) return;
    this.entries.delete(key); // re-inserted last: Map order is the eviction order
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Values for `ids` in order when every one is cached and fresh, without waiting; else undefined. */
  peekMany(ids: readonly string[]): V[] | undefined {
    const now = this.now(); // one clock read for the whole list
    const values: V[] = [];
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (!entry || entry.expiresAt <= now) return undefined;
      values.push(entry.value);
    }
    return values;
  }

  /** Values for `ids` in order: hits from memory, the misses loaded with one `load` call and cached. */
  async getMany(ids: readonly string[], load: (missing: string[]) => Promise<V[]>): Promise<V[]> {
    if (!this.enabled) return load([...ids]);
    const now = this.now(); // one clock read for the whole list
    // Hits go straight into the answer: a warm list, the usual case, needs no map of its own.
    const values: V[] = [];
    const missing = new Set<string>();
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (entry && entry.expiresAt > now) values.push(entry.value);
      else {
        missing.add(id);
        values.push(undefined as V);
      }
    }
    if (missing.size === 0) return values;
    const misses = [...missing];
    const loaded = await load(misses);
    const byId = new Map(misses.map((id, i) => [id, loaded[i]!]));
    for (const [id, value] of byId) this.set(id, value);
    return ids.map((id, i) => (missing.has(id) ? byId.get(id) : values[i]) as V);
  }
}
