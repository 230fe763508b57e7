import { randomBytes } from 'node:crypto';

/**
 * A bounded table of fixed-width binary keys (trace and span ids as 32-bit words), each with a few
 * 32-bit words and strings of payload, that forgets the least recently set key first. Everything
 * lives in a handful of flat arrays.
 *
 * Why not a Map of strings (BoundedMap): the processors remember 100,000–200,000 ids each. As Map
 * entries every id is a string plus an entry object plus a queue slot, all in V8's old generation,
 * which the garbage collector marks again on every major collection and a busy collector promotes
 * into at the rate it ingests spans. Measured in-process, the dedupe, normalize and workflow maps
 * together cost about a fifth of the CPU per span of decoding, processing and encoding. Typed arrays hold no pointers, so
 * the collector neither scans them nor promotes anything per id, and a lookup touches two arrays
 * instead of chasing a hash table, an entry object and a string.
 *
 * Layout: entries sit in a ring in the order they were set (`#head` the oldest). An open-addressing
 * hash table (linear probing, seeded hash, at most half full) maps a key to its entry. Setting a
 * key again moves it to the ring's newest place and leaves a dead entry behind; the ring has room
 * for `maxEntries` live entries plus half as many dead ones and is compacted when that runs out.
 *
 * Use: write the key's words into `key` (see `packHexId`, `packStringHash`), then `find`, `has` or
 * `set`; `set` leaves the entry's index in `newest` for the payload.
 */
export class IdTable {
  readonly maxEntries: number;
  readonly keyWords: number;
  readonly valueWords: number;
  readonly stringsPerEntry: number;
  /** The key of the next `find`, `has` or `set`. */
  readonly key: Uint32Array;
  /** The entry that the last `set` wrote. */
  newest = -1;

  readonly #capacity: number;
  readonly #keys: Uint32Array;
  readonly #values: Uint32Array;
  readonly #strings: string[];
  readonly #hashes: Int32Array;
  readonly #live: Uint8Array;
  /**
   * Hash table, two words per slot: entry index + 1 (0 for an empty slot) and the entry's hash, so
   * a probe reads one cache line of the table and the keys only on a hash match.
   */
  readonly #slots: Int32Array;
  readonly #mask: number;
  readonly #seed: number;
  #head = 0;
  /** Ring places in use, dead entries included, from `#head`. */
  #used = 0;
  #size = 0;

