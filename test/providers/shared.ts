/**
 * Helpers shared by the mock provider routes: reading requests, the scenario directive, the
 * deterministic token and reply rules, and writing JSON, SSE and error responses.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';

/** One request the server received, in arrival order. */
export interface RecordedRequest {
  method: string;
  /** Path with the query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Raw request body. */
  rawBody: Buffer;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  body: unknown;
  scenario: Scenario;
}

/**
 * Steers a response. Sent as JSON in the `x-mock-scenario` request header (SDKs take per-request
 * or default headers), e.g. `{"usage":{"input":1200,"cacheRead":1000,"output":40},"chunks":50}`.
 * Every field is optional; without any the response is computed from the request.
 */
export interface Scenario {
  /**
   * Usage in OpenTelemetry semantics (input includes cache reads and writes; output includes
   * reasoning); each route converts it to its provider's wire form.
   */
  usage?: {
    input?: number;
    output?: number;
    cacheRead?: number;
    /** Cache writes, 5 minute and 1 hour together. */
    cacheWrite?: number;
    /** Part of `cacheWrite` with the 1 hour TTL (Anthropic). */
    cacheWrite1h?: number;
    reasoning?: number;
  };
  /** Number of text pieces in the reply (one word each); default 8. */
  chunks?: number;
  /** Reply text; overrides `chunks`. Streamed one word per chunk. */
  text?: string;
  /** Response id; default: a per-process sequence (`chatcmpl-mock-7`, `msg_mock_7`, ...). */
  id?: string;
  /** Model the response names; default: the requested model. */
  responseModel?: string;
  /** Answer with an HTTP error instead. */
  error?: { status: number; retryAfter?: number; message?: string; /** Only the first N requests with this scenario fail. */ times?: number };
  /** Destroy the connection after this many streamed text chunks. */
  disconnectAfter?: number;
  /** Delay before the response starts, in ms. */
  delayMs?: number;
  /** Delay between streamed chunks, in ms. */
  chunkDelayMs?: number;
  /** Force (true) or suppress (false) a tool call; default: call the first tool when tools are given and no tool result is in the conversation yet. */
  toolCall?: boolean;
}

/**
 * A provider's part of the server: answers the request and returns true, or returns false when the
 * path is not one of its own. `body` is the raw request body as text.
 */
export type ProviderHandler = (req: IncomingMessage, res: ServerResponse, url: URL, body: string) => boolean | Promise<boolean>;

/** Builds a provider's handler for one server (handlers may keep per-server state or hook the server). */
export type ProviderHandlerFactory = (server: HttpServer) => ProviderHandler;

/**
 * The scenario of a request: the JSON `x-mock-scenario` header, plus the `x-mock-fault` shorthand
 * the other providers of this server understand (`rate_limit`, `server_error`, `disconnect`).
 */
export function scenarioOf(req: IncomingMessage): Scenario {
  const scenario = parseScenario(req.headers['x-mock-scenario']);
  const fault = req.headers['x-mock-fault'];
  if (fault === 'rate_limit') scenario.error ??= { status: 429, retryAfter: 1 };
  else if (fault === 'server_error') scenario.error ??= { status: 500 };
  else if (fault === 'disconnect') scenario.disconnectAfter ??= 1;
  return scenario;
}

/** Answers with the scenario's error when it has one that still applies; returns whether it did. */
export function sendScenarioError(
  res: ServerResponse,
  scenario: Scenario,
  key: string,
  body: ErrorBody,
): boolean {
  const error = scenario.error;
  if (!error) return false;
  if (error.times !== undefined) {
    const seen = errorCounts.get(key) ?? 0;
    if (seen >= error.times) return false;
    errorCounts.set(key, seen + 1);
  }
  const message = error.message ?? (error.status === 429 ? 'Rate limit reached, retry later' : 'The server had an error processing your request');
  sendJson(res, error.status, body(error.status, message), error.retryAfter !== undefined ? { 'retry-after': String(error.retryAfter) } : {});
  return true;
}
const errorCounts = new Map<string, number>();

/** A provider's own error format: the JSON body of an error response. */
export type ErrorBody = (status: number, message: string) => unknown;

/** What a provider handler needs to accept a request in its own words. */
export interface ProviderWording {
  /** Keys the counts of scenario errors given `times`. */
  name: string;
  errorBody: ErrorBody;
  /** The message of the 400 for a body that is not JSON. */
  badJson: string;
}

/**
 * The start every provider handler shares: the request's scenario and its JSON body. Returns
 * undefined when a response was already sent: the scenario's error, or a 400 for a body that is
 * not JSON.
 */
