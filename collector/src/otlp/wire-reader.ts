/**
 * The protobuf wire-format primitives shared by the OTLP trace decoder and scanner, so both accept
 * and refuse exactly the same bytes with the same errors.
 */
import { OtlpDecodeError } from './errors.ts';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** Nesting deeper than this in AnyValue arrays/kvlists is refused rather than risking the stack. */
export const MAX_ANY_VALUE_DEPTH = 64;

/**
 * What a message's fields must look like: indexed by field number, the wire type the field must
 * arrive with, or UNKNOWN_FIELD where the message defines no such field (see trace-fields.ts).
 */
export type MessageFields = readonly number[];

export const UNKNOWN_FIELD = 0xff;

/** What `nextField` returns for a field it has already skipped (no message has a field 0). */
export const SKIPPED_FIELD = 0;

export function messageFields(wireTypes: { [fieldNumber: number]: number }): MessageFields {
  const numbers = Object.keys(wireTypes).map(Number);
  // Built by push so the array stays packed (no holes): element loads then need no hole check.
  const fields: number[] = [];
  for (let number = 0; number <= Math.max(...numbers); number++) fields.push(wireTypes[number] ?? UNKNOWN_FIELD);
  return fields;
}

/** Byte → two hex digits; ids are converted without intermediate buffers or number formatting. */
const HEX_BYTE: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Byte → the character code of its first and of its second hex digit. */
const HEX_HIGH = Uint8Array.from({ length: 256 }, (_, i) => HEX_BYTE[i]!.charCodeAt(0));
const HEX_LOW = Uint8Array.from({ length: 256 }, (_, i) => HEX_BYTE[i]!.charCodeAt(1));

export class WireReader {
  protected readonly buf: Uint8Array;
  protected pos = 0;

  constructor(body: Uint8Array) {
    this.buf = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  }

