/**
 * Gemini half of the local provider server: the Gemini API (`/{version}/models/{model}:{method}`)
 * and Vertex AI (`/{version}/projects/{p}/locations/{l}/publishers/google/models/{model}:{method}`,
 * and the express-mode form without project and location). Methods: generateContent,
 * streamGenerateContent (`?alt=sse`), embedContent, batchEmbedContents and Vertex's predict.
 *
 * Usage follows Gemini's wire form: `promptTokenCount` includes `cachedContentTokenCount`, and
 * thinking is reported in `thoughtsTokenCount`, outside `candidatesTokenCount`. The scenario's usage
 * is in OpenTelemetry semantics and is converted: candidates = output − reasoning. Every streamed
 * chunk carries the usage so far, the last one the totals, as the API does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { acceptRequest, collectText, replyPieces, resolveUsage, sendJson, sleep, textTokens } from './shared.ts';
import type { ResolvedUsage, Scenario } from './shared.ts';

type Body = Record<string, unknown>;

export interface GeminiRoute {
  /** `gemini` for the Gemini API, `vertex` for Vertex AI paths. */
  backend: 'gemini' | 'vertex';
  model: string;
  method: string;
}

const ROUTE = /^\/[^/]+\/(?:projects\/[^/]+\/locations\/[^/]+\/)?(publishers\/google\/)?models\/([^/:]+):([A-Za-z]+)$/;

/** Parses a Gemini or Vertex model-method path, or undefined when the path is not one. */
export function parseGeminiPath(pathname: string): GeminiRoute | undefined {
  const match = ROUTE.exec(pathname);
  if (!match?.[2] || !match[3]) return undefined;
  return { backend: match[1] ? 'vertex' : 'gemini', model: decodeURIComponent(match[2]), method: match[3] };
}

function errorBody(status: number, message: string): unknown {
  const state = status === 429 ? 'RESOURCE_EXHAUSTED' : status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT';
  return { error: { code: status, message, status: state } };
}

/** Gemini's usage block for OpenTelemetry-semantics usage; `candidates` may be a running count. */
export function geminiWireUsage(u: ResolvedUsage, candidates = u.output - u.reasoning): Record<string, number> {
  const wire: Record<string, number> = {
    promptTokenCount: u.input,
    candidatesTokenCount: candidates,
    totalTokenCount: u.input + candidates + u.reasoning,
  };
  if (u.cacheRead > 0) wire.cachedContentTokenCount = u.cacheRead;
  if (u.reasoning > 0) wire.thoughtsTokenCount = u.reasoning;
  return wire;
}

/** Prompt tokens: `ceil(chars / 4)` of each text piece plus 3 per content, like the other providers. */
function promptTokens(body: Body): number {
  const contents = Array.isArray(body.contents) ? body.contents : [];
  let tokens = 3 * contents.length;
  for (const text of [...collectText(contents), ...collectText(body.systemInstruction)]) tokens += textTokens(text);
  return Math.max(1, tokens);
}

function candidateCount(body: Body): number {
  const count = (body.generationConfig as { candidateCount?: unknown } | undefined)?.candidateCount;
  return typeof count === 'number' && count > 1 ? count : 1;
}

interface Reply {
  route: GeminiRoute;
  body: Body;
  scenario: Scenario;
  responseId: string;
  model: string;
}

function responseBody(reply: Reply, text: string, finishReason: string | undefined, usage: Record<string, number>): unknown {
  const candidates = Array.from({ length: candidateCount(reply.body) }, (_, index) => ({
    content: { role: 'model', parts: [{ text }] },
    ...(finishReason ? { finishReason } : {}),
    index,
  }));
  const vertex = reply.route.backend === 'vertex';
  return {
    candidates,
    usageMetadata: vertex ? { ...usage, trafficType: 'ON_DEMAND' } : usage,
    modelVersion: reply.model,
    ...(vertex ? { createTime: '2025-01-01T00:00:00.000000Z' } : {}),
    responseId: reply.responseId,
  };
}