  constructor(options: { maxEntries: number; keyWords: number; valueWords?: number; stringsPerEntry?: number }) {
    const { maxEntries, keyWords, valueWords = 0, stringsPerEntry = 0 } = options;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`IdTable: maxEntries must be a positive integer, got ${maxEntries}`);
    if (!Number.isInteger(keyWords) || keyWords < 1) throw new Error(`IdTable: keyWords must be a positive integer, got ${keyWords}`);
    this.maxEntries = maxEntries;
    this.keyWords = keyWords;
    this.valueWords = valueWords;
    this.stringsPerEntry = stringsPerEntry;
    this.key = new Uint32Array(keyWords);
    this.#capacity = maxEntries + (maxEntries >> 1) + 16;
    this.#keys = new Uint32Array(this.#capacity * keyWords);
    this.#values = new Uint32Array(this.#capacity * valueWords);
    this.#strings = new Array<string>(this.#capacity * stringsPerEntry).fill('');
    this.#hashes = new Int32Array(this.#capacity);
    this.#live = new Uint8Array(this.#capacity);
    let slots = 16;
    while (slots < 2 * maxEntries) slots *= 2;
    this.#slots = new Int32Array(2 * slots);
    this.#mask = slots - 1;
    // A per-table random seed, so ids chosen to collide (a hostile client) cannot be precomputed.
    this.#seed = randomBytes(4).readUInt32LE(0);
  }

  get size(): number {
    return this.#size;
  }

  /** The entry holding `key`, or -1. */
  find(): number {
    const slot = this.#slotOf(this.#hash());
    return slot < 0 ? -1 : this.#slots[2 * slot]! - 1;
  }

  has(): boolean {
    return this.#slotOf(this.#hash()) >= 0;
  }

  /**
   * Makes `key` the newest entry (`newest`); returns whether it was present. A present key keeps
   * its payload; a new one starts with zeros and empty strings. Past `maxEntries` the least recently
   * set key is forgotten.
   */
  set(): boolean {
    const hash = this.#hash();
    const mask = this.#mask;
    const slots = this.#slots;
    let slot = hash & mask;
    let found = -1;
    for (let e = slots[2 * slot]! - 1; e >= 0; e = slots[2 * slot]! - 1) {
      if (slots[2 * slot + 1] === hash && this.#keyAt(e)) {
        found = e;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (found >= 0 && found === this.#placeOf(this.#used - 1)) {
      this.newest = found;
      return true;
    }
    if (this.#used === this.#capacity) {
      this.#compact();
      // Compaction moved entries, and with them the slot's entry; the slot itself is unchanged.
      if (found >= 0) found = slots[2 * slot]! - 1;
    }
    const entry = this.#placeOf(this.#used++);
    this.#hashes[entry] = hash;
    this.#live[entry] = 1;
    this.#keys.set(this.key, entry * this.keyWords);
    if (found >= 0) {
      this.#move(found, entry);
      this.#live[found] = 0;
    } else {
      this.#clearPayload(entry);
      this.#size++;
    }
    slots[2 * slot] = entry + 1;
    slots[2 * slot + 1] = hash;
    this.newest = entry;
    if (this.#size > this.maxEntries) this.#evictOldest();
    return found >= 0;
  }

  value(entry: number, word: number): number {
    return this.#values[entry * this.valueWords + word]!;
  }

  setValue(entry: number, word: number, value: number): void {
    this.#values[entry * this.valueWords + word] = value;
  }

  string(entry: number, index: number): string {
    return this.#strings[entry * this.stringsPerEntry + index]!;
  }

  setString(entry: number, index: number, value: string): void {
    this.#strings[entry * this.stringsPerEntry + index] = value;
  }

  #placeOf(offset: number): number {
    const place = this.#head + offset;
    return place >= this.#capacity ? place - this.#capacity : place;
  }

  #hash(): number {
    const key = this.key;
    let h = this.#seed;
    for (let i = 0; i < key.length; i++) {
      h = Math.imul(h ^ key[i]!, 0x5bd1e995);
      h ^= h >>> 15;
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /** The slot whose entry holds `key`, or -1. */
  #slotOf(hash: number): number {
    const mask = this.#mask;
    const slots = this.#slots;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const e = slots[2 * slot]! - 1;
      if (e < 0) return -1;
      if (slots[2 * slot + 1] === hash && this.#keyAt(e)) return slot;
    }
  }

  #keyAt(entry: number): boolean {
    const key = this.key;
    const keys = this.#keys;
    const at = entry * this.keyWords;
    for (let i = 0; i < key.length; i++) if (keys[at + i] !== key[i]) return false;
    return true;
  }

  /** The slot pointing at `entry` (which is live). */
  #slotOfEntry(entry: number): number {
    const mask = this.#mask;
    let slot = this.#hashes[entry]! & mask;
    while (this.#slots[2 * slot] !== entry + 1) slot = (slot + 1) & mask;
    return slot;
  }

  /** Copies the payload of entry `from` to entry `to` (keys and hashes are the caller's). */
  #move(from: number, to: number): void {
    const vw = this.valueWords;
    if (vw > 0) this.#values.copyWithin(to * vw, from * vw, from * vw + vw);
    const sw = this.stringsPerEntry;
    for (let i = 0; i < sw; i++) {
      this.#strings[to * sw + i] = this.#strings[from * sw + i]!;
      this.#strings[from * sw + i] = '';
    }
  }

  #clearPayload(entry: number): void {
    const vw = this.valueWords;
    if (vw > 0) this.#values.fill(0, entry * vw, entry * vw + vw);
    const sw = this.stringsPerEntry;
    for (let i = 0; i < sw; i++) this.#strings[entry * sw + i] = '';
  }

  #evictOldest(): void {
    while (this.#live[this.#head] === 0) this.#advanceHead();
    const entry = this.#head;
    this.#deleteSlot(this.#slotOfEntry(entry));
    this.#live[entry] = 0;
    this.#clearPayload(entry);
    this.#size--;
    this.#advanceHead();
  }

  #advanceHead(): void {
    this.#head = this.#head + 1 === this.#capacity ? 0 : this.#head + 1;
    this.#used--;
  }

  /** Empties `slot`, shifting later entries of its probe run back so every key stays reachable. */
  #deleteSlot(slot: number): void {
    const mask = this.#mask;
    const slots = this.#slots;
    let hole = slot;
    for (let next = (hole + 1) & mask; slots[2 * next] !== 0; next = (next + 1) & mask) {
      const home = slots[2 * next + 1]! & mask;
      // The entry at `next` may move into the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (stays) continue;
      slots[2 * hole] = slots[2 * next]!;
      slots[2 * hole + 1] = slots[2 * next + 1]!;
      hole = next;
    }
    slots[2 * hole] = 0;
  }

  /** Closes the ring's gaps left by keys set again, oldest first, so it has room at its end. */
  #compact(): void {
    const kw = this.keyWords;
    let to = this.#head;
    let kept = 0;
    for (let offset = 0; offset < this.#used; offset++) {
      const from = this.#placeOf(offset);
      if (this.#live[from] === 0) continue;
      if (from !== to) {
        this.#slots[2 * this.#slotOfEntry(from)] = to + 1;
        this.#keys.copyWithin(to * kw, from * kw, from * kw + kw);
        this.#hashes[to] = this.#hashes[from]!;
        this.#move(from, to);
        this.#live[to] = 1;
        this.#live[from] = 0;
      }
      kept++;
      to = to + 1 === this.#capacity ? 0 : to + 1;
    }
    this.#used = kept;
  }
}

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) NIBBLE[97 + i] = 10 + i;

