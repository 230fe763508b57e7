export { decodeTraceRequestProtobuf } from './protobuf-decode.ts';
export { decodeTraceRequestJson } from './json-decode.ts';
export { scanTraceRequestProtobuf } from './protobuf-scan.ts';
export type { TraceRequestScan } from './protobuf-scan.ts';
export { contentTypeOf, encodeExportTraceResponse, encodeRpcStatus } from './responses.ts';
export { OtlpDecodeError } from './errors.ts';
export { RpcCode } from './types.ts';
export type { DecodedTraceRequest, OtlpFormat, RpcStatus, TracePartialSuccess } from './types.ts';
