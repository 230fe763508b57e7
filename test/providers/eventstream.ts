/**
 * AWS event-stream framing (application/vnd.amazon.eventstream) for the local Bedrock provider.
 *
 * Each message is a prelude (total length, headers length, prelude CRC32), binary headers, the
 * payload and a CRC32 over the whole message. Encoding goes through Smithy's own codec so the AWS SDK
 * decodes exactly what a real Bedrock endpoint would send, checksums included.
 */
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function stringHeader(value: string): { type: 'string'; value: string } {
  return { type: 'string', value };
}

/** One `:message-type: event` frame whose JSON payload is the event member's body. */
export function encodeEvent(eventType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': stringHeader(eventType),
      ':content-type': stringHeader('application/json'),
      ':message-type': stringHeader('event'),
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

/**
 * A modelled error delivered inside the stream (e.g. `throttlingException`), which the SDK raises
 * from the caller's `for await` loop after the events before it.
 */
export function encodeException(exceptionType: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': stringHeader(exceptionType),
      ':content-type': stringHeader('application/json'),
      ':message-type': stringHeader('exception'),
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

/** Splits a byte string back into messages; used by tests to inspect what the server framed. */
export function decodeMessages(bytes: Uint8Array): Array<{ headers: Record<string, string>; body: string }> {
  const reader = new EventStreamCodec(toUtf8, fromUtf8);
  reader.feed(bytes);
  reader.endOfStream();
  const out: Array<{ headers: Record<string, string>; body: string }> = [];
  for (const message of reader.getAvailableMessages().getMessages()) {
    const headers: Record<string, string> = {};
    for (const [name, header] of Object.entries(message.headers)) headers[name] = String(header.value);
    out.push({ headers, body: toUtf8(message.body) });
  }
  return out;
}
