export { OtlpHttpReceiver, formatOf, parseEndpoint } from './otlp-http.ts';
export type { AcceptResult, OtlpHttpReceiverOptions, ReceivedTraceRequest, ReceiverStats } from './otlp-http.ts';
