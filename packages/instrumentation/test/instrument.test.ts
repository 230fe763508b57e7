/**
 * The top-level `instrument(client)` for bundled apps: each supported SDK client is recognised by
 * shape, traced with the global providers, and traced once however often it is passed in. No
 * module is patched in this file, so every span here comes from `instrument()`.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import Anthropic from '@anthropic-ai/sdk';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { instrument } from '../src/instrument.ts';
import { onlySpan } from './helpers.ts';
import { useProviderServer } from './helpers/provider-server.ts';

const { telemetry, server } = useProviderServer();

const usageHeader = (usage: object) => ({ 'x-mock-scenario': JSON.stringify({ usage }) });

describe('instrument(client)', () => {
  it('traces an OpenAI client', async () => {
    const client = instrument(new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0 }));
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }, { headers: usageHeader({ input: 7, output: 3 }) });
    const span = onlySpan(telemetry.spans(), 'chat gpt-4o-mini');
    expect(span.attributes['gen_ai.provider.name']).toBe('openai');
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(7);
  });

  it('traces an Anthropic client', async () => {
    const client = instrument(new Anthropic({ baseURL: server.url, apiKey: 'k', maxRetries: 0 }));
    await client.messages.create(
      { model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] },
      { headers: usageHeader({ input: 11, output: 4 }) },
    );
    const span = onlySpan(telemetry.spans(), 'chat claude-sonnet-4-5');
    expect(span.attributes['gen_ai.provider.name']).toBe('anthropic');
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(4);
  });

  it('traces a Google Gen AI client, once even when instrumented twice', async () => {
    const client = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: server.url, headers: usageHeader({ input: 12, output: 5, reasoning: 2 }) } });
    expect(instrument(client)).toBe(client);
    instrument(client);
    const response = await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hello' });
    expect(response.usageMetadata?.promptTokenCount).toBe(12);

    const span = onlySpan(telemetry.spans(), 'generate_content gemini-2.5-flash');
    expect(telemetry.spans()).toHaveLength(1);
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'generate_content',
      'gen_ai.provider.name': 'gcp.gemini',
      'gen_ai.request.model': 'gemini-2.5-flash',
      'server.address': '127.0.0.1',
      'server.port': server.port,
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 5,
      'gen_ai.usage.reasoning.output_tokens': 2,
      'gen_ai.usage.cost.currency': 'USD',
    });
  });

  it('traces a Bedrock Runtime client, once even when instrumented twice', async () => {
    const client = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: server.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    client.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-mock-scenario'] = JSON.stringify({ usage: { input: 30, output: 9 } });
        return next(args);
      },
      { step: 'build', name: 'mockScenario' },
    );
    expect(instrument(client)).toBe(client);
    instrument(client);
    const output = await client.send(
      new ConverseCommand({ modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0', messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
    );
    expect(output.usage?.inputTokens).toBe(30);

    const span = onlySpan(telemetry.spans(), 'chat anthropic.claude-3-5-haiku-20241022-v1:0');
    expect(telemetry.spans()).toHaveLength(1);
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'aws.bedrock',
      'gen_ai.request.model': 'anthropic.claude-3-5-haiku-20241022-v1:0',
      'cloud.region': 'us-east-1',
      'gen_ai.usage.input_tokens': 30,
      'gen_ai.usage.output_tokens': 9,
      'gen_ai.usage.cost.currency': 'USD',
    });
  });

  it('rejects what it does not recognise with the list of supported SDKs', () => {
    const supported = 'supported: openai, @anthropic-ai/sdk, @google/genai, @aws-sdk/client-bedrock-runtime';
    expect(() => instrument({ query: () => 1 })).toThrow(`instrument() does not recognise this client (Object); ${supported}`);
    // A `send` alone is not an AWS client.
    expect(() => instrument({ send: () => 1 })).toThrow(TypeError);
    expect(() => instrument(undefined)).toThrow('instrument() expects an SDK client object');
  });
});
