/**
 * The OTLP/HTTP trace receiver: `POST /v1/traces` with protobuf or JSON bodies, per the OTLP
 * specification, plus `/healthz` and `/readyz`.
 *
 *   const receiver = new OtlpHttpReceiver({
 *     endpoint: 'localhost:4318',                      // port 0 picks a free port
 *     accept: (request) => queue.append(encodeTraceRecord(request.format, request.body)),
 *   });
 *   const { port } = await receiver.start();
 *   receiver.setReady(true);                           // once the pipeline can take data
 *   ...
 *   receiver.setReady(false); await receiver.stop();   // on shutdown, before draining the queue
 *
 * The receiver knows nothing of queues: it validates a request, hands it to `accept`,
 * and answers 200 only once `accept` resolves 'accepted' (with the disk queue: once the request is
 * fsynced). 'full' becomes 429 and 'closed' (or a failing `accept`) 503, both with `Retry-After`,
 * so OTLP clients retry instead of dropping data.
 *
 * Responses (body always in the request's encoding, JSON when that is unknown):
 *   200 ExportTraceServiceResponse, with partial_success when spans were rejected (bad ids)
 *   400 google.rpc.Status: undecodable body or corrupt compression
 *   401 Status + `WWW-Authenticate: Bearer` when a bearer token is configured and not presented
 *   404 other paths; 405 other methods on /v1/traces (with `Allow: POST`)
 *   413 Status: raw body over `maxRequestBytes`, or inflated body over `maxDecompressedBytes`
 *       (enforced while inflating, so a small gzip bomb never reaches memory)
 *   415 Status: content type other than application/x-protobuf or application/json, or a
 *       Content-Encoding other than gzip, deflate (zlib or raw), zstd or identity
 *   429 / 503 Status + `Retry-After: <seconds>`: queue full / shutting down
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, inflate, inflateRaw, zstdDecompress } from 'node:zlib';
import type { InputType, ZlibOptions } from 'node:zlib';
import { Buffer } from 'node:buffer';
import { BufferPool } from '../buffer-pool.ts';
import { decodeTraceRequestJson } from '../otlp/json-decode.ts';
import { scanTraceRequestProtobuf } from '../otlp/protobuf-scan.ts';
import type { TraceRequestScan } from '../otlp/protobuf-scan.ts';
import { OtlpDecodeError } from '../otlp/errors.ts';
import { contentTypeOf, encodeExportTraceResponse, encodeRpcStatus } from '../otlp/responses.ts';
import { RpcCode } from '../otlp/types.ts';
import type { OtlpFormat, RpcStatus } from '../otlp/types.ts';

/**
 * What `accept` receives: the decompressed body as sent, already validated. Decoding it (with
 * `decodeTraceRecord` after the queue, or the decoders in ../otlp) yields exactly `spanCount` spans.
 */
export interface ReceivedTraceRequest {
  format: OtlpFormat;
  /** Decompressed request body, byte for byte (what a durable queue should store). */
  body: Uint8Array;
  /** Valid spans in the body. */
  spanCount: number;
  /** Spans the body carries that decoding leaves out (invalid ids), reported through partial_success. */
  rejectedSpans: number;
}

export type AcceptResult = 'accepted' | 'full' | 'closed';

export interface OtlpHttpReceiverOptions {
  /** `host:port`; default `localhost:4318`. Port 0 picks a free port. */
  endpoint?: string;
  /**
   * Called for every valid request with at least one span; answer only once it is durable. The
   * body's memory is used again for later requests once the answer is given: keep no view of it.
   */
  accept: (request: ReceivedTraceRequest) => Promise<AcceptResult>;
  /** Largest body accepted off the wire (compressed or not). Default 64 MiB. */
  maxRequestBytes?: number;
  /** Largest body after inflating gzip/deflate. Default 64 MiB. */
  maxDecompressedBytes?: number;
  /** When set, /v1/traces requires `Authorization: Bearer <token>`. Health endpoints never do. */
  bearerToken?: string;
  /** `Retry-After` for 429 and 503, in whole seconds. Default 2 (below the SDKs' 10 s export timeout). */
  retryAfterSeconds?: number;
  /** Told about unexpected failures (a throwing `accept`), which clients see as 503. */
  onError?: (error: unknown) => void;
}

