import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import * as genai from '@google/genai';
import { GoogleGenAI } from '@google/genai';
import { defaultCatalog, usageFromGemini } from '@spendtrace/pricing';
import type { CanonicalUsage } from '@spendtrace/pricing';
import { describe, expect, it } from 'vitest';
import { captureDiagWarnings } from './helpers/diag.ts';
import type { Scenario } from '../../../test/providers/server.ts';
import { GoogleGenAIInstrumentation } from '../src/google/index.ts';
import { onlySpan, points } from './helpers.ts';
import { useProviderServer } from './helpers/provider-server.ts';

const instrumentation = new GoogleGenAIInstrumentation();
const { telemetry, server } = useProviderServer({ instrumentation, sdkModule: genai });

function gemini(scenario: Scenario = {}): GoogleGenAI {
  return new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: server.url, headers: { 'x-mock-scenario': JSON.stringify(scenario) } } });
}

function vertex(scenario: Scenario = {}): GoogleGenAI {
  return new GoogleGenAI({
    vertexai: true,
    project: 'demo-project',
    location: 'us-central1',
    // Express mode: an API key authenticates Vertex AI without Google Cloud credentials.
    apiKey: 'test',
    httpOptions: { baseUrl: server.url, headers: { 'x-mock-scenario': JSON.stringify(scenario) } },
  });
}

/** Expected cost straight from the catalog's per-million prices (input excludes the cached part). */
function expectedCost(provider: string, model: string, usage: CanonicalUsage): number {
  const price = defaultCatalog().resolve({ provider, model });
  if (!price) throw new Error(`catalog has no ${provider}/${model}`);
  const p = price.prices;
  const cacheRead = usage.cacheReadTokens ?? 0;
  return ((usage.inputTokens - cacheRead) * p.input + cacheRead * (p.cache_read ?? p.input) + usage.outputTokens * p.output) / 1e6;
}

/** The response without its HTTP headers (the Date header changes between calls). */
function withoutHeaders(value: object): string {
  return JSON.stringify({ ...value, sdkHttpResponse: undefined });
}

const THINKING_AND_CACHE: Scenario = { usage: { input: 1200, cacheRead: 1000, output: 60, reasoning: 40 }, chunks: 20 };

describe('GoogleGenAIInstrumentation generateContent', () => {
  it('records a generate_content span with thinking and cached tokens, cost and request attributes', async () => {
    const response = await gemini(THINKING_AND_CACHE).models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Why is the sky blue?',
      config: { temperature: 0.3, topP: 0.9, topK: 20, maxOutputTokens: 500, stopSequences: ['END'], seed: 7 },
    });
    expect(response.usageMetadata?.thoughtsTokenCount).toBe(40);

    const span = onlySpan(telemetry.spans(), 'generate_content gemini-2.5-flash');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    const usage: CanonicalUsage = { inputTokens: 1200, outputTokens: 60, cacheReadTokens: 1000, reasoningTokens: 40 };
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'generate_content',
      'gen_ai.provider.name': 'gcp.gemini',
      'gen_ai.request.model': 'gemini-2.5-flash',
      'gen_ai.request.temperature': 0.3,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.top_k': 20,
      'gen_ai.request.max_tokens': 500,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.seed': 7,
      'gen_ai.request.stream': false,
      'gen_ai.response.model': 'gemini-2.5-flash',
      'gen_ai.response.id': response.responseId,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 60,
      'gen_ai.usage.cache_read.input_tokens': 1000,
      'gen_ai.usage.reasoning.output_tokens': 40,
      'gen_ai.usage.cost.currency': 'USD',
      'gen_ai.usage.cost.source': 'local',
      'spendtrace.pricing.model': 'gcp.gemini/gemini-2.5-flash',
      'server.address': '127.0.0.1',
      'server.port': server.port,
    });
    expect(span.attributes['gen_ai.usage.cost.amount']).toBeCloseTo(expectedCost('gcp.gemini', 'gemini-2.5-flash', usage), 12);
    expect(span.attributes['gen_ai.input.messages']).toBeUndefined();
    expect(span.attributes['cloud.region']).toBeUndefined();
  });

  it('hands the caller the same response as without instrumentation', async () => {
    const request = { model: 'gemini-2.5-flash', contents: 'Same bytes please' };
    const traced = await gemini(THINKING_AND_CACHE).models.generateContent(request);
    instrumentation.unpatchModule(genai);
    try {
      const plain = await gemini(THINKING_AND_CACHE).models.generateContent(request);
      expect(withoutHeaders(traced)).toBe(withoutHeaders(plain));
      expect(Object.getPrototypeOf(traced)).toBe(Object.getPrototypeOf(plain));
    } finally {
      instrumentation.patchModule(genai);
    }
    expect(telemetry.spans()).toHaveLength(1);
  });

  it('marks the span as failed on 429 and 500 and rethrows the SDK error', async () => {
    for (const status of [429, 500]) {
      telemetry.reset();
      const error = await gemini({ error: { status } })
        .models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' })
        .then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(genai.ApiError);
      expect((error as genai.ApiError).status).toBe(status);
      const span = onlySpan(telemetry.spans(), 'generate_content gemini-2.5-flash');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe('ApiError');
      expect(span.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
    }
  });

  it('traces each request of a chat session', async () => {
    const chat = gemini({ usage: { input: 30, output: 8 } }).chats.create({ model: 'gemini-2.5-flash' });
    await chat.sendMessage({ message: 'first' });
    await chat.sendMessage({ message: 'second' });
    const spans = telemetry.spans().filter((s) => s.name === 'generate_content gemini-2.5-flash');
    expect(spans.map((s) => s.attributes['gen_ai.usage.input_tokens'])).toEqual([30, 30]);
  });
});