/**
 * Writes the lower-case hex id `id` (8 digits per word) into `out` from word `at`; false, with
 * `out` in an undefined state, when `id` is not `words × 8` lower-case hex digits. The decoders
 * produce ids in exactly that form, and spans with other ids are rejected before the processors.
 */
export function packHexId(id: string, words: number, out: Uint32Array, at: number): boolean {
  if (id.length !== words * 8) return false;
  let bad = 0;
  for (let w = 0; w < words; w++) {
    let word = 0;
    for (let i = w * 8, end = i + 8; i < end; i++) {
      const c = id.charCodeAt(i);
      const n = c < 128 ? NIBBLE[c]! : -1;
      bad |= n;
      word = (word << 4) | (n & 15);
    }
    out[at + w] = word;
  }
  return bad >= 0;
}

/** Bytes of a span key: the 16-byte trace id, then the 8-byte span id. */
export const SPAN_KEY_BYTES = 24;
/** Words of a span key as `packHexId` packs it: four of the trace id, then two of the span id. */
export const SPAN_KEY_WORDS = 6;

/**
 * Writes the span key packed in `words` (from `packHexId`) at `offset` of `out` as the id bytes
 * themselves, as a hex decoder of the trace id and span id would.
 */
export function writeSpanKey(words: Uint32Array, out: Buffer, offset: number): void {
  for (let w = 0; w < SPAN_KEY_WORDS; w++) out.writeUInt32BE(words[w]!, offset + 4 * w);
}

/** Reads the span key at `offset` of `bytes` into `words`, as `packHexId` would pack it. */
export function readSpanKey(bytes: Buffer, offset: number, words: Uint32Array): void {
  for (let w = 0; w < SPAN_KEY_WORDS; w++) words[w] = bytes.readUInt32BE(offset + 4 * w);
}

/** Writes the empty string, or an 8-byte id, as two words: an empty parent id is all zeros. */
export function packSpanIdOrEmpty(id: string, out: Uint32Array, at: number): boolean {
  if (id === '') {
    out[at] = 0;
    out[at + 1] = 0;
    return true;
  }
  return packHexId(id, 2, out, at);
}

const STRING_SEEDS = randomBytes(8);
const SEED_A = STRING_SEEDS.readUInt32LE(0);
const SEED_B = STRING_SEEDS.readUInt32LE(4);

/**
 * Writes a seeded 64-bit hash of `text` as two words into `out` from word `at`: for keys of any
 * length (response ids) where a chance collision, about 2^-64 per pair, is acceptable.
 */
export function packStringHash(text: string, out: Uint32Array, at: number): void {
  let a = SEED_A ^ text.length;
  let b = SEED_B;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x9e3779b1);
    a ^= a >>> 15;
    b = Math.imul(b ^ c, 0x85ebca77);
    b ^= b >>> 13;
  }
  a = Math.imul(a ^ (a >>> 16), 0x7feb352d);
  b = Math.imul(b ^ (b >>> 16), 0x846ca68b);
  out[at] = (a ^ (a >>> 15)) >>> 0;
  out[at + 1] = (b ^ (b >>> 16) ^ a) >>> 0;
}
