/**
 * OpenAI half of the local provider server: `/v1/chat/completions` (JSON and SSE), `/v1/responses`
 * (JSON and SSE events), `/v1/embeddings` (float and base64), and the Azure OpenAI deployment paths
 * (`/openai/deployments/{deployment}/...`) answered the same way.
 *
 * Usage follows OpenAI's wire form: `prompt_tokens` / `input_tokens` include the cached tokens
 * (`cached_tokens`), and `completion_tokens` / `output_tokens` include `reasoning_tokens`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  acceptRequest,
  estimateInputTokens,
  nextSequence,
  replyPieces,
  resolveUsage,
  sendJson,
  sleep,
  SseWriter,
} from './shared.ts';
import type { ResolvedUsage, Scenario } from './shared.ts';

/** Fixed `created` timestamp: responses are byte-for-byte reproducible. */
export const OPENAI_CREATED = 1_700_000_000;
export const OPENAI_SYSTEM_FINGERPRINT = 'fp_mock';
/** Dimensions of the mock embeddings. */
export const EMBEDDING_DIMENSIONS = 8;

type Body = Record<string, unknown>;

function errorBody(status: number, message: string): unknown {
  const type = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param: null, code: status === 429 ? 'rate_limit_exceeded' : null } };
}

function chatUsage(u: ResolvedUsage): Record<string, unknown> {
  return {
    prompt_tokens: u.input,
    completion_tokens: u.output,
    total_tokens: u.input + u.output,
    prompt_tokens_details: { cached_tokens: u.cacheRead, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: u.reasoning, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function responsesUsage(u: ResolvedUsage): Record<string, unknown> {
  return {
    input_tokens: u.input,
    input_tokens_details: { cached_tokens: u.cacheRead },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning },
    total_tokens: u.input + u.output,
  };
}

interface ToolDef {
  name: string;
}
function firstTool(body: Body): ToolDef | undefined {
  const tools = body.tools;
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const tool = tools[0] as { function?: { name?: string }; name?: string };
  const name = tool.function?.name ?? tool.name;
  return typeof name === 'string' ? { name } : undefined;
}

/** Whether to answer with a tool call: the scenario decides, else "tools given and no tool result yet". */
function wantsToolCall(body: Body, scenario: Scenario, resultMarker: (m: Record<string, unknown>) => boolean): ToolDef | undefined {
  const tool = firstTool(body);
  if (!tool || scenario.toolCall === false) return undefined;
  if (scenario.toolCall === true) return tool;
  const history = (Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) ? body.input : []) as Record<string, unknown>[];
  return history.some((m) => m && typeof m === 'object' && resultMarker(m)) ? undefined : tool;
}

const TOOL_ARGUMENTS = '{"query":"mock"}';

/** The tier the API reports serving: the requested one, `default` for `auto` or none. */
function servedTier(body: Body): string {
  return typeof body.service_tier === 'string' && body.service_tier !== 'auto' ? body.service_tier : 'default';
}

async function chatCompletions(res: ServerResponse, body: Body, scenario: Scenario): Promise<void> {
  const n = nextSequence();
  const model = scenario.responseModel ?? String(body.model ?? 'unknown');
  const id = scenario.id ?? `chatcmpl-mock-${n}`;
  const tier = servedTier(body);
  const tool = wantsToolCall(body, scenario, (m) => m.role === 'tool');
  const pieces = tool ? [] : replyPieces(scenario);
  const usage = resolveUsage(scenario, estimateInputTokens(body.messages), tool ? 12 : pieces.length);
  const finishReason = tool ? 'tool_calls' : 'stop';
  const toolCalls = tool ? [{ id: `call_mock_${n}`, type: 'function', function: { name: tool.name, arguments: TOOL_ARGUMENTS } }] : undefined;

  if (body.stream !== true) {
    sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created: OPENAI_CREATED,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: tool ? null : pieces.join(''), refusal: null, annotations: [], ...(toolCalls ? { tool_calls: toolCalls } : {}) },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage: chatUsage(usage),
      service_tier: tier,
      system_fingerprint: OPENAI_SYSTEM_FINGERPRINT,
    });
    return;
  }

  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  const sse = new SseWriter(res, scenario);
  const chunk = (delta: Record<string, unknown>, finish: string | null): Record<string, unknown> => ({
    id,
    object: 'chat.completion.chunk',
    created: OPENAI_CREATED,
    model,
    service_tier: tier,
    system_fingerprint: OPENAI_SYSTEM_FINGERPRINT,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  await sse.send(chunk({ role: 'assistant', content: tool ? null : '', refusal: null }, null));
  if (toolCalls) {
    const call = toolCalls[0]!;
    if (!(await sse.beforeTextChunk())) return;
    await sse.send(chunk({ tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, null));
    for (const part of [TOOL_ARGUMENTS.slice(0, 9), TOOL_ARGUMENTS.slice(9)]) {
      if (!(await sse.beforeTextChunk())) return;
      await sse.send(chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }, null));
    }
  }
  for (const piece of pieces) {
    if (!(await sse.beforeTextChunk())) return;
    await sse.send(chunk({ content: piece }, null));
  }
  await sse.send(chunk({}, finishReason));
  // The usage-only chunk: no choices, and the usage every other chunk leaves null.
  if (includeUsage) await sse.send({ ...chunk({}, null), choices: [], usage: chatUsage(usage) });
  await sse.send('[DONE]');
  sse.end();
}

