/**
 * Validates a protobuf ExportTraceServiceRequest without building spans:
 *
 *   scanTraceRequestProtobuf(body): { spanCount, rejectedSpans, rejectionMessage }  // throws OtlpDecodeError
 *
 * The receiver must answer 400 or partial_success before acknowledging, but the spans themselves
 * are only needed later, by the queue's consumer. Scanning walks every message and AnyValue with
 * the same wire-format checks as `decodeTraceRequestProtobuf` (both build on WireReader) and applies
 * the same id rules, so a body the scan accepts decodes without error to exactly `spanCount` spans —
 * at a fraction of the cost, because no string, object or bigint is created.
 */
import { MAX_ANY_VALUE_DEPTH, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, WireReader } from './wire-reader.ts';
import { RejectionTally, spanIdProblem } from './span-validation.ts';

export interface TraceRequestScan {
  /** Spans that decoding will produce (valid ids). */
  spanCount: number;
  rejectedSpans: number;
  /** '' when nothing was rejected. */
  rejectionMessage: string;
}

const HEX_BYTE: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

class ProtobufTraceScanner extends WireReader {
  spanCount = 0;
  readonly rejections = new RejectionTally();

  scanRequest(): void {
    const end = this.buf.length;
    while (this.pos < end) {
      const tag = this.readVarint32(end);
      if (tag >>> 3 === 1) {
        this.expectWire(tag, WIRE_LEN);
        this.scanResourceSpans(this.readMessageEnd(end));
      } else this.skipField(tag, end);
    }
  }

  private scanResourceSpans(end: number): void {
    while (this.pos < end) {
      const tag = this.readVarint32(end);
      switch (tag >>> 3) {
        case 1:
          this.expectWire(tag, WIRE_LEN);
          this.scanResource(this.readMessageEnd(end));
          break;
        case 2:
          this.expectWire(tag, WIRE_LEN);
          this.scanScopeSpans(this.readMessageEnd(end));
          break;
        case 3:
          this.expectWire(tag, WIRE_LEN);
          this.pos = this.readMessageEnd(end);
          break;
        default:
          this.skipField(tag, end);
      }
    }
  }

  private scanResource(end: number): void {
    while (this.pos < end) {
      const tag = this.readVarint32(end);
      switch (tag >>> 3) {
        case 1:
          this.expectWire(tag, WIRE_LEN);
          this.scanKeyValue(this.readMessageEnd(end), 0);
          break;
        case 2:
          this.expectWire(tag, WIRE_VARINT);
          this.readVarint32(end);
          break;
        default:
          this.skipField(tag, end);
      }
    }
  }

  private scanScopeSpans(end: number): void {
    while (this.pos < end) {
      const tag = this.readVarint32(end);
      switch (tag >>> 3) {
        case 1:
          this.expectWire(tag, WIRE_LEN);
          this.scanScope(this.readMessageEnd(end));
          break;
        case 2:
          this.expectWire(tag, WIRE_LEN);
          this.scanSpan(this.readMessageEnd(end));
          break;
        case 3:
          this.expectWire(tag, WIRE_LEN);
          this.pos = this.readMessageEnd(end);
          break;
        default:
          this.skipField(tag, end);
      }
    }
  }

  private scanScope(end: number): void {
    while (this.pos < end) {
      const tag = this.readVarint32(end);
      switch (tag >>> 3) {
        case 1:
        case 2:
          this.expectWire(tag, WIRE_LEN);
          this.pos = this.readMessageEnd(end);
          break;
        case 3:
          this.expectWire(tag, WIRE_LEN);
          this.scanKeyValue(this.readMessageEnd(end), 0);
          break;
        default:
          this.skipField(tag, end);
      }
    }
  }

  private scanSpan(end: number): void {
    // Ids are checked as bytes; hex is only built to describe a rejected span.
    let traceIdStart = 0;
    let traceIdEnd = 0;
    let spanIdStart = 0;
    let spanIdEnd = 0;
    while (this.pos < end) {
      const tag = this.readVarint32(end);
      switch (tag >>> 3) {
        case 1:
          this.expectWire(tag, WIRE_LEN);
          traceIdEnd = this.readMessageEnd(end);
          traceIdStart = this.pos;
          this.pos = traceIdEnd;
          break;
        case 2:
          this.expectWire(tag, WIRE_LEN);
          spanIdEnd = this.readMessageEnd(end);
          spanIdStart = this.pos;
          this.pos = spanIdEnd;
          break;
        case 3:
        case 4:
        case 5:
          this.expectWire(tag, WIRE_LEN);
          this.pos = this.readMessageEnd(end);
          break;
        case 6:
        case 10:
        case 12:
        case 14:
          this.expectWire(tag, WIRE_VARINT);
          this.readVarint32(end);
          break;
        case 7:
          this.expectWire(tag, WIRE_FIXED64);
          this.skipFixed(end, 8, 'fixed64');
          break;
        case 8:
          this.expectWire(tag, WIRE_FIXED64);
          this.skipFixed(end, 8, 'fixed64');
          break;
        case 9:
          this.expectWire(tag, WIRE_LEN);
          this.scanKeyValue(this.readMessageEnd(end), 0);
          break;
        case 11:
          this.expectWire(tag, WIRE_LEN);
          this.scanEvent(this.readMessageEnd(end));
          break;
        case 13:
          this.expectWire(tag, WIRE_LEN);
          this.scanLink(this.readMessageEnd(end));
          break;
        case 15:
          this.expectWire(tag, WIRE_LEN);
          this.scanStatus(this.readMessageEnd(end));
          break;
        case 16:
          this.expectWire(tag, WIRE_FIXED32);
          this.skipFixed(end, 4, 'fixed32');
          break;
        default:
          this.skipField(tag, end);
      }
    }
    if (this.isUsableId(traceIdStart, traceIdEnd, 16) && this.isUsableId(spanIdStart, spanIdEnd, 8)) {
      this.spanCount++;
      return;
    }
    const traceId = this.hex(traceIdStart, traceIdEnd);
    const spanId = this.hex(spanIdStart, spanIdEnd);
    this.rejections.reject({ traceId, spanId }, spanIdProblem(traceId, spanId));
  }