/** Counters for self-telemetry; read them, never write them. */
export interface ReceiverStats {
  requests: number;
  acceptedSpans: number;
  /** Spans refused through partial_success (invalid ids). */
  rejectedSpans: number;
  /** Requests answered with a status other than 200, by status code. */
  refusedRequests: Record<number, number>;
}

const MIB = 1024 * 1024;
/** Bodies joined into pooled buffers at most this large (OTel SDKs send a few MiB at most). */
const MAX_POOLED_BODY_BYTES = 4 * MIB;
const TRACES_PATH = '/v1/traces';

/** Thrown inside request handling to end it with a given status and google.rpc.Status body. */
class HttpFailure extends Error {
  readonly httpStatus: number;
  readonly rpcCode: number;
  readonly headers: Record<string, string>;

  constructor(httpStatus: number, rpcCode: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.httpStatus = httpStatus;
    this.rpcCode = rpcCode;
    this.headers = headers;
  }
}

export class OtlpHttpReceiver {
  readonly stats: ReceiverStats = { requests: 0, acceptedSpans: 0, rejectedSpans: 0, refusedRequests: {} };
  private readonly options: OtlpHttpReceiverOptions;
  private readonly host: string;
  private readonly port: number;
  private readonly maxRequestBytes: number;
  private readonly maxDecompressedBytes: number;
  private readonly retryAfter: string;
  private readonly expectedAuthorization: Buffer | null;
  /**
   * Buffers that bodies arriving in several chunks are joined into, handed out again once the queue
   * has the body (see buffer-pool.ts). Bodies of a few MiB at most: a rare huge one is not kept.
   */
  private readonly bodyBuffers = new BufferPool({ maxPooledBytes: 16 * MIB });
  private server: Server | null = null;
  private ready = false;
  private stopping = false;

  constructor(options: OtlpHttpReceiverOptions) {
    this.options = options;
    const { host, port } = parseEndpoint(options.endpoint ?? 'localhost:4318');
    this.host = host;
    this.port = port;
    this.maxRequestBytes = options.maxRequestBytes ?? 64 * MIB;
    this.maxDecompressedBytes = options.maxDecompressedBytes ?? 64 * MIB;
    this.retryAfter = String(Math.max(1, Math.round(options.retryAfterSeconds ?? 2)));
    this.expectedAuthorization = options.bearerToken ? Buffer.from(`Bearer ${options.bearerToken}`) : null;
  }

  /** Starts listening; resolves with the bound address (the real port when 0 was asked for). */
  async start(): Promise<{ host: string; port: number }> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.options.onError?.(error);
        if (!res.headersSent) this.sendStatus(res, 'json', new HttpFailure(500, RpcCode.INTERNAL, 'internal error'));
        else res.destroy();
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  /** /readyz answers 200 only while ready; the pipeline sets it once started and clears it to drain. */
  setReady(ready: boolean): void {
    this.ready = ready;
  }

