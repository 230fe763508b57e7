import { deflateRawSync, deflateSync, gzipSync, zstdCompressSync } from 'node:zlib';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { OtlpHttpReceiver, parseEndpoint } from '../src/receiver/otlp-http.ts';
import { decodeTraceRequestProtobuf } from '../src/otlp/protobuf-decode.ts';
import type { AcceptResult, OtlpHttpReceiverOptions, ReceivedTraceRequest } from '../src/receiver/otlp-http.ts';
import { encodeJson, encodeProtobuf, genAiSpans, genAiTraceRequest, genAiTraceRequestJson } from './fixtures/otlp-fixtures.ts';

const receivers: OtlpHttpReceiver[] = [];
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.stop();
});

interface Harness {
  url: string;
  port: number;
  received: ReceivedTraceRequest[];
  receiver: OtlpHttpReceiver;
}

async function startReceiver(options: Partial<OtlpHttpReceiverOptions> & { result?: AcceptResult } = {}): Promise<Harness> {
  const received: ReceivedTraceRequest[] = [];
  const receiver = new OtlpHttpReceiver({
    endpoint: '127.0.0.1:0',
    accept: async (request) => {
      received.push(request);
      return options.result ?? 'accepted';
    },
    ...options,
  });
  receivers.push(receiver);
  const { port } = await receiver.start();
  receiver.setReady(true);
  return { url: `http://127.0.0.1:${port}`, port, received, receiver };
}

interface Reply {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

async function post(url: string, body: Uint8Array | string, headers: Record<string, string>, method = 'POST'): Promise<Reply> {
  const response = await fetch(url, { method, body: method === 'GET' ? undefined : body, headers });
  return { status: response.status, headers: response.headers, body: new Uint8Array(await response.arrayBuffer()) };
}

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };

/** google.rpc.Status from protobuf: code = 1 (varint), message = 2 (string). */
function decodeStatusProtobuf(bytes: Uint8Array): { code: number; message: string } {
  const status = { code: 0, message: '' };
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) return result;
    }
  };
  while (pos < bytes.length) {
    const key = varint();
    if (key === 0x08) status.code = varint();
    else if (key === 0x12) {
      const length = varint();
      status.message = Buffer.from(bytes.subarray(pos, pos + length)).toString();
      pos += length;
    } else throw new Error(`unexpected Status field ${key}`);
  }
  return status;
}
const json = (reply: Reply): unknown => JSON.parse(Buffer.from(reply.body).toString());

