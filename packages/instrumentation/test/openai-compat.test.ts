import { SpanStatusCode } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { defaultCatalog } from '@spendtrace/pricing';
import * as openaiModule from 'openai';
import OpenAI, { AzureOpenAI } from 'openai';
import * as openaiV4Module from 'openai-v4';
import OpenAIV4 from 'openai-v4';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAIInstrumentation, openAIProviderName } from '../src/openai/index.ts';
import { withAttribution } from '../src/attribution.ts';
import { instrument } from '../src/instrument.ts';
import { onlySpan, points } from './helpers.ts';
import { captureDiagWarnings } from './helpers/diag.ts';
import { scenario, sendingToTestTelemetry, useProviderServer } from './helpers/provider-server.ts';

const { telemetry, server } = useProviderServer();

function newInstrumentation(config: ConstructorParameters<typeof OpenAIInstrumentation>[0] = {}): OpenAIInstrumentation {
  return sendingToTestTelemetry(new OpenAIInstrumentation({ enabled: false, ...config }));
}

/** The same chat call, streamed and not, through a given client; returns what the caller saw. */
async function workload(client: { chat: { completions: { create: (...args: never[]) => unknown } } }): Promise<string[]> {
  const create = client.chat.completions.create as unknown as (body: object, options: object) => Promise<unknown>;
  const seen: string[] = [];
  const result = await create.call(client.chat.completions, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }, scenario({ id: 'chatcmpl-w1', usage: { input: 20, output: 8 } }));
  seen.push(JSON.stringify(result));
  const stream = (await create.call(
    client.chat.completions,
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true },
    scenario({ id: 'chatcmpl-w2', usage: { input: 21, output: 3 }, chunks: 3 }),
  )) as AsyncIterable<unknown>;
  for await (const chunk of stream) seen.push(JSON.stringify(chunk));
  return seen;
}

function spanSummary(): { name: string; status: SpanStatusCode; attributes: Attributes }[] {
  return telemetry.spans().map((s) => ({ name: s.name, status: s.status.code, attributes: {
      ...s.attributes,
      // Timings differ from run to run; their presence is what must match.
      'gen_ai.response.time_to_first_chunk': typeof s.attributes['gen_ai.response.time_to_first_chunk'],
    },
  }));
}

describe('openai v4 and v7 give the same spans', () => {
  const v7 = newInstrumentation();
  const v4 = newInstrumentation();
  afterEach(() => {
    v7.unpatchModule(openaiModule);
    v4.unpatchModule(openaiV4Module);
  });

  it('patches an aliased v4 module object and records the same spans as v7, leaving results untouched', async () => {
    const clientV7 = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const clientV4 = new OpenAIV4({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const plainV4 = await workload(clientV4);
    v7.patchModule(openaiModule);
    v4.patchModule(openaiV4Module);
    const seenV7 = await workload(clientV7);
    const spansV7 = spanSummary();
    telemetry.reset();
    const seenV4 = await workload(clientV4);
    const spansV4 = spanSummary();
    expect(seenV4).toEqual(plainV4);
    expect(spansV7).toHaveLength(2);
    expect(spansV4).toEqual(spansV7);
    expect(spansV4[1]!.attributes['gen_ai.usage.input_tokens']).toBe(21);
    expect(seenV7).toHaveLength(1 + 5);
  });
});

describe('instrument(client)', () => {
  it('traces one client without module patching, once even if the module is patched later', async () => {
    const instrumentation = newInstrumentation();
    const client = instrumentation.instrument(new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0 }));
    const other = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0 });
    await other.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
    expect(telemetry.spans()).toHaveLength(0);
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
    expect(telemetry.spans()).toHaveLength(1);
    instrumentation.patchModule(openaiModule);
    try {
      await client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' });
      expect(telemetry.spans().map((s) => s.name)).toEqual(['chat gpt-4o-mini', 'embeddings text-embedding-3-small']);
    } finally {
      instrumentation.unpatchModule(openaiModule);
    }
  });
});

