/**
 * A writer of ClickHouse's Native format: the columnar binary layout ClickHouse uses between its own
 * servers and clients. A block is
 *
 *   VarUInt columns, VarUInt rows, then per column: String name, String type, the column's values
 *
 * with every value of one column together: String as VarUInt length + UTF-8 bytes, integers and
 * floats as fixed-width little-endian, Bool as one byte, DateTime64(9) as Int64 nanoseconds,
 * Array(T) as the cumulative UInt64 end offset of each row followed by all elements as a column of T,
 * and Map(K, V) as Array(Tuple(K, V)): the offsets, then every key, then every value.
 *
 * Why Native rather than a text format: parsing is most of what embedded ClickHouse spends on an
 * insert. A TabSeparated `otel_traces` row (a map of ~40 attributes) costs it ~20 µs to parse; the
 * same row in Native costs under 1 µs, and producing the bytes here costs about what building the
 * escaped text did. No npm package writes Native for Node (the official client reads and writes text
 * and JSON formats only), and the subset needed here is small.
 *
 * LowCardinality(String) columns are written in their own layout (`LowCardinalityWriter` below:
 * a dictionary of distinct values and an index per row) rather than as String: converting String
 * to LowCardinality on insert costs ClickHouse more than all of the rest of the parse, while the
 * dictionary costs JavaScript one Map lookup per value instead of copying its bytes.
 */
import type { AttrValue } from '../../model.ts';
import type { BufferPool } from '../../buffer-pool.ts';
import { attributeToString } from './attribute-string.ts';

const MAX_ONE_BYTE_LENGTH = 0x7f;
/** A string of up to this many UTF-16 units is at most 127 UTF-8 bytes: its length fits in one byte. */
const SHORT_STRING_UNITS = Math.floor(MAX_ONE_BYTE_LENGTH / 3);
const TWO_POW_32 = 2 ** 32;
const int64Scratch = new BigInt64Array(1);
// Typed arrays use the platform's byte order; the Native format is little-endian.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('the Native writer needs a little-endian platform');
const int64Bytes = new Uint8Array(int64Scratch.buffer);

export class NativeWriter {
  #buf: Buffer;
  #pos = 0;
  readonly #pool: BufferPool | undefined;

  /**
   * `pool`: where the writer's memory comes from (and a buffer outgrown goes back to); the bytes
   * written end up in a buffer of the pool, for the owner of the bytes to give back.
   */
  constructor(initialBytes = 64 * 1024, pool?: BufferPool) {
    const size = Math.max(64, initialBytes);
    this.#pool = pool;
    this.#buf = pool ? pool.take(size) : Buffer.allocUnsafe(size);
  }

  /** The bytes written so far (a view of the writer's buffer: stop writing before using it). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#pos);
  }

  /** Starts a block: the column count and row count. */
  block(columns: number, rows: number): void {
    this.varUInt(columns);
    this.varUInt(rows);
  }

  /** Starts a column of the current block: its name and type; its values follow. */
  column(name: string, type: string): void {
    this.string(name);
    this.string(type);
  }

