/**
 * Maps that keep their keys in the order they were last set and give the oldest one in constant
 * time.
 *
 * Why not a plain Map and `map.keys().next()`: V8's Map leaves a deleted entry in place until the
 * table is rebuilt, and an iterator steps over those one by one, so taking the oldest entry of a map
 * whose front keeps being deleted costs time in proportion to what was deleted before it. At 100,000
 * entries that measured about 20 µs per eviction, paid on every span once a collector's seen-set had
 * filled. Here the order of `set`s is kept in a separate queue of keys, and each entry knows its
 * place in it: a key set again or deleted leaves a hole at its earlier place, so finding the oldest
 * key skips holes without looking anything up in the map.
 */
export class OrderedMap<K, V> {
  readonly #entries = new Map<K, { value: V; place: number }>();
  /** Keys from least to most recently set, HOLE where a key was set again later or deleted. */
  #queue: (K | typeof HOLE)[] = [];
  #head = 0;

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
    const place = this.#queue.length;
    const entry = this.#entries.get(key);
    if (entry === undefined) this.#entries.set(key, { value, place });
    else {
      this.#queue[entry.place] = HOLE;
      entry.value = value;
      entry.place = place;
    }
    this.#queue.push(key);
    // The consumed head and the holes pile up in the queue: compact once they are most of it. Only
    // here, never while `values()` may be iterating.
    const queued = this.#queue.length - this.#head;
    if (queued > 2 * this.#entries.size + 1024 || (this.#head > 65_536 && this.#head > queued)) this.#compact();
    return entry !== undefined;
  }

  delete(key: K): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#queue[entry.place] = HOLE;
    return this.#entries.delete(key);
  }

  /** The least recently set key still present. */
  oldestKey(): K | undefined {
    this.#skipHoles();
    return this.#head < this.#queue.length ? (this.#queue[this.#head] as K) : undefined;
  }

  /** Deletes the least recently set key (one map operation, where `delete(oldestKey())` takes two). */
  deleteOldest(): void {
    this.#skipHoles();
    if (this.#head === this.#queue.length) return;
    const key = this.#queue[this.#head] as K;
    this.#queue[this.#head] = HOLE;
    this.#head++;
    this.#entries.delete(key);
  }

  /** Values from least to most recently set; entries may be deleted while iterating. */
  *values(): IterableIterator<V> {
    const queue = this.#queue;
    for (let i = this.#head; i < queue.length; i++) {
      const key = queue[i]!;
      if (key !== HOLE) yield this.#entries.get(key)!.value;
    }
  }

  #skipHoles(): void {
    const queue = this.#queue;
    let head = this.#head;
    while (head < queue.length && queue[head] === HOLE) head++;
    this.#head = head;
  }

  /** Drops the consumed head of the queue and its holes; entries learn their new places. */
  #compact(): void {
    const queue: (K | typeof HOLE)[] = [];
    for (let i = this.#head; i < this.#queue.length; i++) {
      const key = this.#queue[i]!;
      if (key === HOLE) continue;
      this.#entries.get(key)!.place = queue.length;
      queue.push(key);
    }
    this.#queue = queue;
    this.#head = 0;
  }
}

/** Marks a place in an OrderedMap's queue whose key has been set again later or deleted. */
const HOLE: unique symbol = Symbol('hole');

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
    while (this.size > this.maxEntries) this.deleteOldest();
    return present;
  }
}
