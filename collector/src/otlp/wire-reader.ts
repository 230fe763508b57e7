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

  /** Skips an int64 varint, refusing the same malformed encodings as reading one. */
  protected skipInt64(end: number): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; ; i++) {
      if (i >= 10) this.fail('varint longer than 10 bytes', pos);
      if (pos >= end) this.fail('truncated varint', pos);
      if (buf[pos++]! < 0x80) break;
    }
    this.pos = pos;
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

  protected skipField(tag: number, end: number): void {
    const tagAt = this.pos;
    if (tag >>> 3 === 0) this.fail('field number 0', tagAt);
    switch (tag & 7) {
      case WIRE_VARINT:
        this.readVarint32(end);
        return;
      case WIRE_FIXED64:
        if (this.pos + 8 > end) this.fail('truncated fixed64', this.pos);
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.readMessageEnd(end);
        return;
      case WIRE_FIXED32:
        if (this.pos + 4 > end) this.fail('truncated fixed32', this.pos);
        this.pos += 4;
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

  protected expectWire(tag: number, wireType: number): void {
    if ((tag & 7) !== wireType) {
      this.fail(`field ${tag >>> 3} has wire type ${tag & 7}, expected ${wireType}`, this.pos);
    }
  }

  protected fail(message: string, offset: number = this.pos): never {
    throw new OtlpDecodeError(`invalid ExportTraceServiceRequest: ${message}`, offset);
  }
}
