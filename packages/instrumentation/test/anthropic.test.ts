import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import * as anthropicModule from '@anthropic-ai/sdk';
import Anthropic from '@anthropic-ai/sdk';
import type { CanonicalUsage } from '@spendtrace/pricing';
import { beforeAll, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation } from '../src/anthropic/index.ts';
import { withAttribution } from '../src/attribution.ts';
import { onlySpan, points } from './helpers.ts';
import { expectedCostAttributes } from './helpers/expected-cost.ts';
import { scenario, useProviderServer } from './helpers/provider-server.ts';

const instrumentation = new AnthropicInstrumentation({ enabled: false });
const { telemetry, server } = useProviderServer({ instrumentation, sdkModule: anthropicModule });
let client: Anthropic;
const MODEL = 'claude-sonnet-5-5';

const expectedCost = (model: string, usage: CanonicalUsage) => expectedCostAttributes({ provider: 'anthropic', model, serviceTier: 'standard' }, usage);

const cacheScenario = { usage: { input: 5000, cacheRead: 3000, cacheWrite: 1500, cacheWrite1h: 500, output: 200 } };
const cacheUsage: CanonicalUsage = { inputTokens: 5000, outputTokens: 200, cacheReadTokens: 3000, cacheWriteTokens: 1500, cacheWrite1hTokens: 500 };
const cacheAttributes = {
  'gen_ai.usage.input_tokens': 5000,
  'gen_ai.usage.output_tokens': 200,
  'gen_ai.usage.cache_read.input_tokens': 3000,
  'gen_ai.usage.cache_creation.input_tokens': 1500,
  'spendtrace.usage.cache_creation_1h.input_tokens': 500,
};

beforeAll(() => {
  client = new Anthropic({ baseURL: server.url, apiKey: 'test-key', maxRetries: 0 });
});

