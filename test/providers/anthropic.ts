/**
 * Anthropic half of the local provider server: `/v1/messages`, JSON and SSE
 * (message_start, content_block_*, message_delta with the final usage, message_stop), and Claude on
 * Vertex AI (`/v1/projects/{p}/locations/{l}/publishers/anthropic/models/{model}:rawPredict` and
 * `:streamRawPredict`: the same bodies, with the model in the path and the stream flag in the verb).
 *
 * Usage follows Anthropic's wire form: `input_tokens` excludes the cache, which is reported apart
 * (`cache_read_input_tokens`, `cache_creation_input_tokens`, split by TTL under `cache_creation`).
 * The scenario's usage is in OpenTelemetry semantics and is converted: wire input_tokens =
 * input − cacheRead − cacheWrite.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { acceptRequest, estimateInputTokens, nextSequence, replyPieces, resolveUsage, sendJson, sleep, SseWriter } from './shared.ts';
import type { ResolvedUsage, Scenario } from './shared.ts';

type Body = Record<string, unknown>;

function errorBody(status: number, message: string): unknown {
  const type = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
  return { type: 'error', error: { type, message } };
}

function wireUsage(u: ResolvedUsage, outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: Math.max(0, u.input - u.cacheRead - u.cacheWrite),
    cache_creation_input_tokens: u.cacheWrite,
    cache_read_input_tokens: u.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite - u.cacheWrite1h, ephemeral_1h_input_tokens: u.cacheWrite1h },
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

function toolToCall(body: Body, scenario: Scenario): { name: string } | undefined {
  const tools = body.tools;
  if (!Array.isArray(tools) || tools.length === 0 || scenario.toolCall === false) return undefined;
  const name = (tools[0] as { name?: unknown }).name;
  if (typeof name !== 'string') return undefined;
  if (scenario.toolCall === true) return { name };
  const messages = Array.isArray(body.messages) ? (body.messages as { content?: unknown }[]) : [];
  const answered = messages.some((m) => Array.isArray(m.content) && m.content.some((c: { type?: string }) => c?.type === 'tool_result'));
  return answered ? undefined : { name };
}

const TOOL_INPUT = { query: 'mock' };

async function messages(res: ServerResponse, body: Body, scenario: Scenario): Promise<void> {
  const n = nextSequence();
  const model = scenario.responseModel ?? String(body.model ?? 'unknown');
  const id = scenario.id ?? `msg_mock_${n}`;
  const tool = toolToCall(body, scenario);
  const pieces = replyPieces(scenario);
  const usage = resolveUsage(scenario, estimateInputTokens(body.messages, [body.system]), pieces.length + (tool ? 12 : 0));
  const stopReason = tool ? 'tool_use' : 'end_turn';
  const toolBlock = tool ? { type: 'tool_use', id: `toolu_mock_${n}`, name: tool.name, input: TOOL_INPUT } : undefined;

  if (body.stream !== true) {
    sendJson(res, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text: pieces.join('') }, ...(toolBlock ? [toolBlock] : [])],
      stop_reason: stopReason,
      stop_sequence: null,
      usage: wireUsage(usage, usage.output),
    });
    return;
  }

  const sse = new SseWriter(res, scenario);
  // message_start carries the input side and a provisional output count, as the API does.
  await sse.send({ type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: wireUsage(usage, 1) } }, 'message_start');
  await sse.send({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start');
  await sse.send({ type: 'ping' }, 'ping');
  for (const piece of pieces) {
    if (!(await sse.beforeTextChunk())) return;
    await sse.send({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }, 'content_block_delta');
  }
  await sse.send({ type: 'content_block_stop', index: 0 }, 'content_block_stop');
  if (toolBlock) {
    await sse.send({ type: 'content_block_start', index: 1, content_block: { ...toolBlock, input: {} } }, 'content_block_start');
    const json = JSON.stringify(TOOL_INPUT);
    for (const part of [json.slice(0, 8), json.slice(8)]) {
      if (!(await sse.beforeTextChunk())) return;
      await sse.send({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: part } }, 'content_block_delta');
    }
    await sse.send({ type: 'content_block_stop', index: 1 }, 'content_block_stop');
  }
  // The final usage is cumulative, input side included, as current API versions send it.
  await sse.send({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: wireUsage(usage, usage.output) }, 'message_delta');
  await sse.send({ type: 'message_stop' }, 'message_stop');
  sse.end();
}

const VERTEX_ROUTE = /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/;

/** Handles an Anthropic Messages request; returns false when the path is not one of ours. */
export async function handleAnthropic(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<boolean> {
  if (req.method !== 'POST') return false;
  const vertex = VERTEX_ROUTE.exec(url.pathname);
  if (url.pathname !== '/v1/messages' && !vertex) return false;
  const request = acceptRequest(req, res, body, { name: 'anthropic', errorBody, badJson: 'Invalid JSON body' });
  if (!request) return true;
  const { scenario } = request;
  // Vertex names the model and the streaming in the path, not the body.
  const parsed = vertex ? { ...request.parsed, model: decodeURIComponent(vertex[1]!), stream: vertex[2] === 'streamRawPredict' } : request.parsed;
  if (scenario.delayMs) await sleep(scenario.delayMs);
  await messages(res, parsed, scenario);
  return true;
}