export function acceptRequest(
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
  provider: ProviderWording,
): { scenario: Scenario; parsed: Record<string, unknown> } | undefined {
  const scenario = scenarioOf(req);
  if (sendScenarioError(res, scenario, `${provider.name}:${req.headers['x-mock-scenario'] ?? ''}`, provider.errorBody)) return undefined;
  try {
    return { scenario, parsed: JSON.parse(body || '{}') as Record<string, unknown> };
  } catch {
    sendJson(res, 400, provider.errorBody(400, provider.badJson));
    return undefined;
  }
}

let sequence = 0;
/** Process-wide sequence for response ids, so ids are distinct and readable in traces. */
export function nextSequence(): number {
  return ++sequence;
}

/** Token estimate for a text: one token per four characters, rounded up, at least one. */
export function textTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** All text in a JSON value (message contents, system prompts, tool results), in document order. */
export function collectText(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) collectText(item, out);
  else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of ['text', 'content', 'input', 'system', 'instructions', 'parts', 'messages']) {
      if (key in record) collectText(record[key], out);
    }
  }
  return out;
}

/**
 * Input tokens of a request when the scenario does not fix them: `ceil(chars / 4)` of each text
 * piece of the prompt, plus 3 per message for the chat framing.
 */
export function estimateInputTokens(messages: unknown, extra: unknown[] = []): number {
  const list = Array.isArray(messages) ? messages : messages === undefined ? [] : [messages];
  let tokens = 3 * list.length;
  for (const text of collectText(list)) tokens += textTokens(text);
  for (const text of collectText(extra)) tokens += textTokens(text);
  return Math.max(tokens, 1);
}

const WORDS = ['Sure', 'here', 'is', 'a', 'short', 'deterministic', 'mock', 'reply', 'from', 'the', 'local', 'provider'];

/** The reply as pieces, one per streamed chunk; one output token each. */
export function replyPieces(scenario: Scenario): string[] {
  if (scenario.text !== undefined) return scenario.text.split(/(?<= )/);
  const count = Math.max(1, scenario.chunks ?? 8);
  const pieces: string[] = [];
  for (let i = 0; i < count; i++) pieces.push((i === 0 ? '' : ' ') + WORDS[i % WORDS.length]);
  return pieces;
}

/** Usage in OpenTelemetry semantics with every field filled. */
export interface ResolvedUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cacheWrite1h: number;
  reasoning: number;
}

export function resolveUsage(scenario: Scenario, estimatedInput: number, outputPieces: number): ResolvedUsage {
  const u = scenario.usage ?? {};
  const reasoning = u.reasoning ?? 0;
  return {
    input: u.input ?? estimatedInput + (u.cacheRead ?? 0) + (u.cacheWrite ?? 0),
    output: u.output ?? outputPieces + reasoning,
    cacheRead: u.cacheRead ?? 0,
    cacheWrite: u.cacheWrite ?? 0,
    cacheWrite1h: u.cacheWrite1h ?? 0,
    reasoning,
  };
}

export function parseScenario(header: string | string[] | undefined): Scenario {
  const raw = Array.isArray(header) ? header[header.length - 1] : header;
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' ? (parsed as Scenario) : {};
  } catch {
    throw new ScenarioError(`x-mock-scenario is not JSON: ${raw}`);
  }
}

export class ScenarioError extends Error {}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes an SSE response event by event, honouring `chunkDelayMs` and `disconnectAfter`. */
export class SseWriter {
  private readonly res: ServerResponse;
  private readonly scenario: Scenario;
  private textChunks = 0;

  constructor(res: ServerResponse, scenario: Scenario) {
    this.res = res;
    this.scenario = scenario;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  }

  /** Writes one event; `event` omitted for OpenAI chat's data-only events. */
  async send(data: unknown, event?: string): Promise<void> {
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    this.res.write(`${event ? `event: ${event}\n` : ''}data: ${text}\n\n`);
    if (this.scenario.chunkDelayMs) await sleep(this.scenario.chunkDelayMs);
  }

  /**
   * Counts a text chunk about to be written; returns false (after cutting the connection) when the
   * scenario asks to disconnect here. What was written before is flushed first, so the client sees
   * those chunks and then a dropped connection, as with a real mid-stream failure.
   */
  async beforeTextChunk(): Promise<boolean> {
    if (this.scenario.disconnectAfter !== undefined && this.textChunks >= this.scenario.disconnectAfter) {
      await new Promise<void>((resolve) => this.res.write('', () => resolve()));
      await sleep(10);
      this.res.socket?.destroy();
      return false;
    }
    this.textChunks++;
    return true;
  }

  end(): void {
    this.res.end();
  }
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
