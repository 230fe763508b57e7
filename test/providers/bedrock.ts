/**
 * Bedrock half of the local provider server: the runtime API's Converse, ConverseStream, InvokeModel
 * and InvokeModelWithResponseStream for Anthropic model bodies, with streams in the real binary
 * event-stream framing (see eventstream.ts).
 *
 * Usage is deterministic and shaped like Bedrock's: Converse reports `inputTokens` without the
 * cached part (`cacheReadInputTokens` / `cacheWriteInputTokens` beside it), and Anthropic bodies
 * report `input_tokens` without `cache_read_input_tokens` / `cache_creation_input_tokens`.
 * The text before a cache point is written to the cache the first time this server sees it and
 * read from it afterwards, as a real prompt cache behaves.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { constants as httpConstants, createServer as createHttp2Server } from 'node:http2';
import type { Http2ServerRequest } from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { approxTokens } from './gemini.ts';
import { EVENT_STREAM_CONTENT_TYPE, encodeEvent, encodeException } from './eventstream.ts';

/** Failures a request can ask for with the `x-mock-fault` header. */
export type BedrockFault = 'rate_limit' | 'server_error' | 'disconnect' | 'stream_exception';

interface ConverseBlock {
  text?: string;
  cachePoint?: { type: string };
}
interface ConverseRequest {
  messages?: Array<{ role: string; content?: ConverseBlock[] }>;
  system?: ConverseBlock[];
  inferenceConfig?: { maxTokens?: number };
}
interface AnthropicBlock {
  type?: string;
  text?: string;
  cache_control?: { type: string; ttl?: string };
}
interface AnthropicRequest {
  max_tokens?: number;
  system?: string | AnthropicBlock[];
  messages?: Array<{ role: string; content: string | AnthropicBlock[] }>;
}

/** Splits a prompt at its last cache marker: the text before is cacheable, the rest is not. */
interface PromptParts {
  cacheable: string;
  rest: string;
  lastUserText: string;
}

function converseParts(request: ConverseRequest): PromptParts {
  const blocks: ConverseBlock[] = [...(request.system ?? []), ...(request.messages ?? []).flatMap((m) => m.content ?? [])];
  const lastCachePoint = blocks.findLastIndex((block) => block.cachePoint !== undefined);
  const textOf = (list: ConverseBlock[]): string => list.map((block) => block.text ?? '').join('\n');
  const lastUser = (request.messages ?? []).filter((m) => m.role === 'user').at(-1);
  return {
    cacheable: lastCachePoint < 0 ? '' : textOf(blocks.slice(0, lastCachePoint)),
    rest: textOf(lastCachePoint < 0 ? blocks : blocks.slice(lastCachePoint + 1)),
    lastUserText: textOf(lastUser?.content ?? []),
  };
}

function anthropicParts(request: AnthropicRequest): PromptParts {
  const asBlocks = (content: string | AnthropicBlock[] | undefined): AnthropicBlock[] =>
    content === undefined ? [] : typeof content === 'string' ? [{ type: 'text', text: content }] : content;
  const blocks = [...asBlocks(request.system), ...(request.messages ?? []).flatMap((m) => asBlocks(m.content))];
  const lastMarked = blocks.findLastIndex((block) => block.cache_control !== undefined);
  const textOf = (list: AnthropicBlock[]): string => list.map((block) => block.text ?? '').join('\n');
  const lastUser = (request.messages ?? []).filter((m) => m.role === 'user').at(-1);
  return {
    cacheable: textOf(blocks.slice(0, lastMarked + 1)),
    rest: textOf(blocks.slice(lastMarked + 1)),
    lastUserText: textOf(asBlocks(lastUser?.content)),
  };
}

interface Answer {
  text: string;
  stopReason: 'end_turn' | 'max_tokens';
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
}

/** The Anthropic model name Bedrock reports for a model id, profile and ARN forms included. */
export function anthropicModelName(modelId: string): string {
  const tail = modelId.split('/').at(-1) ?? modelId;
  return tail.replace(/^(?:[a-z]{2,4}\.)?anthropic\./, '').replace(/-v\d+(?::\d+)?$/, '');
}

export class BedrockProvider {
  /** Cacheable prefixes seen so far: the first request writes the cache, later ones read it. */
  private readonly cache = new Set<string>();

  private answer(parts: PromptParts, maxTokens: number | undefined): Answer {
    let cacheRead = 0;
    let cacheWrite = 0;
    if (parts.cacheable) {
      const tokens = approxTokens(parts.cacheable);
      if (this.cache.has(parts.cacheable)) cacheRead = tokens;
      else {
        this.cache.add(parts.cacheable);
        cacheWrite = tokens;
      }
    }
    let text = `Bedrock says: ${parts.lastUserText.trim() || 'hello'}. That is all.`;
    let stopReason: Answer['stopReason'] = 'end_turn';
    if (maxTokens !== undefined && approxTokens(text) > maxTokens) {
      text = text.slice(0, maxTokens * 4);
      stopReason = 'max_tokens';
    }
    return { text, stopReason, input: parts.rest ? approxTokens(parts.rest) : 1, cacheRead, cacheWrite, output: approxTokens(text) };
  }