  /**
   * Stops taking requests: new ones get 503, requests in flight finish (their data is either
   * durably accepted or refused), then the server closes.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.ready = false;
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  // ---- request handling -------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/healthz') return this.sendText(res, 200, 'ok\n');
    if (path === '/readyz') return this.ready && !this.stopping ? this.sendText(res, 200, 'ready\n') : this.sendText(res, 503, 'not ready\n');
    if (path !== TRACES_PATH) return this.sendText(res, 404, 'not found\n');

    this.stats.requests++;
    const format = formatOf(req.headers['content-type']);
    const replyFormat: OtlpFormat = format ?? 'json';
    try {
      if (req.method !== 'POST') {
        throw new HttpFailure(405, RpcCode.UNIMPLEMENTED, `method ${req.method} is not allowed on ${TRACES_PATH}; use POST`, { Allow: 'POST' });
      }
      this.authenticate(req);
      if (!format) {
        throw new HttpFailure(
          415,
          RpcCode.INVALID_ARGUMENT,
          `unsupported content type ${JSON.stringify(req.headers['content-type'] ?? '')}; use application/x-protobuf or application/json`,
        );
      }
      if (this.stopping) throw this.unavailable('the collector is shutting down');
      const { body, pooled } = await this.readBody(req);
      const checked = validate(format, body);
      if (checked.spanCount > 0) {
        let result: AcceptResult;
        try {
          result = await this.options.accept({ format, body, spanCount: checked.spanCount, rejectedSpans: checked.rejectedSpans });
        } catch (error) {
          // Not given back: a failed accept may not have let go of the body.
          this.options.onError?.(error);
          throw this.unavailable('the collector could not store the request; retry later');
        }
        // Accepted (written and synced) or refused: either way `accept` is done with the body.
        if (pooled) this.bodyBuffers.give(pooled);
        if (result === 'full') {
          throw new HttpFailure(429, RpcCode.RESOURCE_EXHAUSTED, 'the collector queue is full; retry later', { 'Retry-After': this.retryAfter });
        }
        if (result === 'closed') throw this.unavailable('the collector is shutting down');
      } else if (pooled) {
        this.bodyBuffers.give(pooled);
      }
      this.stats.acceptedSpans += checked.spanCount;
      this.stats.rejectedSpans += checked.rejectedSpans;
      const response = encodeExportTraceResponse(format, {
        rejectedSpans: checked.rejectedSpans,
        errorMessage: checked.rejectionMessage,
      });
      this.send(res, 200, contentTypeOf(format), response);
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error;
      this.sendStatus(res, replyFormat, error);
      // Stop reading a body we refused; the client must not keep the connection busy uploading it.
      if (!req.complete) req.resume();
    }
  }

  private authenticate(req: IncomingMessage): void {
    const expected = this.expectedAuthorization;
    if (!expected) return;
    const presented = Buffer.from(req.headers.authorization ?? '');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      throw new HttpFailure(401, RpcCode.UNAUTHENTICATED, 'missing or invalid bearer token', {
        'WWW-Authenticate': 'Bearer realm="spendtrace"',
      });
    }
  }

  private unavailable(message: string): HttpFailure {
    return new HttpFailure(503, RpcCode.UNAVAILABLE, message, { 'Retry-After': this.retryAfter });
  }

  /**
   * Reads the body under the raw limit, then inflates it under the decompressed limit. `pooled` is
   * the buffer from `bodyBuffers` the body is a view of, if it is one.
   */
  private async readBody(req: IncomingMessage): Promise<{ body: Uint8Array; pooled?: Buffer }> {
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    const inflater = INFLATERS[encoding];
    if (encoding !== 'identity' && !inflater) {
      throw new HttpFailure(415, RpcCode.INVALID_ARGUMENT, `unsupported content encoding ${JSON.stringify(encoding)}; use gzip, deflate, zstd or none`);
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxRequestBytes) throw this.tooLarge('request body', this.maxRequestBytes);
    const { body: raw, pooled } = await this.readRaw(req);
    if (!inflater) {
      if (raw.length > this.maxDecompressedBytes) throw this.tooLarge('request body', this.maxDecompressedBytes);
      return pooled ? { body: raw, pooled } : { body: raw };
    }
    try {
      // zlib stops producing output at maxOutputLength, so the limit holds during inflation.
      const inflated = await inflater(raw, { maxOutputLength: this.maxDecompressedBytes });
      if (pooled) this.bodyBuffers.give(pooled);
      return { body: inflated };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
        throw this.tooLarge('decompressed request body', this.maxDecompressedBytes);
      }
      throw new HttpFailure(400, RpcCode.INVALID_ARGUMENT, `cannot decompress ${encoding} body: ${(error as Error).message}`);
    }
  }

  private readRaw(req: IncomingMessage): Promise<{ body: Buffer; pooled?: Buffer }> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let length = 0;
      const onData = (chunk: Buffer): void => {
        length += chunk.length;
        if (length > this.maxRequestBytes) {
          cleanup();
          reject(this.tooLarge('request body', this.maxRequestBytes));
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = (): void => {
        cleanup();
        if (chunks.length === 1) return resolve({ body: chunks[0]! });
        if (length > MAX_POOLED_BODY_BYTES) return resolve({ body: Buffer.concat(chunks, length) });
        const pooled = this.bodyBuffers.take(length);
        let at = 0;
        for (const chunk of chunks) at += chunk.copy(pooled, at);
        resolve({ body: pooled.subarray(0, length), pooled });
      };
      const onError = (error: Error): void => {
        cleanup();
        reject(new HttpFailure(400, RpcCode.INVALID_ARGUMENT, `request body could not be read: ${error.message}`));
      };
      const cleanup = (): void => {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', onError);
      };
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onError);
    });
  }

  private tooLarge(what: string, limit: number): HttpFailure {
    return new HttpFailure(413, RpcCode.INVALID_ARGUMENT, `${what} exceeds the limit of ${limit} bytes`);
  }

  private sendStatus(res: ServerResponse, format: OtlpFormat, failure: HttpFailure): void {
    this.stats.refusedRequests[failure.httpStatus] = (this.stats.refusedRequests[failure.httpStatus] ?? 0) + 1;
    const status: RpcStatus = { code: failure.rpcCode, message: failure.message };
    for (const [name, value] of Object.entries(failure.headers)) res.setHeader(name, value);
    // Refusing a body mid-upload: close the connection so the rest of it is not read.
    if (failure.httpStatus === 413) res.setHeader('Connection', 'close');
    this.send(res, failure.httpStatus, contentTypeOf(format), encodeRpcStatus(format, status));
  }

  private sendText(res: ServerResponse, status: number, text: string): void {
    this.send(res, status, 'text/plain; charset=utf-8', Buffer.from(text));
  }

  private send(res: ServerResponse, status: number, contentType: string, body: Uint8Array): void {
    res.statusCode = status;
    // While stopping, do not keep connections alive: the server can only close once they end.
    if (this.stopping) res.setHeader('Connection', 'close');
    res.setHeader('Content-Type', contentType);
    res.setHeader('Content-Length', body.byteLength);
    res.end(body);
  }
}