describe('top-level instrument()', () => {
  it('recognises an OpenAI client, records with the global providers, and rejects unknown clients clearly', async () => {
    const client = instrument(new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0 }));
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
    expect(onlySpan(telemetry.spans(), 'chat gpt-4o-mini').attributes['gen_ai.provider.name']).toBe('openai');
    expect(() => instrument({ query: () => 1 })).toThrow('instrument() does not recognise this client (Object); supported: openai, @anthropic-ai/sdk, @google/genai, @aws-sdk/client-bedrock-runtime');
    expect(() => instrument(undefined)).toThrow(TypeError);
  });
});

describe('version drift', () => {
  it('leaves an SDK whose shape it does not know untraced, without throwing', () => {
    const instrumentation = newInstrumentation();
    const create = () => 'untouched';
    const drifted = { OpenAI: { Chat: { Completions: { prototype: { generate: create } } }, Responses: undefined } };
    const warnings = captureDiagWarnings(() => expect(instrumentation.patchModule(drifted)).toBe(drifted));
    expect(warnings).toEqual([
      '@spendtrace/instrumentation/openai openai: chat.create, responses.create, embeddings.create not found (unsupported SDK shape); those calls are not traced',
    ]);
    expect(drifted.OpenAI.Chat.Completions.prototype).toEqual({ generate: create });
    expect(() => instrumentation.unpatchModule(drifted)).not.toThrow();
    expect(() => instrumentation.patchModule(undefined)).not.toThrow();
    expect(instrumentation.instrument({ unrelated: true })).toEqual({ unrelated: true });
  });
});

describe('OpenAI-compatible providers', () => {
  it.each([
    ['https://api.openai.com/v1', 'openai'],
    ['https://my-resource.openai.azure.com/openai', 'azure.ai.openai'],
    ['https://api.x.ai/v1', 'x_ai'],
    ['https://api.deepseek.com', 'deepseek'],
    ['https://api.groq.com/openai/v1', 'groq'],
    ['https://api.mistral.ai/v1', 'mistral_ai'],
    ['https://openrouter.ai/api/v1', 'openrouter'],
    ['http://localhost:11434/v1', 'openai'],
  ])('names %s as %s', (baseURL, provider) => {
    expect(openAIProviderName(new OpenAI({ baseURL, apiKey: 'k' }))).toBe(provider);
  });

  it('names an AzureOpenAI client azure.ai.openai and prices the response model, not the deployment', async () => {
    const instrumentation = newInstrumentation();
    const client = instrumentation.instrument(new AzureOpenAI({ endpoint: server.url, apiKey: 'k', apiVersion: '2024-10-21', deployment: 'prod-chat', maxRetries: 0 }));
    await client.chat.completions.create(
      { model: 'prod-chat', messages: [{ role: 'user', content: 'x' }] },
      scenario({ responseModel: 'gpt-5-mini-2025-08-07', usage: { input: 1000, output: 100 } }),
    );
    expect(server.requests.at(-1)!.path).toBe('/openai/deployments/prod-chat/chat/completions?api-version=2024-10-21');
    const span = onlySpan(telemetry.spans(), 'chat prod-chat');
    const cost = defaultCatalog().cost({ provider: 'azure.ai.openai', model: 'gpt-5-mini-2025-08-07', serviceTier: 'default' }, { inputTokens: 1000, outputTokens: 100 });
    expect(cost.breakdown).toBeDefined();
    expect(span.attributes['gen_ai.provider.name']).toBe('azure.ai.openai');
    expect(span.attributes['gen_ai.response.model']).toBe('gpt-5-mini-2025-08-07');
    expect(span.attributes['gen_ai.usage.cost.amount']).toBe(cost.breakdown!.total);
    expect(span.attributes['spendtrace.pricing.model']).toBe(cost.pricingModel);
  });
});

