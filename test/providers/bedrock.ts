/**
 * Bedrock half of the local provider server: the runtime API's Converse, ConverseStream, InvokeModel
 * and InvokeModelWithResponseStream (Anthropic model bodies), with streams in the real binary
 * event-stream framing (eventstream.ts), over HTTP/1.1 or HTTP/2 cleartext: the Bedrock runtime
 * client speaks HTTP/2 only, so the factory teaches the server to accept it.
 *
 * Usage follows Bedrock's wire forms: Converse reports `inputTokens` without the cached part
 * (`cacheReadInputTokens` / `cacheWriteInputTokens` beside it), and Anthropic bodies report
 * `input_tokens` without `cache_read_input_tokens` / `cache_creation_input_tokens`. The scenario's
 * usage is in OpenTelemetry semantics and is converted: wire input = input − cacheRead − cacheWrite.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { constants as httpConstants, createServer as createHttp2Server } from 'node:http2';
import type { Http2ServerRequest } from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { EVENT_STREAM_CONTENT_TYPE, encodeEvent, encodeException } from './eventstream.ts';
import { createHash } from 'node:crypto';
import { acceptRequest, estimateInputTokens, replyPieces, resolveUsage, sendJson, sleep } from './shared.ts';
import type { ProviderHandler, ResolvedUsage, Scenario } from './shared.ts';

type Body = Record<string, unknown>;

/** The Anthropic model name Bedrock reports for a model id, profile and ARN forms included. */
export function anthropicModelName(modelId: string): string {
  const tail = modelId.split('/').at(-1) ?? modelId;
  return tail.replace(/^(?:[a-z]{2,6}\.)?anthropic\./, '').replace(/-v\d+(?::\d+)?$/, '');
}

/** restJson1 errors: the SDK reads the modelled error type from `__type`. */
function errorBody(status: number, message: string): unknown {
  const type = status === 429 ? 'ThrottlingException' : status >= 500 ? 'InternalServerException' : 'ValidationException';
  return { __type: type, message };
}

function converseUsage(u: ResolvedUsage): Record<string, number> {
  return {
    inputTokens: Math.max(0, u.input - u.cacheRead - u.cacheWrite),
    outputTokens: u.output,
    totalTokens: u.input + u.output,
    ...(u.cacheRead > 0 || u.cacheWrite > 0 ? { cacheReadInputTokens: u.cacheRead, cacheWriteInputTokens: u.cacheWrite } : {}),
  };
}

function anthropicUsage(u: ResolvedUsage, outputTokens: number): Record<string, number> {
  return {
    input_tokens: Math.max(0, u.input - u.cacheRead - u.cacheWrite),
    cache_creation_input_tokens: u.cacheWrite,
    cache_read_input_tokens: u.cacheRead,
    output_tokens: outputTokens,
  };
}

function stopReasonOf(body: Body, pieces: string[], maxTokensKey: 'max_tokens' | 'maxTokens'): string {
  const config = maxTokensKey === 'maxTokens' ? (body.inferenceConfig as Body | undefined) : body;
  const max = config?.[maxTokensKey];
  return typeof max === 'number' && max < pieces.length ? 'max_tokens' : 'end_turn';
}

function converseInputTokens(body: Body): number {
  return estimateInputTokens(body.messages, [body.system]);
}

async function converse(res: ServerResponse, body: Body, scenario: Scenario, stream: boolean): Promise<void> {
  const pieces = replyPieces(scenario);
  const usage = resolveUsage(scenario, converseInputTokens(body), pieces.length);
  const stopReason = stopReasonOf(body, pieces, 'maxTokens');
  if (!stream) {
    sendJson(res, 200, {
      metrics: { latencyMs: 120 },
      output: { message: { role: 'assistant', content: [{ text: pieces.join('') }] } },
      stopReason,
      usage: converseUsage(usage),
    });
    return;
  }
  const frames = new FrameWriter(res, scenario);
  await frames.send(encodeEvent('messageStart', { role: 'assistant' }));
  for (const piece of pieces) {
    if (!frames.beforeTextChunk()) return;
    await frames.send(encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: piece } }));
  }
  await frames.send(encodeEvent('contentBlockStop', { contentBlockIndex: 0 }));
  await frames.send(encodeEvent('messageStop', { stopReason }));
  await frames.send(encodeEvent('metadata', { usage: converseUsage(usage), metrics: { latencyMs: 120 } }));
  frames.end();
}

