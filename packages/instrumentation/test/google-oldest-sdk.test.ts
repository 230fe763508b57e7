import * as genaiV1 from 'google-genai-v1';
import { expect, it } from 'vitest';
import { GoogleGenAIInstrumentation } from '../src/google/index.ts';
import { onlySpan } from './helpers.ts';
import { useProviderServer } from './helpers/provider-server.ts';

/** The oldest supported @google/genai (1.0.0), whose `embedContent` still lives on the prototype. */
const instrumentation = new GoogleGenAIInstrumentation();
const { telemetry, server } = useProviderServer({ instrumentation, sdkModule: genaiV1 });

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