describe('content capture and configuration', () => {
  const messages = [
    { role: 'system' as const, content: 'Be brief.' },
    { role: 'user' as const, content: 'Say hi' },
  ];

  it('records no content by default', async () => {
    const instrumentation = newInstrumentation();
    const client = instrumentation.instrument(new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0 }));
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const keys = Object.keys(onlySpan(telemetry.spans(), 'chat gpt-4o-mini').attributes);
    expect(keys.filter((k) => k.startsWith('gen_ai.input') || k.startsWith('gen_ai.output.messages') || k.startsWith('gen_ai.system'))).toEqual([]);
  });

  it('records content in the conventions shape when opted in, streamed or not', async () => {
    const instrumentation = newInstrumentation({ captureMessageContent: true });
    const client = instrumentation.instrument(new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0 }));
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages }, scenario({ text: 'Hi there' }));
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }, scenario({ text: 'Hi there' }));
    for await (const _ of stream) void _;
    const [plain, streamed] = telemetry.spans();
    for (const span of [plain!, streamed!]) {
      expect(JSON.parse(span.attributes['gen_ai.input.messages'] as string)).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'Say hi' }] }]);
      expect(JSON.parse(span.attributes['gen_ai.system_instructions'] as string)).toEqual([{ type: 'text', content: 'Be brief.' }]);
      expect(JSON.parse(span.attributes['gen_ai.output.messages'] as string)).toEqual([
        { role: 'assistant', parts: [{ type: 'text', content: 'Hi there' }], finish_reason: 'stop' },
      ]);
    }
  });

  it('does not inject include_usage when configured off', async () => {
    const instrumentation = newInstrumentation({ includeUsageInStream: false });
    const client = instrumentation.instrument(new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0 }));
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    for await (const _ of stream) void _;
    expect((server.requests.at(-1)!.body as Record<string, unknown>).stream_options).toBeUndefined();
    const span = onlySpan(telemetry.spans(), 'chat gpt-4o-mini');
    expect(span.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
  });

  it('prices with round prices from an override file', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'spendtrace-prices-'));
    try {
      const file = join(dir, 'prices.yaml');
      await writeFile(
        file,
        [
          'provider: openai',
          'entries:',
          '  - model: house-model',
          '    periods:',
          "      - from: '2024-01-01'",
          '        prices: { input: 2, output: 10, cache_read: 1 }',
          "    source: { url: 'https://example.com/contract', checked: '2026-01-01' }",
          '',
        ].join('\n'),
      );
      const instrumentation = newInstrumentation({ pricingOverrideFiles: [file] });
      const client = instrumentation.instrument(new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0 }));
      await client.chat.completions.create({ model: 'house-model', messages }, scenario({ usage: { input: 1_000_000, cacheRead: 500_000, output: 100_000 } }));
      const span = onlySpan(telemetry.spans(), 'chat house-model');
      // 500k uncached × $2/M = $1; 500k cached × $1/M = $0.5; 100k output × $10/M = $1.
      expect(span.attributes['spendtrace.cost.input']).toBe(1);
      expect(span.attributes['spendtrace.cost.cache_read']).toBe(0.5);
      expect(span.attributes['spendtrace.cost.output']).toBe(1);
      expect(span.attributes['gen_ai.usage.cost.amount']).toBe(2.5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('labels metrics with the configured attribution keys only', async () => {
    const instrumentation = newInstrumentation({ metricAttributionKeys: ['customerId', 'team'] });
    const client = instrumentation.instrument(new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0 }));
    await withAttribution({ feature: 'f-allow', customerId: 'cust-allow', team: 't-allow', userId: 'u-allow' }, () =>
      client.chat.completions.create({ model: 'gpt-4o-mini', messages }, scenario({ usage: { input: 10, output: 2 } })),
    );
    const cost = points(await telemetry.metrics(), 'spendtrace.client.cost', { 'spendtrace.customer.id': 'cust-allow' });
    expect(cost).toHaveLength(1);
    expect(cost[0]!.attributes['spendtrace.team']).toBe('t-allow');
    expect(cost[0]!.attributes['spendtrace.feature']).toBeUndefined();
    expect(cost[0]!.attributes['user.id']).toBeUndefined();
    expect(onlySpan(telemetry.spans(), 'chat gpt-4o-mini').attributes['user.id']).toBe('u-allow');
  });

  it('never breaks the call when pricing throws', async () => {
    const instrumentation = newInstrumentation({
      pricingCatalog: {
        cost() {
          throw new Error('broken catalog');
        },
      },
    });
    const client = instrumentation.instrument(new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0 }));
    const result = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }, scenario({ id: 'chatcmpl-safe', usage: { input: 3, output: 2 } }));
    expect(result.id).toBe('chatcmpl-safe');
    const span = onlySpan(telemetry.spans(), 'chat gpt-4o-mini');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(3);
    expect(span.attributes['gen_ai.usage.cost.amount']).toBeUndefined();
  });
});
