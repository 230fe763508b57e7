/**
 * How an accepted OTLP trace request is stored in the disk queue, and how the consumer gets spans
 * back out of it:
 *
 *   queue.append(encodeTraceRecord(request.format, request.body))
 *   const { spans } = decodeTraceRecord(record)    // in the consumer
 *
 * The queue keeps the request body exactly as received (decompressed) plus a one-byte format tag,
 * not decoded spans. Writing the original bytes is the cheapest durable form (no re-encoding on
 * the request path), keeps the disk format identical to OTLP so it can never drift from the
 * model, and the receiver has already decoded the body once to answer 400 / partial_success
 * synchronously. Decoding is deterministic, so the consumer gets exactly the spans the receiver
 * counted as accepted (rejected spans are dropped again by the same rule).
 */
import { decodeTraceRequestJson } from '../otlp/json-decode.ts';
import { decodeTraceRequestProtobuf } from '../otlp/protobuf-decode.ts';
import { OtlpDecodeError } from '../otlp/errors.ts';
import type { DecodedTraceRequest, OtlpFormat } from '../otlp/types.ts';

const TAG_PROTOBUF = 1;
const TAG_JSON = 2;
const PROTOBUF_TAG = Uint8Array.of(TAG_PROTOBUF);
const JSON_TAG = Uint8Array.of(TAG_JSON);

/** The parts of one queue record (pass straight to `DiskQueue.append`; no copy of the body). */
export function encodeTraceRecord(format: OtlpFormat, body: Uint8Array): Uint8Array[] {
  return [format === 'protobuf' ? PROTOBUF_TAG : JSON_TAG, body];
}

/** Decodes a record written by `encodeTraceRecord`. Throws OtlpDecodeError if it is not one. */
export function decodeTraceRecord(record: Uint8Array): DecodedTraceRequest {
  const body = record.subarray(1);
  switch (record[0]) {
    case TAG_PROTOBUF:
      return decodeTraceRequestProtobuf(body);
    case TAG_JSON:
      return decodeTraceRequestJson(body);
    default:
      throw new OtlpDecodeError(`unknown trace record format tag ${String(record[0])}`);
  }
}