describe('GoogleGenAIInstrumentation generateContentStream', () => {
  it('passes every chunk through and records the final usage and time to first chunk', async () => {
    const client = gemini({ ...THINKING_AND_CACHE, chunkDelayMs: 5 });
    const stream = await client.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Stream it' });
    const texts: string[] = [];
    for await (const chunk of stream) texts.push(chunk.text ?? '');
    expect(texts).toHaveLength(20);

    const span = onlySpan(telemetry.spans(), 'generate_content gemini-2.5-flash');
    expect(span.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 60,
      'gen_ai.usage.cache_read.input_tokens': 1000,
      'gen_ai.usage.reasoning.output_tokens': 40,
    });
    const ttfc = span.attributes['gen_ai.response.time_to_first_chunk'] as number;
    const durationSeconds = span.duration[0] + span.duration[1] / 1e9;
    expect(ttfc).toBeGreaterThan(0);
    expect(ttfc).toBeLessThan(durationSeconds);
  });

  it('yields the same chunks as without instrumentation', async () => {
    const request = { model: 'gemini-2.5-flash', contents: 'Same stream' };
    const collect = async (): Promise<string[]> => {
      const out: string[] = [];
      for await (const chunk of await gemini(THINKING_AND_CACHE).models.generateContentStream(request)) out.push(withoutHeaders(chunk));
      return out;
    };
    const traced = await collect();
    instrumentation.unpatchModule(genai);
    let plain: string[];
    try {
      plain = await collect();
    } finally {
      instrumentation.patchModule(genai);
    }
    expect(traced).toEqual(plain);
    expect(telemetry.spans()).toHaveLength(1);
  });

  it('ends the span once with the usage seen so far when the caller breaks early', async () => {
    const stream = await gemini(THINKING_AND_CACHE).models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Stop soon' });
    let seen = 0;
    for await (const chunk of stream) {
      expect(chunk.text).toBeDefined();
      if (++seen === 3) break;
    }
    const span = onlySpan(telemetry.spans(), 'generate_content gemini-2.5-flash');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    // The third chunk reports 3 candidate tokens so far, plus the 40 thinking tokens.
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(43);
    expect(span.attributes['gen_ai.usage.reasoning.output_tokens']).toBe(40);
    expect(span.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
  });

  it('ends the span once, as failed, when the caller aborts mid-stream', async () => {
    const controller = new AbortController();
    const stream = await gemini({ chunks: 10, chunkDelayMs: 20 }).models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'Abort me',
      config: { abortSignal: controller.signal },
    });
    let seen = 0;
    const error = await (async () => {
      for await (const chunk of stream) {
        expect(chunk.text).toBeDefined();
        if (++seen === 2) controller.abort();
      }
    })().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const span = onlySpan(telemetry.spans(), 'generate_content gemini-2.5-flash');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(seen);
  });

  it('fails the span when the connection drops mid-stream', async () => {
    const stream = await gemini({ chunks: 10, disconnectAfter: 2 }).models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Cut' });
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk.text ?? '');
    })().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(received).toHaveLength(2);
    const span = onlySpan(telemetry.spans(), 'generate_content gemini-2.5-flash');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(2);
  });
});

