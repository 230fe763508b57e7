/**
 * Validates a protobuf ExportTraceServiceRequest without building spans:
 *
 *   scanTraceRequestProtobuf(body): { spanCount, rejectedSpans, rejectionMessage }  // throws OtlpDecodeError
 *
 * The receiver must answer 400 or partial_success before acknowledging, but the spans themselves
 * are only needed later, by the queue's consumer. Scanning walks every message and AnyValue with
 * the same wire-format checks as `decodeTraceRequestProtobuf` (both walk the field tables of
 * trace-fields.ts with WireReader) and applies the same id rules, so a body the scan accepts
 * decodes without error to exactly `spanCount` spans — at a fraction of the cost, because no
 * string, object or bigint is created.
 */
import { RejectionTally, spanIdProblem } from './span-validation.ts';
import { TRACE_MESSAGES } from './trace-fields.ts';
import { WireReader } from './wire-reader.ts';

export interface TraceRequestScan {
  /** Spans that decoding will produce (valid ids). */
  spanCount: number;
  rejectedSpans: number;
  /** '' when nothing was rejected. */
  rejectionMessage: string;
}

/**
 * Each method walks one message with `nextField` and descends into the nested messages that can
 * hold spans or AnyValues; every other field is skipped with `skipFieldValue`.
 */
class ProtobufTraceScanner extends WireReader {
  private readonly messages = TRACE_MESSAGES;
  spanCount = 0;
  readonly rejections = new RejectionTally();

  scanRequest(): void {
    const end = this.buf.length;
    while (this.pos < end) {
      if (this.nextField(this.messages.exportTraceServiceRequest, end) === 1) this.scanResourceSpans(this.readMessageEnd(end));
    }
  }

  private scanResourceSpans(end: number): void {
    while (this.pos < end) {
      const field = this.nextField(this.messages.resourceSpans, end);
      if (field === 1) this.scanResource(this.readMessageEnd(end));
      else if (field === 2) this.scanScopeSpans(this.readMessageEnd(end));
      else this.skipFieldValue(this.messages.resourceSpans, field, end);
    }
  }

  private scanResource(end: number): void {
    while (this.pos < end) {
      const field = this.nextField(this.messages.resource, end);
      if (field === 1) this.scanKeyValue(this.readMessageEnd(end), 0);
      else this.skipFieldValue(this.messages.resource, field, end);
    }
  }

  private scanScopeSpans(end: number): void {
    while (this.pos < end) {
      const field = this.nextField(this.messages.scopeSpans, end);
      if (field === 1) this.scanScope(this.readMessageEnd(end));
      else if (field === 2) this.scanSpan(this.readMessageEnd(end));
      else this.skipFieldValue(this.messages.scopeSpans, field, end);
    }
  }

  private scanScope(end: number): void {
    while (this.pos < end) {
      const field = this.nextField(this.messages.instrumentationScope, end);
      if (field === 3) this.scanKeyValue(this.readMessageEnd(end), 0);
      else this.skipFieldValue(this.messages.instrumentationScope, field, end);
    }
  }

  private scanSpan(end: number): void {
    // Ids are checked as bytes; hex is only built to describe a rejected span.
    let traceIdStart = 0;
    let traceIdEnd = 0;
    let spanIdStart = 0;
    let spanIdEnd = 0;
    while (this.pos < end) {
      const field = this.nextField(this.messages.span, end);
      switch (field) {
        case 1:
          traceIdEnd = this.readMessageEnd(end);
          traceIdStart = this.pos;
          this.pos = traceIdEnd;
          break;
        case 2:
          spanIdEnd = this.readMessageEnd(end);
          spanIdStart = this.pos;
          this.pos = spanIdEnd;
          break;
        case 9:
          this.scanKeyValue(this.readMessageEnd(end), 0);
          break;
        case 11:
          this.scanEvent(this.readMessageEnd(end));
          break;
        case 13:
          this.scanLink(this.readMessageEnd(end));
          break;
        case 15:
          this.scanStatus(this.readMessageEnd(end));
          break;
        default:
          this.skipFieldValue(this.messages.span, field, end);
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
      const field = this.nextField(this.messages.spanEvent, end);
      if (field === 3) this.scanKeyValue(this.readMessageEnd(end), 0);
      else this.skipFieldValue(this.messages.spanEvent, field, end);
    }
  }

  private scanLink(end: number): void {
    while (this.pos < end) {
      const field = this.nextField(this.messages.spanLink, end);
      if (field === 4) this.scanKeyValue(this.readMessageEnd(end), 0);
      else this.skipFieldValue(this.messages.spanLink, field, end);
    }
  }

  /** Status holds no nested message, but its fields are still checked. */
  private scanStatus(end: number): void {
    while (this.pos < end) this.skipFieldValue(this.messages.status, this.nextField(this.messages.status, end), end);
  }

  private scanKeyValue(end: number, depth: number): void {
    while (this.pos < end) {
      const field = this.nextField(this.messages.keyValue, end);
      if (field === 2) this.scanAnyValue(this.readMessageEnd(end), depth);
      else this.skipFieldValue(this.messages.keyValue, field, end);
    }
  }

  private scanAnyValue(end: number, depth: number): void {
    while (this.pos < end) {
      const field = this.nextField(this.messages.anyValue, end);
      switch (field) {
        case 4:
          this.skipFixed(end, 8, 'double'); // named as the decoder names it in errors
          break;
        case 5:
          this.scanArrayValue(this.readMessageEnd(end), depth + 1);
          break;
        case 6:
          this.scanKeyValueList(this.readMessageEnd(end), depth + 1);
          break;
        default:
          this.skipFieldValue(this.messages.anyValue, field, end);
      }
    }
  }

  private scanArrayValue(end: number, depth: number): void {
    this.checkAnyValueDepth(depth);
    while (this.pos < end) {
      if (this.nextField(this.messages.repeatedValues, end) === 1) this.scanAnyValue(this.readMessageEnd(end), depth);
    }
  }

  private scanKeyValueList(end: number, depth: number): void {
    this.checkAnyValueDepth(depth);
    while (this.pos < end) {
      if (this.nextField(this.messages.repeatedValues, end) === 1) this.scanKeyValue(this.readMessageEnd(end), depth);
    }
  }

  private isUsableId(start: number, end: number, length: number): boolean {
    if (end - start !== length) return false;
    const buf = this.buf;
    for (let i = start; i < end; i++) if (buf[i] !== 0) return true;
    return false;
  }
}

/** Validates a protobuf ExportTraceServiceRequest and counts its spans; throws OtlpDecodeError like the decoder. */
export function scanTraceRequestProtobuf(body: Uint8Array): TraceRequestScan {
  const scanner = new ProtobufTraceScanner(body);
  scanner.scanRequest();
  return { spanCount: scanner.spanCount, rejectedSpans: scanner.rejections.count, rejectionMessage: scanner.rejections.message() };
}