  /** Handles a Bedrock runtime request; returns false when the path is not one of ours. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, body: string): boolean {
    if (req.method !== 'POST') return false;
    const match = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/.exec(url.pathname);
    if (!match?.[1] || !match[2]) return false;
    const modelId = decodeURIComponent(match[1]);
    const action = match[2];
    const fault = faultOf(req);
    if (fault === 'rate_limit') return sendError(res, 429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
    if (fault === 'server_error') return sendError(res, 500, 'InternalServerException', 'The server encountered an internal error.');
    if (fault === 'disconnect' && (action === 'converse' || action === 'invoke')) {
      dropConnection(req);
      return true;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body || '{}');
    } catch {
      return sendError(res, 400, 'ValidationException', 'Malformed input request, please reformat your input and try again.');
    }
    if ((action === 'invoke' || action === 'invoke-with-response-stream') && !modelId.includes('anthropic.')) {
      return sendError(res, 400, 'ValidationException', 'The local provider answers InvokeModel for Anthropic models only.');
    }
    switch (action) {
      case 'converse': {
        const request = parsed as ConverseRequest;
        sendJson(res, 200, this.converseBody(this.answer(converseParts(request), request.inferenceConfig?.maxTokens)));
        return true;
      }
      case 'converse-stream': {
        const request = parsed as ConverseRequest;
        const answer = this.answer(converseParts(request), request.inferenceConfig?.maxTokens);
        writeFrames(res, converseStreamFrames(answer), fault);
        return true;
      }
      case 'invoke': {
        const request = parsed as AnthropicRequest;
        const answer = this.answer(anthropicParts(request), request.max_tokens);
        const text = JSON.stringify(anthropicMessage(modelId, answer, answer.output));
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          'x-amzn-bedrock-input-token-count': String(answer.input),
          'x-amzn-bedrock-output-token-count': String(answer.output),
          'x-amzn-bedrock-invocation-latency': '120',
        });
        res.end(text);
        return true;
      }
      default: {
        const request = parsed as AnthropicRequest;
        const answer = this.answer(anthropicParts(request), request.max_tokens);
        writeFrames(res, anthropicStreamFrames(modelId, answer), fault);
        return true;
      }
    }
  }

  private converseBody(answer: Answer): object {
    return {
      metrics: { latencyMs: 120 },
      output: { message: { role: 'assistant', content: [{ text: answer.text }] } },
      stopReason: answer.stopReason,
      usage: converseUsage(answer),
    };
  }
}

function converseUsage(answer: Answer): object {
  return {
    inputTokens: answer.input,
    outputTokens: answer.output,
    totalTokens: answer.input + answer.cacheRead + answer.cacheWrite + answer.output,
    ...(answer.cacheRead || answer.cacheWrite ? { cacheReadInputTokens: answer.cacheRead, cacheWriteInputTokens: answer.cacheWrite } : {}),
  };
}

function words(text: string): string[] {
  return text.split(/(?<= )/);
}

function converseStreamFrames(answer: Answer): Uint8Array[] {
  return [
    encodeEvent('messageStart', { role: 'assistant' }),
    ...words(answer.text).map((piece) => encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: piece } })),
    encodeEvent('contentBlockStop', { contentBlockIndex: 0 }),
    encodeEvent('messageStop', { stopReason: answer.stopReason }),
    encodeEvent('metadata', { usage: converseUsage(answer), metrics: { latencyMs: 120 } }),
  ];
}

function anthropicMessage(modelId: string, answer: Answer, outputTokens: number): object {
  return {
    id: 'msg_bdrk_01' + answer.text.length.toString(36).padStart(6, '0'),
    type: 'message',
    role: 'assistant',
    model: anthropicModelName(modelId),
    content: [{ type: 'text', text: answer.text }],
    stop_reason: answer.stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: answer.input,
      cache_creation_input_tokens: answer.cacheWrite,
      cache_read_input_tokens: answer.cacheRead,
      output_tokens: outputTokens,
    },
  };
}

function chunk(event: object): Uint8Array {
  return encodeEvent('chunk', { bytes: Buffer.from(JSON.stringify(event)).toString('base64') });
}

function anthropicStreamFrames(modelId: string, answer: Answer): Uint8Array[] {
  const start = { ...anthropicMessage(modelId, answer, 1), content: [], stop_reason: null };
  return [
    chunk({ type: 'message_start', message: start }),
    chunk({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    ...words(answer.text).map((piece) => chunk({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } })),
    chunk({ type: 'content_block_stop', index: 0 }),
    chunk({ type: 'message_delta', delta: { stop_reason: answer.stopReason, stop_sequence: null }, usage: { output_tokens: answer.output } }),
    chunk({
      type: 'message_stop',
      'amazon-bedrock-invocationMetrics': {
        inputTokenCount: answer.input,
        outputTokenCount: answer.output,
        invocationLatency: 120,
        firstByteLatency: 40,
      },
    }),
  ];
}

function writeFrames(res: ServerResponse, frames: Uint8Array[], fault: BedrockFault | undefined): void {
  res.writeHead(200, { 'content-type': EVENT_STREAM_CONTENT_TYPE, 'x-amzn-requestid': 'local-request' });
  for (const [index, frame] of frames.entries()) {
    res.write(frame);
    if (index !== 1) continue;
    if (fault === 'disconnect') {
      // Let the first frames reach the client before the connection drops.
      setTimeout(() => dropConnection(res.req), 20);
      return;
    }
    if (fault === 'stream_exception') {
      res.end(encodeException('throttlingException', 'Too many tokens, please wait before trying again.'));
      return;
    }
  }
  res.end();
}

function faultOf(req: IncomingMessage): BedrockFault | undefined {
  const value = req.headers['x-mock-fault'];
  return value === 'rate_limit' || value === 'server_error' || value === 'disconnect' || value === 'stream_exception' ? value : undefined;
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Bedrock's restJson1 errors: the type travels in `x-amzn-errortype`, the text in the body. */
function sendError(res: ServerResponse, status: number, type: string, message: string): true {
  const text = JSON.stringify({ message });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` });
  res.end(text);
  return true;
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