async function responses(res: ServerResponse, body: Body, scenario: Scenario): Promise<void> {
  const n = nextSequence();
  const model = scenario.responseModel ?? String(body.model ?? 'unknown');
  const id = scenario.id ?? `resp_mock_${n}`;
  const tier = servedTier(body);
  const messageId = `msg_mock_${n}`;
  const tool = wantsToolCall(body, scenario, (m) => m.type === 'function_call_output');
  const pieces = tool ? [] : replyPieces(scenario);
  const text = pieces.join('');
  const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input;
  const usage = resolveUsage(scenario, estimateInputTokens(input, [body.instructions]), tool ? 12 : pieces.length);
  const outputItem = tool
    ? { type: 'function_call', id: `fc_mock_${n}`, call_id: `call_mock_${n}`, name: tool.name, arguments: TOOL_ARGUMENTS, status: 'completed' }
    : { type: 'message', id: messageId, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] };
  const response = (status: string, withOutput: boolean): Record<string, unknown> => ({
    id,
    object: 'response',
    created_at: OPENAI_CREATED,
    status,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model,
    output: withOutput ? [outputItem] : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    temperature: body.temperature ?? 1,
    top_p: body.top_p ?? 1,
    tool_choice: 'auto',
    tools: body.tools ?? [],
    service_tier: tier,
    text: { format: { type: 'text' } },
    truncation: 'disabled',
    usage: withOutput ? responsesUsage(usage) : null,
    metadata: {},
  });

  if (body.stream !== true) {
    sendJson(res, 200, response('completed', true));
    return;
  }
  const sse = new SseWriter(res, scenario);
  let seq = 0;
  const event = (type: string, fields: Record<string, unknown>): Promise<void> => sse.send({ type, sequence_number: seq++, ...fields }, type);
  await event('response.created', { response: response('in_progress', false) });
  await event('response.in_progress', { response: response('in_progress', false) });
  if (tool) {
    const item = outputItem as { arguments: string };
    await event('response.output_item.added', { output_index: 0, item: { ...outputItem, arguments: '', status: 'in_progress' } });
    if (!(await sse.beforeTextChunk())) return;
    await event('response.function_call_arguments.delta', { item_id: `fc_mock_${n}`, output_index: 0, delta: item.arguments });
    await event('response.function_call_arguments.done', { item_id: `fc_mock_${n}`, output_index: 0, arguments: item.arguments });
  } else {
    await event('response.output_item.added', { output_index: 0, item: { type: 'message', id: messageId, status: 'in_progress', role: 'assistant', content: [] } });
    await event('response.content_part.added', { item_id: messageId, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    for (const piece of pieces) {
      if (!(await sse.beforeTextChunk())) return;
      await event('response.output_text.delta', { item_id: messageId, output_index: 0, content_index: 0, delta: piece, logprobs: [] });
    }
    await event('response.output_text.done', { item_id: messageId, output_index: 0, content_index: 0, text, logprobs: [] });
    await event('response.content_part.done', { item_id: messageId, output_index: 0, content_index: 0, part: { type: 'output_text', text, annotations: [] } });
  }
  await event('response.output_item.done', { output_index: 0, item: outputItem });
  await event('response.completed', { response: response('completed', true) });
  sse.end();
}

function embeddings(res: ServerResponse, body: Body, scenario: Scenario): void {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const model = scenario.responseModel ?? String(body.model ?? 'unknown');
  const tokens = scenario.usage?.input ?? inputs.reduce<number>((sum, input) => sum + estimateInputTokens(undefined, [input]), 0);
  const data = inputs.map((input, index) => {
    // A deterministic vector per input: character codes folded into the dimensions.
    const vector = new Float32Array(EMBEDDING_DIMENSIONS);
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    for (let i = 0; i < text.length; i++) vector[i % EMBEDDING_DIMENSIONS]! += text.charCodeAt(i) / 1000;
    const embedding = body.encoding_format === 'base64' ? Buffer.from(vector.buffer).toString('base64') : Array.from(vector);
    return { object: 'embedding', index, embedding };
  });
  sendJson(res, 200, { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}

const ROUTE = /^(?:\/v1|\/openai\/deployments\/[^/]+|\/openai\/v1)\/(chat\/completions|responses|embeddings)$/;

/** Handles an OpenAI or Azure OpenAI request; returns false when the path is not one of ours. */
export async function handleOpenAI(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<boolean> {
  if (req.method !== 'POST') return false;
  const match = ROUTE.exec(url.pathname);
  if (!match) return false;
  const request = acceptRequest(req, res, body, { name: 'openai', errorBody, badJson: 'We could not parse the JSON body of your request.' });
  if (!request) return true;
  const { scenario, parsed } = request;
  if (scenario.delayMs) await sleep(scenario.delayMs);
  if (match[1] === 'chat/completions') await chatCompletions(res, parsed, scenario);
  else if (match[1] === 'responses') await responses(res, parsed, scenario);
  else embeddings(res, parsed, scenario);
  return true;
}
