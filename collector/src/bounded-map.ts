/**
 * A map that keeps at most `maxEntries` entries and forgets the least recently set one first.
 *
 * Why not a plain Map with `map.delete(map.keys().next().value)`: V8's Map leaves a deleted entry
 * in place until the table is rebuilt, and an iterator steps over those one by one, so evicting from
 * the front of a full map costs time in proportion to what was evicted before. At 100,000 entries
 * that measured about 20 µs per eviction, on every span once the map had filled. Here the order of
 * `set`s is kept in a separate queue of (key, stamp) pairs, and eviction takes from its head in
 * constant time, skipping pairs whose key was set again later (their stamp no longer matches).
 */
export class BoundedMap<K, V> {
  readonly maxEntries: number;
  readonly #entries = new Map<K, { value: V; stamp: number }>();
  #keys: (K | undefined)[] = [];
  #stamps: number[] = [];
  #head = 0;
  #stamp = 0;

  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`BoundedMap: maxEntries must be a positive integer, got ${maxEntries}`);
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  get(key: K): V | undefined {
    return this.#entries.get(key)?.value;
  }

  /** Sets `key` (new or not) as the most recent entry; past `maxEntries` the least recent is forgotten. */
  set(key: K, value: V): void {
    const stamp = this.#stamp++;
    const entry = this.#entries.get(key);
    if (entry === undefined) this.#entries.set(key, { value, stamp });
    else {
      entry.value = value;
      entry.stamp = stamp;
    }
    this.#keys.push(key);
    this.#stamps.push(stamp);
    while (this.#entries.size > this.maxEntries) this.#evictOldest();
    // Pairs of keys set again pile up in the queue: compact it once they are most of it.
    if (this.#keys.length - this.#head > 2 * this.maxEntries + 1024) this.#compact();
  }

  #evictOldest(): void {
    while (this.#head < this.#keys.length) {
      const key = this.#keys[this.#head] as K;
      const stamp = this.#stamps[this.#head]!;
      this.#keys[this.#head] = undefined;
      this.#head++;
      if (this.#entries.get(key)?.stamp === stamp) {
        this.#entries.delete(key);
        break;
      }
    }
    if (this.#head > 65_536 && this.#head * 2 > this.#keys.length) this.#compact();
  }

  /** Drops the consumed head of the queue and the pairs of keys set again since. */
  #compact(): void {
    const keys: (K | undefined)[] = [];
    const stamps: number[] = [];
    for (let i = this.#head; i < this.#keys.length; i++) {
      const key = this.#keys[i] as K;
      if (this.#entries.get(key)?.stamp === this.#stamps[i]) {
        keys.push(key);
        stamps.push(this.#stamps[i]!);
      }
    }
    this.#keys = keys;
    this.#stamps = stamps;
    this.#head = 0;
  }
}