  /**
   * Reads a varint and keeps its low 32 bits as an unsigned number (tags, lengths, counts, enums).
   * Negative int32 enums are sent as 10-byte varints; their low 32 bits are kept as well.
   */
  protected readVarint32(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos < end) {
      const b0 = buf[pos]!;
      if (b0 < 0x80) {
        this.pos = pos + 1;
        return b0;
      }
    }
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (pos >= end) this.fail('truncated varint', pos);
      const b = buf[pos++]!;
      if (shift < 32) result |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return result >>> 0;
      }
    }
    return this.fail('varint longer than 10 bytes', pos);
  }

  protected skipFixed(end: number, size: number, what: string): void {
    if (this.pos + size > end) this.fail(`truncated ${what}`, this.pos);
    this.pos += size;
  }

  /** Reads a length prefix and returns the end offset of the value it announces. */
  protected readMessageEnd(end: number): number {
    const lengthAt = this.pos;
    const length = this.readVarint32(end);
    const valueEnd = this.pos + length;
    if (valueEnd > end) this.fail(`length ${length} runs past the end of its message`, lengthAt);
    return valueEnd;
  }

  /**
   * Reads the next field's tag within a message described by `fields`. A field the message does not
   * define is skipped here and SKIPPED_FIELD returned; a defined field with the wrong wire type is
   * refused; otherwise the field number is returned and its value is next to read.
   */
  protected nextField(fields: MessageFields, end: number): number {
    const tag = this.readVarint32(end);
    const fieldNumber = tag >>> 3;
    if (fieldNumber < fields.length && fields[fieldNumber] === (tag & 7)) return fieldNumber;
    return this.skipOrRefuseField(fields, tag, end);
  }

  /** The rare case of `nextField`, kept out of it so that stays small enough to inline everywhere. */
  private skipOrRefuseField(fields: MessageFields, tag: number, end: number): number {
    const fieldNumber = tag >>> 3;
    const expected = fieldNumber < fields.length ? fields[fieldNumber]! : UNKNOWN_FIELD;
    if (expected !== UNKNOWN_FIELD) this.fail(`field ${fieldNumber} has wire type ${tag & 7}, expected ${expected}`, this.pos);
    this.skipField(tag, end);
    return SKIPPED_FIELD;
  }

  /**
   * Skips the value of a field `nextField` returned, when the caller has no use for it; does
   * nothing for SKIPPED_FIELD (field 0 is UNKNOWN_FIELD in every table). Varints are checked the
   * same way whatever their width.
   */
  protected skipFieldValue(fields: MessageFields, fieldNumber: number, end: number): void {
    const wireType = fields[fieldNumber];
    if (wireType === WIRE_LEN) this.pos = this.readMessageEnd(end);
    else if (wireType !== UNKNOWN_FIELD) this.skipScalar(wireType!, end);
  }

  /** Like skipField for the scalar wire types, but small enough to inline into the scanner's loops. */
  private skipScalar(wireType: number, end: number): void {
    if (wireType === WIRE_VARINT) this.readVarint32(end);
    else if (wireType === WIRE_FIXED64) this.skipFixed(end, 8, 'fixed64');
    else if (wireType === WIRE_FIXED32) this.skipFixed(end, 4, 'fixed32');
  }

  protected skipField(tag: number, end: number): void {
    const tagAt = this.pos;
    if (tag >>> 3 === 0) this.fail('field number 0', tagAt);
    switch (tag & 7) {
      case WIRE_VARINT:
        this.readVarint32(end);
        return;
      case WIRE_FIXED64:
        this.skipFixed(end, 8, 'fixed64');
        return;
      case WIRE_LEN:
        this.pos = this.readMessageEnd(end);
        return;
      case WIRE_FIXED32:
        this.skipFixed(end, 4, 'fixed32');
        return;
      case WIRE_START_GROUP:
        this.skipGroup(tag >>> 3, end);
        return;
      default:
        this.fail(`invalid wire type ${tag & 7}`, tagAt);
    }
  }

  /** Groups are deprecated but still valid protobuf; skip them field by field. */
  protected skipGroup(fieldNumber: number, end: number): void {
    while (this.pos < end) {
      const tag = this.readVarint32(end);
      if ((tag & 7) === WIRE_END_GROUP) {
        if (tag >>> 3 !== fieldNumber) this.fail('mismatched end group', this.pos);
        return;
      }
      this.skipField(tag, end);
    }
    this.fail('unterminated group', this.pos);
  }

  /** Called on entering an AnyValue array or kvlist, `depth` levels down. */
  protected checkAnyValueDepth(depth: number): void {
    if (depth > MAX_ANY_VALUE_DEPTH) this.fail(`AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  }

  /**
   * Lower-case hex of the bytes [start, end). Span ids (8 bytes) and trace ids (16) are made as one
   * flat string: appending digit pairs allocates a string per pair and leaves a rope that has to be
   * flattened again when the id is first hashed or compared.
   */
  protected hex(start: number, end: number): string {
    const length = end - start;
    if (length === 8) return hex8(this.buf, start);
    if (length === 16) return hex16(this.buf, start);
    const buf = this.buf;
    let hex = '';
    for (let i = start; i < end; i++) hex += HEX_BYTE[buf[i]!]!;
    return hex;
  }

  protected fail(message: string, offset: number = this.pos): never {
    throw new OtlpDecodeError(`invalid ExportTraceServiceRequest: ${message}`, offset);
  }
}

function hex8(b: Uint8Array, i: number): string {
  const b0 = b[i]!, b1 = b[i + 1]!, b2 = b[i + 2]!, b3 = b[i + 3]!;
  const b4 = b[i + 4]!, b5 = b[i + 5]!, b6 = b[i + 6]!, b7 = b[i + 7]!;
  return String.fromCharCode(
    HEX_HIGH[b0]!, HEX_LOW[b0]!, HEX_HIGH[b1]!, HEX_LOW[b1]!, HEX_HIGH[b2]!, HEX_LOW[b2]!, HEX_HIGH[b3]!, HEX_LOW[b3]!,
    HEX_HIGH[b4]!, HEX_LOW[b4]!, HEX_HIGH[b5]!, HEX_LOW[b5]!, HEX_HIGH[b6]!, HEX_LOW[b6]!, HEX_HIGH[b7]!, HEX_LOW[b7]!,
  );
}

function hex16(b: Uint8Array, i: number): string {
  const b0 = b[i]!, b1 = b[i + 1]!, b2 = b[i + 2]!, b3 = b[i + 3]!;
  const b4 = b[i + 4]!, b5 = b[i + 5]!, b6 = b[i + 6]!, b7 = b[i + 7]!;
  const b8 = b[i + 8]!, b9 = b[i + 9]!, b10 = b[i + 10]!, b11 = b[i + 11]!;
  const b12 = b[i + 12]!, b13 = b[i + 13]!, b14 = b[i + 14]!, b15 = b[i + 15]!;
  return String.fromCharCode(
    HEX_HIGH[b0]!, HEX_LOW[b0]!, HEX_HIGH[b1]!, HEX_LOW[b1]!, HEX_HIGH[b2]!, HEX_LOW[b2]!, HEX_HIGH[b3]!, HEX_LOW[b3]!,
    HEX_HIGH[b4]!, HEX_LOW[b4]!, HEX_HIGH[b5]!, HEX_LOW[b5]!, HEX_HIGH[b6]!, HEX_LOW[b6]!, HEX_HIGH[b7]!, HEX_LOW[b7]!,
    HEX_HIGH[b8]!, HEX_LOW[b8]!, HEX_HIGH[b9]!, HEX_LOW[b9]!, HEX_HIGH[b10]!, HEX_LOW[b10]!, HEX_HIGH[b11]!, HEX_LOW[b11]!,
    HEX_HIGH[b12]!, HEX_LOW[b12]!, HEX_HIGH[b13]!, HEX_LOW[b13]!, HEX_HIGH[b14]!, HEX_LOW[b14]!, HEX_HIGH[b15]!, HEX_LOW[b15]!,
  );
}
