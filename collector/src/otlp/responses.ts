/**
 * Encodes the bodies an OTLP/HTTP receiver sends back, in the request's own encoding:
 *
 *   encodeExportTraceResponse(format, partialSuccess?)  // ExportTraceServiceResponse
 *   encodeRpcStatus(format, status)                     // google.rpc.Status, for every error
 *   contentTypeOf(format)                               // the matching Content-Type header
 *
 * Protobuf field numbers: ExportTraceServiceResponse { partial_success = 1 },
 * ExportTracePartialSuccess { rejected_spans = 1 (int64), error_message = 2 },
 * google.rpc.Status { code = 1 (int32), message = 2, details = 3 (never sent) }.
 * JSON follows the protobuf JSON mapping: lowerCamelCase names, int64 as a decimal string.
 */
import type { OtlpFormat, RpcStatus, TracePartialSuccess } from './types.ts';

const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();

export function contentTypeOf(format: OtlpFormat): string {
  return format === 'protobuf' ? 'application/x-protobuf' : 'application/json';
}

/**
 * A full success is the empty message; `partial_success` is only set when something was
 * rejected, as the OTLP specification asks.
 */
export function encodeExportTraceResponse(format: OtlpFormat, partialSuccess?: TracePartialSuccess): Uint8Array {
  const partial = partialSuccess && (partialSuccess.rejectedSpans > 0 || partialSuccess.errorMessage !== '') ? partialSuccess : undefined;
  if (format === 'json') {
    if (!partial) return utf8.encode('{}');
    return utf8.encode(
      JSON.stringify({ partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } }),
    );
  }
  if (!partial) return EMPTY;
  const inner = new ProtoWriter();
  if (partial.rejectedSpans !== 0) inner.varintField(1, partial.rejectedSpans);
  if (partial.errorMessage !== '') inner.stringField(2, partial.errorMessage);
  const outer = new ProtoWriter();
  outer.bytesField(1, inner.finish());
  return outer.finish();
}

export function encodeRpcStatus(format: OtlpFormat, status: RpcStatus): Uint8Array {
  if (format === 'json') return utf8.encode(JSON.stringify({ code: status.code, message: status.message }));
  const writer = new ProtoWriter();
  if (status.code !== 0) writer.varintField(1, status.code);
  if (status.message !== '') writer.stringField(2, status.message);
  return writer.finish();
}

/** Just enough of a protobuf writer for these small, non-negative messages. */
class ProtoWriter {
  private readonly bytes: number[] = [];

  varintField(field: number, value: number): void {
    this.varint((field << 3) | 0);
    this.varint(value);
  }

  stringField(field: number, value: string): void {
    this.bytesField(field, utf8.encode(value));
  }

  bytesField(field: number, value: Uint8Array): void {
    this.varint((field << 3) | 2);
    this.varint(value.length);
    for (const b of value) this.bytes.push(b);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }

  private varint(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
  }
}
