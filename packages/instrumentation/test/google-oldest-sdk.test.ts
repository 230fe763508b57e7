import * as genaiV1 from 'google-genai-v1';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startProviderServer } from '../../../test/providers/server.ts';
import type { ProviderServer } from '../../../test/providers/server.ts';
import { GoogleGenAIInstrumentation } from '../src/google/index.ts';
import { onlySpan, setupTelemetry } from './helpers.ts';

/** The oldest supported @google/genai (1.0.0), whose `embedContent` still lives on the prototype. */
const telemetry = setupTelemetry();
const instrumentation = new GoogleGenAIInstrumentation();
instrumentation.setTracerProvider(telemetry.tracerProvider);
instrumentation.setMeterProvider(telemetry.meterProvider);

let server: ProviderServer;
beforeAll(async () => {
  server = await startProviderServer();
  instrumentation.patchModule(genaiV1);
});
afterAll(async () => {
  instrumentation.unpatchModule(genaiV1);
  await server.close();
});
afterEach(() => telemetry.reset());

function client(): genaiV1.GoogleGenAI {
  const scenario = { usage: { input: 900, cacheRead: 600, output: 50, reasoning: 30 }, chunks: 4 };
  return new genaiV1.GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: server.url, headers: { 'x-mock-scenario': JSON.stringify(scenario) } } });
}

it('traces generateContent with thinking and cache tokens on @google/genai 1.0.0', async () => {
  await client().models.generateContent({ model: 'gemini-2.5-flash', contents: 'old sdk' });
  expect(server.requests.at(-1)?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
  expect(onlySpan(telemetry.spans(), 'generate_content gemini-2.5-flash').attributes).toMatchObject({
    'gen_ai.provider.name': 'gcp.gemini',
    'gen_ai.usage.input_tokens': 900,
    'gen_ai.usage.cache_read.input_tokens': 600,
    'gen_ai.usage.output_tokens': 50,
    'gen_ai.usage.reasoning.output_tokens': 30,
  });
});

it('traces generateContentStream and embedContent on @google/genai 1.0.0', async () => {
  const texts: string[] = [];
  for await (const chunk of await client().models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'old stream' })) texts.push(chunk.text ?? '');
  expect(texts).toHaveLength(4);
  expect(onlySpan(telemetry.spans(), 'generate_content gemini-2.5-flash').attributes['gen_ai.usage.output_tokens']).toBe(50);

  // 1.0.0 drops the response's usageMetadata before the caller (and the instrumentation) sees it:
  // the span is there, without usage, and is not priced as zero.
  await client().models.embedContent({ model: 'gemini-embedding-001', contents: 'abcdefgh' });
  const embed = onlySpan(telemetry.spans(), 'embeddings gemini-embedding-001');
  expect(embed.attributes['gen_ai.provider.name']).toBe('gcp.gemini');
  expect(embed.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
  expect(embed.attributes['gen_ai.usage.cost.amount']).toBeUndefined();
});