type Inflater = (input: InputType, options: ZlibOptions) => Promise<Buffer>;
const gunzipAsync = promisify(gunzip) as Inflater;
const inflateAsync = promisify(inflate) as Inflater;
const inflateRawAsync = promisify(inflateRaw) as Inflater;
const zstdAsync = promisify(zstdDecompress) as Inflater;

/**
 * HTTP's "deflate" is the zlib format, but some clients send a bare deflate stream; a zlib header
 * check failure is retried as raw deflate so both work.
 */
const inflateEitherAsync: Inflater = (input, options) =>
  inflateAsync(input, options).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'Z_DATA_ERROR' && /header/.test(error.message)) return inflateRawAsync(input, options);
    throw error;
  });

/** Supported Content-Encodings: gzip as OTLP requires, plus what the OpenTelemetry Collector also takes. */
const INFLATERS: Record<string, Inflater | undefined> = {
  gzip: gunzipAsync,
  'x-gzip': gunzipAsync,
  deflate: inflateEitherAsync,
  zstd: zstdAsync,
};

/**
 * Checks a body before it is acknowledged. Protobuf is scanned (same checks as decoding, no span
 * objects built: the consumer decodes it later); JSON has no cheaper check than decoding it.
 */
function validate(format: OtlpFormat, body: Uint8Array): TraceRequestScan {
  try {
    if (format === 'protobuf') return scanTraceRequestProtobuf(body);
    const decoded = decodeTraceRequestJson(body);
    return { spanCount: decoded.spans.length, rejectedSpans: decoded.rejectedSpans, rejectionMessage: decoded.rejectionMessage };
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw new HttpFailure(400, RpcCode.INVALID_ARGUMENT, error.message);
    throw error;
  }
}

/** Media type without parameters (`; charset=utf-8`), case-insensitive. */
export function formatOf(contentType: string | undefined): OtlpFormat | undefined {
  if (!contentType) return undefined;
  const mediaType = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return undefined;
}

/** `host:port`, `[v6]:port` or `:port` (all interfaces). */
export function parseEndpoint(endpoint: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(endpoint.trim());
  if (!match) throw new Error(`invalid endpoint ${JSON.stringify(endpoint)}: expected host:port`);
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`invalid endpoint ${JSON.stringify(endpoint)}: port must be 0-65535`);
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}
