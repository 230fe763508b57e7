/**
 * The error every OTLP decoder throws for input it cannot decode. The receiver turns it into a
 * 400 response carrying a google.rpc.Status with this message; nothing else in the request is
 * half-applied, because decoding finishes before anything is queued.
 */
export class OtlpDecodeError extends Error {
  /** Byte offset in a protobuf body where decoding failed; -1 for JSON or when unknown. */
  readonly offset: number;

  constructor(message: string, offset = -1) {
    super(offset >= 0 ? `${message} (at byte ${offset})` : message);
    this.name = 'OtlpDecodeError';
    this.offset = offset;
  }
}
