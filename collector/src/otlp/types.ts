import type { Span } from '../model.ts';

/** The two OTLP/HTTP body encodings. */
export type OtlpFormat = 'protobuf' | 'json';

/**
 * The result of decoding one ExportTraceServiceRequest. Spans that cannot be stored (invalid
 * trace or span id) are counted in `rejectedSpans`, described in `rejectionMessage`, and left out of
 * `spans`; the receiver reports them through `partial_success`.
 */
export interface DecodedTraceRequest {
  spans: Span[];
  rejectedSpans: number;
  /** '' when nothing was rejected. */
  rejectionMessage: string;
}

/** ExportTracePartialSuccess: what the server could not accept from a request. */
export interface TracePartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

/** google.rpc.Status, without `details` (OTLP receivers never need to send any). */
export interface RpcStatus {
  code: number;
  message: string;
}

/** google.rpc.Code values used by the receiver (see google/rpc/code.proto). */
export const RpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  UNAUTHENTICATED: 16,
  UNAVAILABLE: 14,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
} as const;