describe('GoogleGenAIInstrumentation embedContent, Vertex AI, content and metrics', () => {
  it('records an embeddings span with the prompt tokens and their cost', async () => {
    const response = await gemini().models.embedContent({ model: 'gemini-embedding-001', contents: ['first text', 'second'] });
    expect(response.embeddings).toHaveLength(2);
    const span = onlySpan(telemetry.spans(), 'embeddings gemini-embedding-001');
    const tokens = Math.ceil('first text'.length / 4) + Math.ceil('second'.length / 4);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'gcp.gemini',
      'gen_ai.usage.input_tokens': tokens,
      'gen_ai.usage.output_tokens': 0,
    });
    expect(span.attributes['gen_ai.usage.cost.amount']).toBeCloseTo(expectedCost('gcp.gemini', 'gemini-embedding-001', usageFromGemini({ promptTokenCount: tokens })), 12);
  });

  it('reports Vertex AI as gcp.vertex_ai with its location, priced from the Gemini catalog', async () => {
    await vertex({ usage: { input: 400, output: 100 } }).models.generateContent({ model: 'gemini-2.5-flash', contents: 'On Vertex' });
    expect(server.requests.at(-1)?.path).toBe('/v1beta1/projects/demo-project/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent');
    const span = onlySpan(telemetry.spans(), 'generate_content gemini-2.5-flash');
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'gcp.vertex_ai',
      'cloud.region': 'us-central1',
      'gen_ai.usage.input_tokens': 400,
      'gen_ai.usage.output_tokens': 100,
    });
    const cost = defaultCatalog().cost({ provider: 'gcp.vertex_ai', model: 'gemini-2.5-flash', region: 'us-central1' }, { inputTokens: 400, outputTokens: 100 });
    expect(span.attributes['gen_ai.usage.cost.amount']).toBe(cost.breakdown?.total);
    expect(cost.breakdown?.total).toBeCloseTo(expectedCost('gcp.vertex_ai', 'gemini-2.5-flash', { inputTokens: 400, outputTokens: 100 }), 12);
  });

  it('traces Vertex AI embeddings through the predict endpoint', async () => {
    await vertex().models.embedContent({ model: 'text-embedding-005', contents: ['abcdefgh', 'abcd'] });
    const span = onlySpan(telemetry.spans(), 'embeddings text-embedding-005');
    expect(span.attributes['gen_ai.provider.name']).toBe('gcp.vertex_ai');
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(3);
  });

  it('records prompts and completions only when content capture is on', async () => {
    instrumentation.setConfig({ captureMessageContent: true });
    try {
      await gemini({ text: 'Blue light scatters.' }).models.generateContent({
        model: 'gemini-2.5-flash',
        contents: 'Why is the sky blue?',
        config: { systemInstruction: 'Answer briefly.' },
      });
    } finally {
      instrumentation.setConfig({});
    }
    const span = onlySpan(telemetry.spans(), 'generate_content gemini-2.5-flash');
    expect(JSON.parse(span.attributes['gen_ai.input.messages'] as string)).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'Why is the sky blue?' }] }]);
    expect(JSON.parse(span.attributes['gen_ai.system_instructions'] as string)).toEqual([{ type: 'text', content: 'Answer briefly.' }]);
    expect(JSON.parse(span.attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Blue light scatters.' }], finish_reason: 'stop' },
    ]);
  });

  it('records token usage metrics by provider and model', async () => {
    await gemini({ usage: { input: 70, output: 11 } }).models.generateContent({ model: 'gemini-2.0-flash', contents: 'metrics' });
    const metrics = await telemetry.metrics();
    const input = points(metrics, 'gen_ai.client.token.usage', { 'gen_ai.request.model': 'gemini-2.0-flash', 'gen_ai.token.type': 'input' });
    const output = points(metrics, 'gen_ai.client.token.usage', { 'gen_ai.request.model': 'gemini-2.0-flash', 'gen_ai.token.type': 'output' });
    expect(input.map((p) => (p.value as { sum: number }).sum)).toEqual([70]);
    expect(output.map((p) => (p.value as { sum: number }).sum)).toEqual([11]);
    expect(input[0]?.attributes['gen_ai.provider.name']).toBe('gcp.gemini');
  });
});

describe('GoogleGenAIInstrumentation without module hooks and under version drift', () => {
  it('traces a client through instrumentClient, once even when the module is patched too', async () => {
    const client = gemini({ usage: { input: 5, output: 2 } });
    expect(instrumentation.instrumentClient(client)).toBe(true);
    await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'patched twice?' });
    expect(telemetry.spans()).toHaveLength(1);

    instrumentation.unpatchModule(genai);
    try {
      telemetry.reset();
      const bundled = gemini({ usage: { input: 5, output: 2 } });
      await bundled.models.generateContent({ model: 'gemini-2.5-flash', contents: 'untraced' });
      expect(telemetry.spans()).toHaveLength(0);
      expect(instrumentation.instrumentClient(bundled)).toBe(true);
      await bundled.models.generateContent({ model: 'gemini-2.5-flash', contents: 'traced' });
      expect(onlySpan(telemetry.spans(), 'generate_content gemini-2.5-flash').attributes['gen_ai.usage.input_tokens']).toBe(5);
    } finally {
      instrumentation.patchModule(genai);
    }
  });

  it('leaves a module of unknown shape alone without throwing', () => {
    class Models {
      generate(): string {
        return 'untouched';
      }
    }
    const drifted = { Models };
    const warnings = captureDiagWarnings(() => expect(instrumentation.patchModule(drifted)).toBe(drifted));
    expect(warnings).toEqual([
      '@spendtrace/instrumentation/google-genai @google/genai: Models methods not found (unsupported SDK shape); calls are not traced',
    ]);
    expect(new Models().generate()).toBe('untouched');
    expect(instrumentation.patchModule(undefined)).toBeUndefined();
    expect(instrumentation.instrumentClient({})).toBe(false);
  });
});
