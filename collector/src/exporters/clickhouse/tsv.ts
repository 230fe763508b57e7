/**
 * Value encoders for ClickHouse's TabSeparated input format.
 *
 * TabSeparated is the cheapest text format for ClickHouse to parse and for us to produce: no field
 * names per row (unlike JSONEachRow), no quotes around top-level strings, and most values need no
 * escaping at all, so the common case is a regex test and a concatenation.
 *
 * Escaping rules (as ClickHouse itself writes TabSeparated):
 * - a top-level String field escapes backslash, tab, line feed, carriage return and NUL with a
 *   backslash, so a row stays one line and a field never contains a raw tab;
 * - values inside Array and Map are written quoted: `'...'` with backslash, single quote and the same
 *   control characters escaped. The quoted form contains no raw tab or line feed, so it needs no
 *   second, TabSeparated-level escaping.
 * Any other character, multi-byte UTF-8 included, is written as is.
 */

const FIELD_SPECIAL = /[\\\t\n\r\0]/;
const FIELD_SPECIAL_ALL = /[\\\t\n\r\0]/g;
const QUOTED_SPECIAL = /[\\'\t\n\r\0]/;
const QUOTED_SPECIAL_ALL = /[\\'\t\n\r\0]/g;

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
};
const escapeChar = (ch: string): string => ESCAPES[ch]!;

/** A String column's field. */
export function tsvString(value: string): string {
  return FIELD_SPECIAL.test(value) ? value.replace(FIELD_SPECIAL_ALL, escapeChar) : value;
}

/** A string inside an Array or Map: single-quoted. */
export function quotedString(value: string): string {
  return QUOTED_SPECIAL.test(value) ? `'${value.replace(QUOTED_SPECIAL_ALL, escapeChar)}'` : `'${value}'`;
}

/** An Array(String) (or Array(LowCardinality(String))) field. */
export function stringArray(values: readonly string[]): string {
  if (values.length === 0) return '[]';
  let out = '[' + quotedString(values[0]!);
  for (let i = 1; i < values.length; i++) out += ',' + quotedString(values[i]!);
  return out + ']';
}

/**
 * A DateTime64(9) value from Unix nanoseconds: "<seconds>.<9 digits>", computed from the bigint's
 * decimal digits (one conversion, no division). ClickHouse reads it as a Unix time only when the
 * seconds have at least 10 digits (a shorter number is taken for a date), so the seconds are
 * zero-padded to 10; that is exact and independent of any time zone.
 */
export function dateTime64(ns: bigint): string {
  if (ns <= 0n) return '0000000000.000000000';
  const digits = ns.toString();
  const padded = digits.length < 19 ? digits.padStart(19, '0') : digits;
  return `${padded.slice(0, -9)}.${padded.slice(-9)}`;
}

/** A UInt64 field from exact digits; negative or non-finite values (never valid here) become 0. */
export function uint64(value: bigint | number): string {
  if (typeof value === 'bigint') return value < 0n ? '0' : value.toString();
  if (!(value >= 0) || value === Infinity) return '0';
  // String() switches to exponent notation from 1e21, which no integer parser reads.
  return value < 1e21 ? String(Math.trunc(value)) : BigInt(Math.trunc(value)).toString();
}

/** A Float64 field; NaN and infinities become 0 (as they always have been stored). */
export function float64(value: number): string {
  return Number.isFinite(value) ? String(value) : '0';
}

/**
 * Returns `value` flattened. A row built by `+` is a rope of a few hundred small pieces; rows are
 * kept until their INSERT, and keeping ropes alive makes the garbage collector copy every piece
 * out of the young generation (measured: about half of the encoding time). Converting a string to
 * a number makes V8 flatten it in place, so the pieces die young.
 */
let flattenSink = 0;
export function flat(value: string): string {
  // The result goes to a module variable: an unused conversion of a known string would be
  // optimized away, flattening and all.
  flattenSink ^= (value as unknown as number) | 0;
  return value;
}