describe('OtlpHttpReceiver', () => {
  it('accepts protobuf and answers an empty ExportTraceServiceResponse', async () => {
    const h = await startReceiver();
    const body = genAiTraceRequest(10);
    const reply = await post(`${h.url}/v1/traces`, body, PROTOBUF);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/x-protobuf');
    expect(reply.body.length).toBe(0);
    expect(h.received).toHaveLength(1);
    expect(h.received[0]!.format).toBe('protobuf');
    expect(Buffer.from(h.received[0]!.body).equals(Buffer.from(body))).toBe(true);
    expect(h.received[0]!.spanCount).toBe(10);
    expect(h.received[0]!.rejectedSpans).toBe(0);
    expect(h.receiver.stats).toStrictEqual({ requests: 1, acceptedSpans: 10, rejectedSpans: 0, refusedRequests: {} });
  });

  it('joins a body that arrives in many chunks into memory it reuses once the previous body was accepted', async () => {
    const copies: Buffer[] = [];
    const memory: ArrayBufferLike[] = [];
    const h = await startReceiver({
      accept: async (request) => {
        copies.push(Buffer.from(request.body));
        memory.push(request.body.buffer);
        return 'accepted';
      },
    });
    // About 300 KiB each: more than one socket read.
    const bodies = [genAiTraceRequest(250, { seed: 1 }), genAiTraceRequest(250, { seed: 2 })];
    for (const body of bodies) expect((await post(`${h.url}/v1/traces`, body, PROTOBUF)).status).toBe(200);
    expect(bodies[0]!.length).toBeGreaterThan(256 * 1024);
    expect(copies.map((c, i) => c.equals(bodies[i]!))).toStrictEqual([true, true]);
    expect(memory[1]).toBe(memory[0]);
    expect(memory[0]!.byteLength).toBe(512 * 1024);
  });

  it('accepts JSON with a charset parameter and answers {}', async () => {
    const h = await startReceiver();
    const reply = await post(`${h.url}/v1/traces`, genAiTraceRequestJson(4), { 'content-type': 'Application/JSON; charset=utf-8' });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(json(reply)).toStrictEqual({});
    expect(h.received[0]!.format).toBe('json');
    expect(h.received[0]!.spanCount).toBe(4);
  });

  it('inflates gzip, deflate (zlib and raw) and zstd bodies and hands on the inflated bytes', async () => {
    const h = await startReceiver();
    const body = genAiTraceRequest(5);
    const sent: [Uint8Array, string][] = [
      [gzipSync(body), 'gzip'],
      [deflateSync(body), 'deflate'],
      [deflateRawSync(body), 'deflate'],
      [zstdCompressSync(body), 'zstd'],
    ];
    for (const [compressed, encoding] of sent) {
      expect((await post(`${h.url}/v1/traces`, compressed, { ...PROTOBUF, 'content-encoding': encoding })).status).toBe(200);
    }
    expect(h.received.map((r) => Buffer.from(r.body).equals(Buffer.from(body)))).toStrictEqual([true, true, true, true]);
  });

  it('answers 413 with a Status when the inflated body passes the limit, without accepting it', async () => {
    const h = await startReceiver({ maxDecompressedBytes: 64 * 1024 });
    // 16 MiB of zeros compress to ~16 KiB: only the decompressed size is over the limit.
    const bomb = gzipSync(new Uint8Array(16 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const reply = await post(`${h.url}/v1/traces`, bomb, { ...PROTOBUF, 'content-encoding': 'gzip' });
    expect(reply.status).toBe(413);
    expect(decodeStatusProtobuf(reply.body)).toStrictEqual({ code: 3, message: 'decompressed request body exceeds the limit of 65536 bytes' });
    const zstdBomb = zstdCompressSync(new Uint8Array(16 * 1024 * 1024));
    const zstdReply = await post(`${h.url}/v1/traces`, zstdBomb, { ...JSON_TYPE, 'content-encoding': 'zstd' });
    expect(zstdReply.status).toBe(413);
    expect(json(zstdReply)).toStrictEqual({ code: 3, message: 'decompressed request body exceeds the limit of 65536 bytes' });
    expect(h.received).toHaveLength(0);
  });

  it('answers 413 when the raw body passes the limit', async () => {
    const h = await startReceiver({ maxRequestBytes: 1024 });
    const reply = await post(`${h.url}/v1/traces`, '{"resourceSpans":[]}'.padEnd(2048, ' '), JSON_TYPE);
    expect(reply.status).toBe(413);
    expect(json(reply)).toStrictEqual({ code: 3, message: 'request body exceeds the limit of 1024 bytes' });
  });

  it('answers 413 for a chunked body that grows past the limit while it streams in', async () => {
    const h = await startReceiver({ maxRequestBytes: 1024 });
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${h.url}/v1/traces`, { method: 'POST', headers: JSON_TYPE }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      for (let i = 0; i < 4; i++) req.write(' '.repeat(512));
      req.end();
    });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toStrictEqual({ code: 3, message: 'request body exceeds the limit of 1024 bytes' });
  });

  it('answers 415 with a Status for other content types and encodings', async () => {
    const h = await startReceiver();
    const reply = await post(`${h.url}/v1/traces`, 'hello', { 'content-type': 'text/plain' });
    expect(reply.status).toBe(415);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(json(reply)).toStrictEqual({
      code: 3,
      message: 'unsupported content type "text/plain"; use application/x-protobuf or application/json',
    });
    const encoded = await post(`${h.url}/v1/traces`, genAiTraceRequest(1), { ...PROTOBUF, 'content-encoding': 'br' });
    expect(encoded.status).toBe(415);
    expect(decodeStatusProtobuf(encoded.body)).toStrictEqual({ code: 3, message: 'unsupported content encoding "br"; use gzip, deflate, zstd or none' });
  });

  it('answers 405 for other methods on /v1/traces and 404 elsewhere', async () => {
    const h = await startReceiver();
    const get = await post(`${h.url}/v1/traces`, '', PROTOBUF, 'GET');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(decodeStatusProtobuf(get.body)).toStrictEqual({ code: 12, message: 'method GET is not allowed on /v1/traces; use POST' });
    const put = await post(`${h.url}/v1/traces`, '{}', JSON_TYPE, 'PUT');
    expect(put.status).toBe(405);
    expect(json(put)).toStrictEqual({ code: 12, message: 'method PUT is not allowed on /v1/traces; use POST' });
    const other = await post(`${h.url}/v1/metrics`, '{}', JSON_TYPE);
    expect(other.status).toBe(404);
    expect(Buffer.from(other.body).toString()).toBe('not found\n');
  });

  it('answers 400 with a protobuf Status for an undecodable protobuf body', async () => {
    const h = await startReceiver();
    const reply = await post(`${h.url}/v1/traces`, Uint8Array.of(0x0a, 0x05, 0x00), PROTOBUF);
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toBe('application/x-protobuf');
    expect(decodeStatusProtobuf(reply.body)).toStrictEqual({
      code: 3,
      message: 'invalid ExportTraceServiceRequest: length 5 runs past the end of its message (at byte 1)',
    });
    expect(h.received).toHaveLength(0);
  });

  it('answers 400 with a JSON Status for an undecodable JSON body', async () => {
    const h = await startReceiver();
    const reply = await post(`${h.url}/v1/traces`, '{"resourceSpans": 7}', JSON_TYPE);
    expect(reply.status).toBe(400);
    expect(json(reply)).toStrictEqual({ code: 3, message: 'invalid ExportTraceServiceRequest JSON: resourceSpans: expected an array' });
  });

  it('answers 400 for corrupt gzip', async () => {
    const h = await startReceiver();
    const reply = await post(`${h.url}/v1/traces`, Uint8Array.of(1, 2, 3, 4), { ...PROTOBUF, 'content-encoding': 'gzip' });
    expect(reply.status).toBe(400);
    expect(decodeStatusProtobuf(reply.body)).toStrictEqual({ code: 3, message: 'cannot decompress gzip body: incorrect header check' });
  });

  it('reports rejected spans through partial_success and accepts the rest', async () => {
    const h = await startReceiver();
    const spans = genAiSpans(3);
    const bad = { ...spans[1]!, spanContext: () => ({ ...spans[1]!.spanContext(), spanId: '0000000000000000' }) };
    const reply = await post(`${h.url}/v1/traces`, encodeProtobuf([spans[0]!, bad, spans[2]!]), PROTOBUF);
    expect(reply.status).toBe(200);
    const message = 'rejected 1 span with invalid ids; first: span 0000000000000000 of trace 00000001000000000000000000000001: span id is all zeros';
    expect(ProtobufTraceSerializer.deserializeResponse(reply.body)).toStrictEqual({ partialSuccess: { rejectedSpans: 1, errorMessage: message } });
    expect([h.received[0]!.spanCount, h.received[0]!.rejectedSpans]).toStrictEqual([2, 1]);
    expect(decodeTraceRequestProtobuf(h.received[0]!.body).spans.map((s) => s.spanId)).toStrictEqual(['0000000100000001', '0000000100000003']);

    const jsonReply = await post(`${h.url}/v1/traces`, encodeJson([bad]), JSON_TYPE);
    expect(jsonReply.status).toBe(200);
    expect(json(jsonReply)).toStrictEqual({ partialSuccess: { rejectedSpans: '1', errorMessage: message } });
    // Nothing valid was left, so nothing was handed on.
    expect(h.received).toHaveLength(1);
    expect(h.receiver.stats.rejectedSpans).toBe(2);
  });

  it('requires the bearer token when one is configured, but not for health checks', async () => {
    const h = await startReceiver({ bearerToken: 's3cret' });
    const missing = await post(`${h.url}/v1/traces`, genAiTraceRequest(1), PROTOBUF);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="spendtrace"');
    expect(decodeStatusProtobuf(missing.body)).toStrictEqual({ code: 16, message: 'missing or invalid bearer token' });
    const wrong = await post(`${h.url}/v1/traces`, '{}', { ...JSON_TYPE, authorization: 'Bearer nope!!' });
    expect(wrong.status).toBe(401);
    expect(json(wrong)).toStrictEqual({ code: 16, message: 'missing or invalid bearer token' });
    const right = await post(`${h.url}/v1/traces`, genAiTraceRequest(1), { ...PROTOBUF, authorization: 'Bearer s3cret' });
    expect(right.status).toBe(200);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    expect(h.received).toHaveLength(1);
  });

  it('answers 429 with Retry-After when the queue is full', async () => {
    const h = await startReceiver({ result: 'full' });
    const reply = await post(`${h.url}/v1/traces`, genAiTraceRequest(1), PROTOBUF);
    expect(reply.status).toBe(429);
    expect(reply.headers.get('retry-after')).toBe('2');
    expect(decodeStatusProtobuf(reply.body)).toStrictEqual({ code: 8, message: 'the collector queue is full; retry later' });
    expect(h.receiver.stats.refusedRequests).toStrictEqual({ 429: 1 });
    expect(h.receiver.stats.acceptedSpans).toBe(0);
  });

  it('answers 503 with Retry-After when the queue is closed or fails', async () => {
    const closed = await startReceiver({ result: 'closed', retryAfterSeconds: 5 });
    const reply = await post(`${closed.url}/v1/traces`, genAiTraceRequestJson(1), JSON_TYPE);
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(json(reply)).toStrictEqual({ code: 14, message: 'the collector is shutting down' });

    const errors: unknown[] = [];
    const failing = await startReceiver({
      accept: () => Promise.reject(new Error('disk full')),
      onError: (error) => errors.push(error),
    });
    const failed = await post(`${failing.url}/v1/traces`, genAiTraceRequest(1), PROTOBUF);
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('2');
    expect(decodeStatusProtobuf(failed.body)).toStrictEqual({ code: 14, message: 'the collector could not store the request; retry later' });
    expect(errors.map((e) => (e as Error).message)).toStrictEqual(['disk full']);
  });

  it('acknowledges only after accept resolves', async () => {
    let release!: (result: AcceptResult) => void;
    const h = await startReceiver({ accept: () => new Promise<AcceptResult>((resolve) => (release = resolve)) });
    let answered = false;
    const replyPromise = post(`${h.url}/v1/traces`, genAiTraceRequest(1), PROTOBUF).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false);
    release('accepted');
    expect((await replyPromise).status).toBe(200);
  });

  it('serves /healthz always and /readyz only while ready', async () => {
    const h = await startReceiver();
    h.receiver.setReady(false);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${h.url}/readyz`);
    expect([notReady.status, await notReady.text()]).toStrictEqual([503, 'not ready\n']);
    h.receiver.setReady(true);
    const ready = await fetch(`${h.url}/readyz`);
    expect([ready.status, await ready.text()]).toStrictEqual([200, 'ready\n']);
  });

  it('parses endpoints', () => {
    expect(parseEndpoint('localhost:4318')).toStrictEqual({ host: 'localhost', port: 4318 });
    expect(parseEndpoint(':4318')).toStrictEqual({ host: '0.0.0.0', port: 4318 });
    expect(parseEndpoint('[::1]:0')).toStrictEqual({ host: '::1', port: 0 });
    expect(() => parseEndpoint('localhost')).toThrow('invalid endpoint "localhost": expected host:port');
  });
});