  private scanEvent(end: number): void {
    while (this.pos < end) {
      const tag = this.readVarint32(end);
      switch (tag >>> 3) {
        case 1:
          this.expectWire(tag, WIRE_FIXED64);
          this.skipFixed(end, 8, 'fixed64');
          break;
        case 2:
          this.expectWire(tag, WIRE_LEN);
          this.pos = this.readMessageEnd(end);
          break;
        case 3:
          this.expectWire(tag, WIRE_LEN);
          this.scanKeyValue(this.readMessageEnd(end), 0);
          break;
        case 4:
          this.expectWire(tag, WIRE_VARINT);
          this.readVarint32(end);
          break;
        default:
          this.skipField(tag, end);
      }
    }
  }

  private scanLink(end: number): void {
    while (this.pos < end) {
      const tag = this.readVarint32(end);
      switch (tag >>> 3) {
        case 1:
        case 2:
        case 3:
          this.expectWire(tag, WIRE_LEN);
          this.pos = this.readMessageEnd(end);
          break;
        case 4:
          this.expectWire(tag, WIRE_LEN);
          this.scanKeyValue(this.readMessageEnd(end), 0);
          break;
        case 5:
          this.expectWire(tag, WIRE_VARINT);
          this.readVarint32(end);
          break;
        case 6:
          this.expectWire(tag, WIRE_FIXED32);
          this.skipFixed(end, 4, 'fixed32');
          break;
        default:
          this.skipField(tag, end);
      }
    }
  }

  private scanStatus(end: number): void {
    while (this.pos < end) {
      const tag = this.readVarint32(end);
      switch (tag >>> 3) {
        case 2:
          this.expectWire(tag, WIRE_LEN);
          this.pos = this.readMessageEnd(end);
          break;
        case 3:
          this.expectWire(tag, WIRE_VARINT);
          this.readVarint32(end);
          break;
        default:
          this.skipField(tag, end);
      }
    }
  }

  private scanKeyValue(end: number, depth: number): void {
    while (this.pos < end) {
      const tag = this.readVarint32(end);
      switch (tag >>> 3) {
        case 1:
          this.expectWire(tag, WIRE_LEN);
          this.pos = this.readMessageEnd(end);
          break;
        case 2:
          this.expectWire(tag, WIRE_LEN);
          this.scanAnyValue(this.readMessageEnd(end), depth);
          break;
        default:
          this.skipField(tag, end);
      }
    }
  }

  private scanAnyValue(end: number, depth: number): void {
    while (this.pos < end) {
      const tag = this.readVarint32(end);
      switch (tag >>> 3) {
        case 1:
        case 7:
          this.expectWire(tag, WIRE_LEN);
          this.pos = this.readMessageEnd(end);
          break;
        case 2:
          this.expectWire(tag, WIRE_VARINT);
          this.readVarint32(end);
          break;
        case 3:
          this.expectWire(tag, WIRE_VARINT);
          this.skipInt64(end);
          break;
        case 4:
          this.expectWire(tag, WIRE_FIXED64);
          this.skipFixed(end, 8, 'double');
          break;
        case 5:
          this.expectWire(tag, WIRE_LEN);
          this.scanArrayValue(this.readMessageEnd(end), depth + 1);
          break;
        case 6:
          this.expectWire(tag, WIRE_LEN);
          this.scanKeyValueList(this.readMessageEnd(end), depth + 1);
          break;
        default:
          this.skipField(tag, end);
      }
    }
  }

  private scanArrayValue(end: number, depth: number): void {
    if (depth > MAX_ANY_VALUE_DEPTH) this.fail(`AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
    while (this.pos < end) {
      const tag = this.readVarint32(end);
      if (tag >>> 3 === 1) {
        this.expectWire(tag, WIRE_LEN);
        this.scanAnyValue(this.readMessageEnd(end), depth);
      } else this.skipField(tag, end);
    }
  }

  private scanKeyValueList(end: number, depth: number): void {
    if (depth > MAX_ANY_VALUE_DEPTH) this.fail(`AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
    while (this.pos < end) {
      const tag = this.readVarint32(end);
      if (tag >>> 3 === 1) {
        this.expectWire(tag, WIRE_LEN);
        this.scanKeyValue(this.readMessageEnd(end), depth);
      } else this.skipField(tag, end);
    }
  }

  private isUsableId(start: number, end: number, length: number): boolean {
    if (end - start !== length) return false;
    const buf = this.buf;
    for (let i = start; i < end; i++) if (buf[i] !== 0) return true;
    return false;
  }

  private hex(start: number, end: number): string {
    let hex = '';
    for (let i = start; i < end; i++) hex += HEX_BYTE[this.buf[i]!]!;
    return hex;
  }
}

/** Validates a protobuf ExportTraceServiceRequest and counts its spans; throws OtlpDecodeError like the decoder. */
export function scanTraceRequestProtobuf(body: Uint8Array): TraceRequestScan {
  const scanner = new ProtobufTraceScanner(body);
  scanner.scanRequest();
  return { spanCount: scanner.spanCount, rejectedSpans: scanner.rejections.count, rejectionMessage: scanner.rejections.message() };
}
