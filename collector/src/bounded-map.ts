/**
 * Maps that keep their keys in the order they were last set and give the oldest one in constant
 * time.
 *
 * Why not a plain Map and `map.keys().next()`: V8's Map leaves a deleted entry in place until the
 * table is rebuilt, and an iterator steps over those one by one, so taking the oldest entry of a map
 * whose front keeps being deleted costs time in proportion to what was deleted before it. At 100,000
 * entries that measured about 20 µs per eviction, paid on every span once a collector's seen-set had
 * filled. Here the order of `set`s is kept in a separate queue of (key, stamp) pairs; a pair whose key
 * was deleted or set again later (its stamp no longer matches) is skipped once and dropped.
 */
export class OrderedMap<K, V> {
  readonly #entries = new Map<K, { value: V; stamp: number }>();
  #keys: (K | undefined)[] = [];
  #stamps: number[] = [];
  #head = 0;
  #stamp = 0;

  get size(): number {
    return this.#entries.size;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  get(key: K): V | undefined {
    return this.#entries.get(key)?.value;
  }

  /** Sets `key` (new or not) as the newest entry; returns whether it was already present. */
  set(key: K, value: V): boolean {
    const stamp = this.#stamp;
    // Wrapping keeps stamps small integers; a stale pair could only be mistaken for a live one after
    // 2^30 sets, and the queue is compacted long before it holds that many pairs.
    this.#stamp = (stamp + 1) & 0x3fffffff;
    const entry = this.#entries.get(key);
    if (entry === undefined) this.#entries.set(key, { value, stamp });
    else {
      entry.value = value;
      entry.stamp = stamp;
    }
    this.#keys.push(key);
    this.#stamps.push(stamp);
    // The consumed head and the stale pairs (keys set again or deleted) pile up in the queue: compact
    // once they are most of it. Only here, never while `values()` may be iterating.
    const live = this.#keys.length - this.#head;
    if (live > 2 * this.#entries.size + 1024 || (this.#head > 65_536 && this.#head > live)) this.#compact();
    return entry !== undefined;
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  /** The least recently set key still present. */
  oldestKey(): K | undefined {
    while (this.#head < this.#keys.length) {
      const key = this.#keys[this.#head] as K;
      if (this.#entries.get(key)?.stamp === this.#stamps[this.#head]) return key;
      this.#keys[this.#head] = undefined;
      this.#head++;
    }
    return undefined;
  }

  /** Values from least to most recently set; entries may be deleted while iterating. */
  *values(): IterableIterator<V> {
    const keys = this.#keys;
    const stamps = this.#stamps;
    for (let i = this.#head; i < keys.length; i++) {
      const entry = this.#entries.get(keys[i] as K);
      if (entry !== undefined && entry.stamp === stamps[i]) yield entry.value;
    }
  }

  /** Drops the consumed head of the queue and its stale pairs. */
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

/** An OrderedMap that keeps at most `maxEntries` entries and forgets the least recently set first. */
export class BoundedMap<K, V> extends OrderedMap<K, V> {
  readonly maxEntries: number;

  constructor(maxEntries: number) {
    super();
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`BoundedMap: maxEntries must be a positive integer, got ${maxEntries}`);
    this.maxEntries = maxEntries;
  }

  override set(key: K, value: V): boolean {
    const present = super.set(key, value);
    while (this.size > this.maxEntries) this.delete(this.oldestKey() as K);
    return present;
  }
}