  varUInt(value: number): void {
    this.#ensure(10);
    let v = value;
    while (v > 0x7f) {
      this.#buf[this.#pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.#buf[this.#pos++] = v;
  }

  string(value: string): void {
    const units = value.length;
    if (units <= SHORT_STRING_UNITS) {
      // Most values are short ASCII (ids, model names, attribute keys): copy the char codes
      // directly, which beats a call into the UTF-8 encoder; fall back to it on the first non-ASCII.
      this.#ensure(1 + units * 3);
      const buf = this.#buf;
      const start = this.#pos + 1;
      let end = start;
      let i = 0;
      for (; i < units; i++) {
        const code = value.charCodeAt(i);
        if (code >= 0x80) break;
        buf[end++] = code;
      }
      if (i < units) end = start + buf.write(value, start, 'utf8');
      buf[this.#pos] = end - start;
      this.#pos = end;
      return;
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    this.varUInt(bytes);
    this.#ensure(bytes);
    this.#pos += this.#buf.write(value, this.#pos, 'utf8');
  }

  /**
   * An attribute value as a String, in the text the contrib ClickHouse exporter stores
   * (./attribute-string.ts); integers are written digit by digit, without an intermediate string.
   */
  attributeValue(value: AttrValue): void {
    if (typeof value === 'string') this.string(value);
    else if (typeof value === 'number' && Number.isSafeInteger(value)) this.#integer(value);
    else this.string(attributeToString(value));
  }

  #integer(value: number): void {
    this.#ensure(18);
    const buf = this.#buf;
    let v = value < 0 ? -value : value;
    let digits = 1;
    for (let rest = v; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    const length = digits + (value < 0 ? 1 : 0);
    buf[this.#pos] = length;
    let pos = this.#pos + length;
    this.#pos = pos + 1;
    do {
      buf[pos--] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    } while (v > 0);
    if (value < 0) buf[pos] = 0x2d;
  }

  /** Bytes already in Native form (e.g. a cached run of encoded strings). */
  raw(bytes: Uint8Array): void {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  /** Unsigned integers each `bytes` (1, 2 or 4) wide, little-endian; the caller ensures they fit. */
  indexes(values: Uint32Array, bytes: 1 | 2 | 4): void {
    this.#ensure(values.length * bytes);
    const buf = this.#buf;
    let pos = this.#pos;
    if (bytes === 1) for (let i = 0; i < values.length; i++) buf[pos++] = values[i]!;
    else if (bytes === 2) for (let i = 0; i < values.length; i++, pos += 2) buf.writeUInt16LE(values[i]!, pos);
    else for (let i = 0; i < values.length; i++, pos += 4) buf.writeUInt32LE(values[i]!, pos);
    this.#pos = pos;
  }

  uint8(value: number): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = value;
  }

  bool(value: boolean): void {
    this.uint8(value ? 1 : 0);
  }

  /** UInt32; values outside 0..2^32-1 (never valid for these columns) are clamped. */
  uint32(value: number): void {
    this.#ensure(4);
    const v = value >= 0 ? (value < TWO_POW_32 ? Math.trunc(value) : TWO_POW_32 - 1) : 0;
    this.#buf.writeUInt32LE(v, this.#pos);
    this.#pos += 4;
  }

  /** UInt64 from a number (exact up to 2^53) or a bigint; negative or non-finite values become 0. */
  uint64(value: number | bigint): void {
    this.#ensure(8);
    if (typeof value === 'bigint') {
      this.#int64(value < 0n ? 0n : value);
    } else if (value >= 0 && value < Number.MAX_SAFE_INTEGER) {
      const v = Math.trunc(value);
      const low = v % TWO_POW_32;
      this.#buf.writeUInt32LE(low, this.#pos);
      this.#buf.writeUInt32LE((v - low) / TWO_POW_32, this.#pos + 4);
    } else if (value >= Number.MAX_SAFE_INTEGER && value !== Infinity) {
      this.#int64(BigInt(Math.trunc(value)));
    } else {
      this.#buf.fill(0, this.#pos, this.#pos + 8);
    }
    this.#pos += 8;
  }

  /** Float64; NaN and infinities become 0 (as the text encoders always stored them). */
  float64(value: number): void {
    this.#ensure(8);
    this.#buf.writeDoubleLE(Number.isFinite(value) ? value : 0, this.#pos);
    this.#pos += 8;
  }

  /** DateTime64(9) from Unix nanoseconds (Int64); values before the epoch become 0. */
  dateTime64(ns: bigint): void {
    this.#ensure(8);
    this.#int64(ns > 0n ? ns : 0n);
    this.#pos += 8;
  }

  /**
   * The low 64 bits of `value`, little-endian, at the current position (not advanced). Stored
   * through a BigInt64Array, which wraps like the column types do and, unlike Buffer's
   * writeBig(U)Int64LE, allocates no intermediate BigInts.
   */
  #int64(value: bigint): void {
    int64Scratch[0] = value;
    const buf = this.#buf;
    const pos = this.#pos;
    for (let i = 0; i < 8; i++) buf[pos + i] = int64Bytes[i]!;
  }

  #ensure(extra: number): void {
    const needed = this.#pos + extra;
    if (needed <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < needed) size *= 2;
    const grown = this.#pool ? this.#pool.take(size) : Buffer.allocUnsafe(size);
    this.#buf.copy(grown, 0, 0, this.#pos);
    this.#pool?.give(this.#buf);
    this.#buf = grown;
  }
}

/** LowCardinality's serialization version: shared dictionaries with additional keys (ClickHouse's only one). */
const LOW_CARDINALITY_VERSION = 1;
/** Index-type flags: the block carries its own keys ("additional keys") and they replace the dictionary. */
const HAS_ADDITIONAL_KEYS = 1 << 9;
const NEED_UPDATE_DICTIONARY = 1 << 10;

/**
 * A LowCardinality(String) column: values are added row by row, then written as
 *
 *   UInt64 index type | flags, UInt64 key count, the keys (String), UInt64 row count, one index per row
 *
 * with indexes as UInt8, UInt16 or UInt32, the narrowest that holds the key count. Key 0 is the
 * empty string, as ClickHouse writes it (the type's default value). The serialization version
 * (`writeVersion`) comes first in the column's data, before any array offsets around it.
 */
export class LowCardinalityWriter {
  readonly #ids = new Map<string, number>([['', 0]]);
  readonly #keys: string[] = [''];
  #indexes: Uint32Array;
  #rows = 0;
  #lastValue = '';
  #lastId = 0;

  /** `expectedRows`: room for this many rows before the index array has to grow. */
  constructor(expectedRows = 1024) {
    this.#indexes = new Uint32Array(Math.max(16, expectedRows));
  }

  static writeVersion(writer: NativeWriter): void {
    writer.uint64(LOW_CARDINALITY_VERSION);
  }

  /** Adds a row holding `value`; returns its key id (for `addId`). */
  add(value: string): number {
    // Neighbouring rows often repeat a value (one service, one environment, one provider).
    if (value === this.#lastValue) {
      this.addId(this.#lastId);
      return this.#lastId;
    }
    let id = this.#ids.get(value);
    if (id === undefined) {
      id = this.#keys.length;
      this.#ids.set(value, id);
      this.#keys.push(value);
    }
    this.#lastValue = value;
    this.#lastId = id;
    this.addId(id);
    return id;
  }

  /** Adds a row holding the value `add` returned `id` for. */
  addId(id: number): void {
    if (this.#rows === this.#indexes.length) {
      const grown = new Uint32Array(this.#indexes.length * 2);
      grown.set(this.#indexes);
      this.#indexes = grown;
    }
    this.#indexes[this.#rows++] = id;
  }

  /** Writes the keys and indexes; nothing at all for zero rows (as ClickHouse does). */
  writeTo(writer: NativeWriter): void {
    if (this.#rows === 0) return;
    const keys = this.#keys.length;
    const width = keys <= 0x100 ? 0 : keys <= 0x10000 ? 1 : 2;
    writer.uint64(width | HAS_ADDITIONAL_KEYS | NEED_UPDATE_DICTIONARY);
    writer.uint64(keys);
    for (const key of this.#keys) writer.string(key);
    writer.uint64(this.#rows);
    writer.indexes(this.#indexes.subarray(0, this.#rows), width === 0 ? 1 : width === 1 ? 2 : 4);
  }
}

/** The strings of `values` in Native form, back to back (e.g. a Map's keys to copy into many rows). */
export function encodeStrings(values: readonly string[]): Buffer {
  const writer = new NativeWriter(values.length * 16);
  for (const value of values) writer.string(value);
  return Buffer.from(writer.bytes());
}