async function generate(req: IncomingMessage, res: ServerResponse, reply: Reply, stream: boolean): Promise<void> {
  const pieces = replyPieces(reply.scenario);
  const count = candidateCount(reply.body);
  const estimatedOutput = pieces.length * count;
  const usage = resolveUsage(reply.scenario, promptTokens(reply.body), estimatedOutput);
  const maxTokens = (reply.body.generationConfig as { maxOutputTokens?: unknown } | undefined)?.maxOutputTokens;
  const finishReason = typeof maxTokens === 'number' && maxTokens < pieces.length ? 'MAX_TOKENS' : 'STOP';
  if (!stream) {
    if (reply.scenario.disconnectAfter !== undefined) {
      req.socket.destroy();
      return;
    }
    sendJson(res, 200, responseBody(reply, pieces.join(''), finishReason, geminiWireUsage(usage)));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const candidatesTotal = usage.output - usage.reasoning;
  for (const [index, piece] of pieces.entries()) {
    if (reply.scenario.disconnectAfter !== undefined && index >= reply.scenario.disconnectAfter) {
      // Let the chunks already written reach the client: destroying drops unflushed data.
      await sleep(20);
      res.socket?.destroy();
      return;
    }
    const last = index === pieces.length - 1;
    // Running candidate count, reaching the reported total on the last chunk.
    const soFar = last ? candidatesTotal : Math.min(candidatesTotal, (index + 1) * count);
    const chunk = responseBody(reply, piece, last ? finishReason : undefined, geminiWireUsage(usage, soFar));
    res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
    if (reply.scenario.chunkDelayMs) await sleep(reply.scenario.chunkDelayMs);
  }
  res.end();
}

/** Short embedding vectors derived from the text, so callers can compare them exactly. */
function vectorFor(text: string): number[] {
  return [text.length / 100, textTokens(text) / 100, (text.charCodeAt(0) || 0) / 1000];
}

function embed(route: GeminiRoute, body: Body): unknown {
  if (route.method === 'predict') {
    const instances = (Array.isArray(body.instances) ? body.instances : []) as Array<{ content?: unknown }>;
    const texts = instances.map((instance) => (typeof instance.content === 'string' ? instance.content : ''));
    return {
      predictions: texts.map((text) => ({ embeddings: { values: vectorFor(text), statistics: { token_count: textTokens(text), truncated: false } } })),
      metadata: { billableCharacterCount: texts.reduce((n, text) => n + text.length, 0) },
    };
  }
  const contents = route.method === 'embedContent' ? [body.content] : ((Array.isArray(body.requests) ? body.requests : []) as Body[]).map((r) => r.content);
  const texts = contents.map((content) => collectText(content).join(''));
  const tokens = texts.reduce((sum, text) => sum + textTokens(text), 0);
  const usageMetadata = { promptTokenCount: tokens, totalTokenCount: tokens };
  if (route.method === 'embedContent') return { embedding: { values: vectorFor(texts[0] ?? '') }, usageMetadata };
  return { embeddings: texts.map((text) => ({ values: vectorFor(text) })), usageMetadata };
}

/** Ids are a function of the request, so the same request gets a byte-identical response. */
function responseIdFor(route: GeminiRoute, body: string): string {
  return createHash('sha256').update(`${route.model}\n${body}`).digest('base64url').slice(0, 22);
}

/** Handles a Gemini API or Vertex AI request; returns false when the path is not one of ours. */
export async function handleGemini(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<boolean> {
  if (req.method !== 'POST') return false;
  const route = parseGeminiPath(url.pathname);
  if (!route) return false;
  const request = acceptRequest(req, res, body, { name: 'gemini', errorBody, badJson: 'Invalid JSON payload received.' });
  if (!request) return true;
  const { scenario, parsed } = request;
  if (scenario.delayMs) await sleep(scenario.delayMs);
  const reply: Reply = { route, body: parsed, scenario, responseId: responseIdFor(route, body), model: scenario.responseModel ?? route.model };
  switch (route.method) {
    case 'generateContent':
      await generate(req, res, reply, false);
      return true;
    case 'streamGenerateContent':
      await generate(req, res, reply, true);
      return true;
    case 'embedContent':
    case 'batchEmbedContents':
    case 'predict':
      sendJson(res, 200, embed(route, parsed));
      return true;
    default:
      sendJson(res, 404, errorBody(404, `Method ${route.method} is not found.`));
      return true;
  }
}