/** Ids are a function of the request, so the same request gets a byte-identical response. */
function requestHash(modelId: string, body: unknown): string {
  return createHash('sha256').update(`${modelId}\n${JSON.stringify(body)}`).digest('hex').slice(0, 24);
}

function chunk(event: object): Uint8Array {
  return encodeEvent('chunk', { bytes: Buffer.from(JSON.stringify(event)).toString('base64') });
}

async function invoke(res: ServerResponse, modelId: string, body: Body, scenario: Scenario, stream: boolean): Promise<void> {
  const pieces = replyPieces(scenario);
  const usage = resolveUsage(scenario, estimateInputTokens(body.messages, [body.system]), pieces.length);
  const stopReason = stopReasonOf(body, pieces, 'max_tokens');
  const message = {
    id: `msg_bdrk_${requestHash(modelId, body)}`,
    type: 'message',
    role: 'assistant',
    model: scenario.responseModel ?? anthropicModelName(modelId),
    content: [{ type: 'text', text: pieces.join('') }],
    stop_reason: stopReason,
    stop_sequence: null,
    usage: anthropicUsage(usage, usage.output),
  };
  if (!stream) {
    const text = JSON.stringify(message);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-amzn-bedrock-input-token-count': String(usage.input - usage.cacheRead - usage.cacheWrite),
      'x-amzn-bedrock-output-token-count': String(usage.output),
      'x-amzn-bedrock-invocation-latency': '120',
    });
    res.end(text);
    return;
  }
  const frames = new FrameWriter(res, scenario);
  await frames.send(chunk({ type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: anthropicUsage(usage, 1) } }));
  await frames.send(chunk({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
  for (const piece of pieces) {
    if (!frames.beforeTextChunk()) return;
    await frames.send(chunk({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }));
  }
  await frames.send(chunk({ type: 'content_block_stop', index: 0 }));
  await frames.send(chunk({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output } }));
  await frames.send(
    chunk({
      type: 'message_stop',
      'amazon-bedrock-invocationMetrics': {
        inputTokenCount: usage.input - usage.cacheRead - usage.cacheWrite,
        outputTokenCount: usage.output,
        invocationLatency: 120,
        firstByteLatency: 40,
      },
    }),
  );
  frames.end();
}

/**
 * Writes event-stream frames, honouring `chunkDelayMs` and `disconnectAfter`; the
 * `x-mock-fault: stream_exception` header ends the stream with a modelled `throttlingException`
 * frame after the first text chunk instead. Kept apart from the SSE writer it resembles: frames are
 * binary, and a connection here is cut by an HTTP/2 reset, not a socket close.
 */
class FrameWriter {
  private readonly res: ServerResponse;
  private readonly scenario: Scenario;
  private readonly streamException: boolean;
  private textChunks = 0;

  constructor(res: ServerResponse, scenario: Scenario) {
    this.res = res;
    this.scenario = scenario;
    this.streamException = res.req.headers['x-mock-fault'] === 'stream_exception';
    res.writeHead(200, { 'content-type': EVENT_STREAM_CONTENT_TYPE, 'x-amzn-requestid': requestHash('', res.req.url ?? '') });
  }

  async send(frame: Uint8Array): Promise<void> {
    this.res.write(frame);
    if (this.scenario.chunkDelayMs) await sleep(this.scenario.chunkDelayMs);
  }

  beforeTextChunk(): boolean {
    if (this.streamException && this.textChunks >= 1) {
      this.res.end(encodeException('throttlingException', 'Too many tokens, please wait before trying again.'));
      return false;
    }
    if (this.scenario.disconnectAfter !== undefined && this.textChunks >= this.scenario.disconnectAfter) {
      // Give the frames already written time to reach the client: an HTTP/2 reset discards queued data.
      const req = this.res.req;
      setTimeout(() => dropConnection(req), 20);
      return false;
    }
    this.textChunks++;
    return true;
  }

  end(): void {
    this.res.end();
  }
}

const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/;

/** Handles a Bedrock runtime request; returns false when the path is not one of ours. */
export async function handleBedrock(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<boolean> {
  if (req.method !== 'POST') return false;
  const match = ROUTE.exec(url.pathname);
  if (!match?.[1] || !match[2]) return false;
  const modelId = decodeURIComponent(match[1]);
  const action = match[2];
  const request = acceptRequest(req, res, body, { name: 'bedrock', errorBody, badJson: 'Malformed input request, please reformat your input and try again.' });
  if (!request) return true;
  const { scenario, parsed } = request;
  const invokes = action === 'invoke' || action === 'invoke-with-response-stream';
  if (invokes && !modelId.includes('anthropic.')) {
    sendJson(res, 400, errorBody(400, 'The local provider answers InvokeModel for Anthropic models only.'));
    return true;
  }
  if (scenario.delayMs) await sleep(scenario.delayMs);
  if ((action === 'converse' || action === 'invoke') && scenario.disconnectAfter !== undefined) {
    dropConnection(req);
    return true;
  }
  if (invokes) await invoke(res, modelId, parsed, scenario, action === 'invoke-with-response-stream');
  else await converse(res, parsed, scenario, action === 'converse-stream');
  return true;
}

/** The Bedrock provider for one server: HTTP/2 cleartext is enabled on it, then requests are routed. */
export function bedrockProvider(server: HttpServer): ProviderHandler {
  acceptHttp2Cleartext(server);
  return handleBedrock;
}

const HTTP2_PREFACE = 'PRI * HTTP/2.0';

/**
 * Lets an HTTP/1.1 server also answer HTTP/2 over cleartext with prior knowledge, which is what the
 * Bedrock runtime client speaks by default (its request handler is HTTP/2 only). The first bytes of
 * each connection decide: the HTTP/2 preface goes to an `http2` server whose requests are re-emitted
 * on `server` (the compatibility API's request and response mirror `http`'s), anything else to the
 * HTTP/1.1 machinery as usual.
 */
export function acceptHttp2Cleartext(server: HttpServer): void {
  const h2 = createHttp2Server();
  h2.on('request', (req, res) => server.emit('request', req, res));
  const http1Listeners = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    socket.once('data', (first: Buffer) => {
      if (first.subarray(0, HTTP2_PREFACE.length).toString('latin1') === HTTP2_PREFACE) {
        // nghttp2 reads a net.Socket's handle directly and would miss bytes already read here, so
        // the session gets a stream that replays them first.
        h2.emit('connection', replaying(socket, first));
        return;
      }
      socket.pause();
      socket.unshift(first);
      for (const listener of http1Listeners) listener.call(server, socket);
      socket.resume();
    });
  });
  server.on('close', () => h2.close());
}

/** A duplex over `socket` whose readable side starts with `first`. */
function replaying(socket: Socket, first: Buffer): Duplex {
  const duplex = new Duplex({
    read: () => {
      socket.resume();
    },
    write: (chunk: Buffer, _encoding, callback) => {
      socket.write(chunk, callback);
    },
    final: (callback) => {
      socket.end(callback);
    },
    destroy: (error, callback) => {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  duplex.push(first);
  socket.on('data', (data: Buffer) => {
    if (!duplex.push(data)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('error', (error) => duplex.destroy(error));
  socket.on('close', () => duplex.destroy());
  return duplex;
}

/** Drops a request's connection (HTTP/1.1) or resets its stream (HTTP/2) without an answer. */
export function dropConnection(req: IncomingMessage | Http2ServerRequest): void {
  if ('stream' in req) req.stream.close(httpConstants.NGHTTP2_INTERNAL_ERROR);
  else req.socket.destroy();
}