describe('Anthropic messages', () => {
  it('records one priced span with the 5m/1h cache split, and no SDK span beside it', async () => {
    const message = await withAttribution({ feature: 'support-bot', team: 'cx' }, () =>
      client.messages.create(
        { model: MODEL, max_tokens: 512, stop_sequences: ['END'], messages: [{ role: 'user', content: 'Hello' }] },
        scenario({ ...cacheScenario, id: 'msg_fixed', responseModel: 'claude-sonnet-5-5-20260901' }),
      ),
    );
    expect(message.id).toBe('msg_fixed');
    expect(message.usage.input_tokens).toBe(500);
    const spans = telemetry.spans();
    expect(spans.map((s) => s.name)).toEqual([`chat ${MODEL}`]);
    const span = spans[0]!;
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': MODEL,
      'gen_ai.request.max_tokens': 512,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.stream': false,
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(server.url).port),
      'spendtrace.feature': 'support-bot',
      'spendtrace.team': 'cx',
      'gen_ai.response.id': 'msg_fixed',
      'gen_ai.response.model': 'claude-sonnet-5-5-20260901',
      'gen_ai.response.finish_reasons': ['end_turn'],
      ...cacheAttributes,
      ...expectedCost('claude-sonnet-5-5-20260901', cacheUsage),
    });
    const cost = points(await telemetry.metrics(), 'spendtrace.client.cost', { 'gen_ai.provider.name': 'anthropic', 'spendtrace.feature': 'support-bot' });
    expect(cost.map((p) => p.value)).toEqual([expectedCost('claude-sonnet-5-5-20260901', cacheUsage)['gen_ai.usage.cost.amount']]);
  });

  it('keeps the SDK span when asked to, which shows the SDK does emit one', async () => {
    const keeping = new AnthropicInstrumentation({ enabled: false, keepSdkSpans: true });
    keeping.setTracerProvider(telemetry.tracerProvider);
    instrumentation.unpatchModule(anthropicModule);
    try {
      const own = keeping.instrument(new Anthropic({ baseURL: server.url, apiKey: 'k', maxRetries: 0 }));
      await own.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] });
    } finally {
      instrumentation.patchModule(anthropicModule);
    }
    expect(telemetry.spans().map((s) => s.name).sort()).toEqual(['anthropic.messages.create', `chat ${MODEL}`]);
  });

  it('gives the SDK its own spans back when unpatched', async () => {
    const own = new Anthropic({ baseURL: server.url, apiKey: 'k', maxRetries: 0 });
    await own.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] });
    expect(telemetry.spans().map((s) => s.name)).toEqual([`chat ${MODEL}`]);
    telemetry.reset();
    instrumentation.unpatchModule(anthropicModule);
    try {
      await own.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] });
    } finally {
      instrumentation.patchModule(anthropicModule);
    }
    expect(telemetry.spans().map((s) => s.name)).toEqual(['anthropic.messages.create']);
  });

  it('records a raw SSE stream, passing events through unchanged', async () => {
    const request = { model: MODEL, max_tokens: 100, stream: true as const, messages: [{ role: 'user' as const, content: 'Stream' }] };
    const read = async () => {
      const events: string[] = [];
      const stream = await client.messages.create(request, scenario({ ...cacheScenario, id: 'msg_stream', chunks: 4 }));
      for await (const event of stream) events.push(JSON.stringify(event));
      return events;
    };
    instrumentation.unpatchModule(anthropicModule);
    const plain = await read();
    instrumentation.patchModule(anthropicModule);
    const traced = await read();
    expect(traced).toEqual(plain);
    const span = onlySpan(telemetry.spans(), `chat ${MODEL}`);
    expect(span.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'msg_stream',
      'gen_ai.response.finish_reasons': ['end_turn'],
      ...cacheAttributes,
      ...expectedCost(MODEL, cacheUsage),
    });
    expect(typeof span.attributes['gen_ai.response.time_to_first_chunk']).toBe('number');
  });

  it('records the messages.stream() helper as one span', async () => {
    const stream = client.messages.stream({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }, scenario({ usage: { input: 40, output: 6 }, chunks: 6 }));
    const text: string[] = [];
    stream.on('text', (delta) => text.push(delta));
    const final = await stream.finalMessage();
    expect(text.join('')).toBe((final.content[0] as { text: string }).text);
    const span = onlySpan(telemetry.spans(), `chat ${MODEL}`);
    expect(telemetry.spans()).toHaveLength(1);
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(40);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(6);
    expect(span.attributes['gen_ai.response.id']).toBe(final.id);
  });

  it('records tool use', async () => {
    const tools = [{ name: 'lookup', description: 'look up', input_schema: { type: 'object' as const, properties: {} } }];
    const message = await client.messages.create({ model: MODEL, max_tokens: 100, tools, messages: [{ role: 'user', content: 'find it' }] });
    expect(message.content.at(-1)).toMatchObject({ type: 'tool_use', name: 'lookup' });
    const stream = await client.messages.create({ model: MODEL, max_tokens: 100, tools, stream: true, messages: [{ role: 'user', content: 'find it' }] });
    for await (const _ of stream) void _;
    expect(telemetry.spans().map((s) => s.attributes['gen_ai.response.finish_reasons'])).toEqual([['tool_use'], ['tool_use']]);
  });

  it('ends the span once when the caller breaks out of a stream', async () => {
    const stream = await client.messages.create({ model: MODEL, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'x' }] }, scenario({ chunks: 30, usage: { input: 12 } }));
    let n = 0;
    for await (const _ of stream) if (++n === 4) break;
    const span = onlySpan(telemetry.spans(), `chat ${MODEL}`);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    // message_start came first, so the input side is known; the output count is the provisional one.
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(12);
  });

  it.each([
    [429, 'RateLimitError'],
    [500, 'InternalServerError'],
  ])('records HTTP %i as %s', async (status, errorType) => {
    await expect(client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }, scenario({ error: { status, retryAfter: 1 } }))).rejects.toMatchObject({ status });
    const span = onlySpan(telemetry.spans(), `chat ${MODEL}`);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe(errorType);
  });

  it('records a disconnect mid-stream as an error', async () => {
    const stream = await client.messages.create({ model: MODEL, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'x' }] }, scenario({ chunks: 10, disconnectAfter: 2 }));
    let caught: unknown;
    try {
      for await (const _ of stream) void _;
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    const span = onlySpan(telemetry.spans(), `chat ${MODEL}`);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe((caught as Error).constructor.name);
  });

  it('records the beta messages API the same way', async () => {
    const message = await client.beta.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }, scenario({ usage: { input: 9, output: 3 }, id: 'msg_beta' }));
    expect(message.id).toBe('msg_beta');
    const span = onlySpan(telemetry.spans(), `chat ${MODEL}`);
    expect(span.attributes['gen_ai.response.id']).toBe('msg_beta');
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(9);
  });

  it('records content only when OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT is true', async () => {
    const request = { model: MODEL, max_tokens: 10, system: 'Be terse.', messages: [{ role: 'user' as const, content: 'Hi' }] };
    await client.messages.create(request, scenario({ text: 'Hello' }));
    process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';
    try {
      await client.messages.create(request, scenario({ text: 'Hello' }));
    } finally {
      delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
    }
    const [off, on] = telemetry.spans();
    expect(off!.attributes['gen_ai.input.messages']).toBeUndefined();
    expect(JSON.parse(on!.attributes['gen_ai.input.messages'] as string)).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'Hi' }] }]);
    expect(JSON.parse(on!.attributes['gen_ai.system_instructions'] as string)).toEqual([{ type: 'text', content: 'Be terse.' }]);
    expect(JSON.parse(on!.attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello' }], finish_reason: 'end_turn' },
    ]);
  });
});
