/**
 * The demo app's LLM clients: the real provider SDKs (openai, @anthropic-ai/sdk, @google/genai,
 * @aws-sdk/client-bedrock-runtime), pointed at the local provider server with dummy keys.
 *
 * The SDKs are loaded with `require` after the OpenTelemetry SDK has started, the way a CommonJS
 * app loads them, so the spendtrace instrumentations patch them. Each request carries the
 * `x-mock-scenario` header that tells the local server which usage to report (see
 * test/providers/shared.ts); that header is the only thing here a production app would not do.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import type { PlannedCall } from './workload.ts';

type OpenAIModule = typeof import('openai');
type AnthropicModule = typeof import('@anthropic-ai/sdk');
type GenAIModule = typeof import('@google/genai');
type BedrockModule = typeof import('@aws-sdk/client-bedrock-runtime');

/** A tool call the model asked for, kept to send its result back on the agent's next call. */
export interface PendingToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Conversation state of one agent: the tool call awaiting its result. */
export interface AgentState {
  pendingToolCall?: PendingToolCall;
}

export interface DemoClients {
  /** Makes the planned call; resolves when the response (or the whole stream) has been consumed. */
  send(call: PlannedCall, state: AgentState): Promise<void>;
}

/** The scenario header the local provider server reads: exact usage, reply length, tool call, error. */
function scenarioHeader(call: PlannedCall): string {
  if (call.rateLimited) return JSON.stringify({ error: { status: 429, retryAfter: 1 }, delayMs: call.latencyMs ?? 0 });
  const u = call.usage;
  return JSON.stringify({
    delayMs: call.latencyMs ?? 0,
    chunkDelayMs: call.stream ? 3 : 0,
    usage: { input: u.input, output: u.output, cacheRead: u.cacheRead, cacheWrite: u.cacheWrite, reasoning: u.reasoning },
    chunks: Math.min(24, Math.max(1, u.output - u.reasoning)),
    ...(call.toolCall !== undefined ? { toolCall: call.toolCall } : {}),
  });
}

const TOOL_PARAMETERS = { type: 'object' as const, properties: { path: { type: 'string' } }, required: ['path'] };

export function createClients(providerUrl: string): DemoClients {
  const require = createRequire(import.meta.url);
  const { OpenAI } = require('openai') as OpenAIModule;
  const { Anthropic } = require('@anthropic-ai/sdk') as AnthropicModule;
  const { GoogleGenAI } = require('@google/genai') as GenAIModule;
  const bedrock = require('@aws-sdk/client-bedrock-runtime') as BedrockModule;

  const openai = new OpenAI({ baseURL: `${providerUrl}/v1`, apiKey: 'sk-demo', maxRetries: 0 });
  const anthropic = new Anthropic({ baseURL: providerUrl, apiKey: 'sk-ant-demo', maxRetries: 0 });
  const gemini = new GoogleGenAI({ apiKey: 'demo-key', httpOptions: { baseUrl: providerUrl } });
  const bedrockClient = new bedrock.BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: providerUrl,
    credentials: { accessKeyId: 'AKIDEMO', secretAccessKey: 'demo-secret' },
    maxAttempts: 1,
  });
  // The AWS SDK takes no per-request headers: a middleware adds the scenario of the current call.
  const bedrockScenario = new AsyncLocalStorage<string>();
  bedrockClient.middlewareStack.add(
    (next) => async (args) => {
      const scenario = bedrockScenario.getStore();
      const request = args.request as { headers?: Record<string, string> };
      if (scenario && request.headers) request.headers['x-mock-scenario'] = scenario;
      return next(args);
    },
    { step: 'build', name: 'demoScenarioHeader' },
  );

  async function sendOpenAI(call: PlannedCall, state: AgentState): Promise<void> {
    const headers = { 'x-mock-scenario': scenarioHeader(call) };
    const messages: import('openai').OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: 'system', content: call.system },
      { role: 'user', content: call.user },
    ];
    const pending = state.pendingToolCall;
    if (call.toolResult !== undefined && pending) {
      messages.push({ role: 'assistant', content: null, tool_calls: [{ id: pending.id, type: 'function', function: { name: pending.name, arguments: pending.arguments } }] });
      messages.push({ role: 'tool', tool_call_id: pending.id, content: call.toolResult });
      state.pendingToolCall = undefined;
    }
    const tools = call.tools?.map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: TOOL_PARAMETERS } }));
    const params = { model: call.model, messages, ...(tools ? { tools } : {}) };
    if (call.stream) {
      const stream = await openai.chat.completions.create({ ...params, stream: true }, { headers });
      for await (const chunk of stream) void chunk;
      return;
    }
    const response = await openai.chat.completions.create(params, { headers });
    const toolCall = response.choices[0]?.message.tool_calls?.[0];
    if (toolCall && toolCall.type === 'function') state.pendingToolCall = { id: toolCall.id, name: toolCall.function.name, arguments: toolCall.function.arguments };
  }

  async function sendAnthropic(call: PlannedCall, state: AgentState): Promise<void> {
    const headers = { 'x-mock-scenario': scenarioHeader(call) };
    const params = {
      model: call.model,
      max_tokens: 2048,
      // The long system prompt is marked for prompt caching.
      system: [{ type: 'text' as const, text: call.system, cache_control: { type: 'ephemeral' as const } }],
      messages: [{ role: 'user' as const, content: call.user }],
      ...(call.tools ? { tools: call.tools.map((t) => ({ name: t.name, description: t.description, input_schema: TOOL_PARAMETERS })) } : {}),
    };
    if (call.stream) {
      const stream = await anthropic.messages.create({ ...params, stream: true }, { headers });
      for await (const event of stream) void event;
      return;
    }
    const message = await anthropic.messages.create(params, { headers });
    const toolUse = message.content.find((block) => block.type === 'tool_use');
    if (toolUse && toolUse.type === 'tool_use') state.pendingToolCall = { id: toolUse.id, name: toolUse.name, arguments: JSON.stringify(toolUse.input) };
  }

  async function sendGemini(call: PlannedCall): Promise<void> {
    const config = { systemInstruction: call.system, httpOptions: { headers: { 'x-mock-scenario': scenarioHeader(call) } } };
    if (call.stream) {
      const stream = await gemini.models.generateContentStream({ model: call.model, contents: call.user, config });
      for await (const chunk of stream) void chunk;
      return;
    }
    await gemini.models.generateContent({ model: call.model, contents: call.user, config });
  }

  async function sendBedrock(call: PlannedCall): Promise<void> {
    const input = {
      modelId: call.model,
      system: [{ text: call.system }],
      messages: [{ role: 'user' as const, content: [{ text: call.user }] }],
      inferenceConfig: { maxTokens: 1024 },
    };
    await bedrockScenario.run(scenarioHeader(call), async () => {
      if (call.stream) {
        const response = await bedrockClient.send(new bedrock.ConverseStreamCommand(input));
        for await (const event of response.stream ?? []) void event;
        return;
      }
      await bedrockClient.send(new bedrock.ConverseCommand(input));
    });
  }

  return {
    async send(call, state) {
      switch (call.provider) {
        case 'openai':
          return sendOpenAI(call, state);
        case 'anthropic':
          return sendAnthropic(call, state);
        case 'gcp.gemini':
          return sendGemini(call);
        case 'aws.bedrock':
          return sendBedrock(call);
      }
    },
  };
}
