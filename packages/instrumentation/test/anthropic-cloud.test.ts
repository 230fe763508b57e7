/**
 * Claude through the Anthropic SDK's cloud clients, against the local provider server:
 * `AnthropicBedrock` (@anthropic-ai/bedrock-sdk: SigV4-signed with dummy keys, InvokeModel and
 * InvokeModelWithResponseStream with AWS event-stream framing) and `AnthropicVertex`
 * (@anthropic-ai/vertex-sdk: rawPredict / streamRawPredict, with a stand-in Google auth client).
 * Each call is one span of provider aws.bedrock / gcp.vertex_ai, priced from that platform's catalog.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';
import * as anthropicModule from '@anthropic-ai/sdk';
import { AnthropicVertex } from '@anthropic-ai/vertex-sdk';
import type { CanonicalUsage } from '@spendtrace/pricing';
import { describe, expect, it } from 'vitest';
import { AnthropicInstrumentation } from '../src/anthropic/index.ts';
import { onlySpan } from './helpers.ts';
import { expectedCostAttributes } from './helpers/expected-cost.ts';
import { scenario, useProviderServer } from './helpers/provider-server.ts';

const instrumentation = new AnthropicInstrumentation({ enabled: false });
const { telemetry, server } = useProviderServer({ instrumentation, sdkModule: anthropicModule });

const CACHED = { usage: { input: 4000, cacheRead: 2500, cacheWrite: 1000, output: 150 } };
const CACHED_USAGE: CanonicalUsage = { inputTokens: 4000, outputTokens: 150, cacheReadTokens: 2500, cacheWriteTokens: 1000, cacheWrite1hTokens: 0 };

describe('AnthropicBedrock (@anthropic-ai/bedrock-sdk)', () => {
  const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
  const bedrock = () =>
    new AnthropicBedrock({ baseURL: server.url, awsRegion: 'us-east-1', awsAccessKey: 'test', awsSecretKey: 'test', maxRetries: 0 });

  it('records one aws.bedrock chat span priced from the Bedrock catalog (US profile premium)', async () => {
    const message = await bedrock().messages.create({ model: MODEL, max_tokens: 200, messages: [{ role: 'user', content: 'Hi' }] }, scenario(CACHED));
    expect(message.usage.cache_read_input_tokens).toBe(2500);
    const request = server.requests.at(-1)!;
    expect(request.path).toBe(`/model/${MODEL}/invoke`);
    expect(String(request.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=test\//);

    const span = onlySpan(telemetry.spans(), `chat ${MODEL}`);
    expect(telemetry.spans()).toHaveLength(1);
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    const bedrockCost = expectedCostAttributes({ provider: 'aws.bedrock', model: MODEL, region: 'us-east-1' }, CACHED_USAGE);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'aws.bedrock',
      'gen_ai.request.model': MODEL,
      'gen_ai.request.max_tokens': 200,
      'server.address': '127.0.0.1',
      'server.port': server.port,
      'gen_ai.usage.input_tokens': 4000,
      'gen_ai.usage.cache_read.input_tokens': 2500,
      'gen_ai.usage.cache_creation.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 150,
      ...bedrockCost,
    });
    // The Bedrock price (with the US cross-region profile premium), not Anthropic's first-party one.
    expect(span.attributes['spendtrace.pricing.model']).toBe('aws.bedrock/claude-sonnet-4-5');
    const firstParty = expectedCostAttributes({ provider: 'anthropic', model: 'claude-sonnet-4-5' }, CACHED_USAGE);
    expect(span.attributes['gen_ai.usage.cost.amount']).not.toBe(firstParty['gen_ai.usage.cost.amount']);
  });

  it('records a streamed call through invoke-with-response-stream with its final usage', async () => {
    const stream = await bedrock().messages.create(
      { model: MODEL, max_tokens: 200, messages: [{ role: 'user', content: 'Hi' }], stream: true },
      scenario({ ...CACHED, chunks: 6 }),
    );
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.filter((t) => t === 'content_block_delta')).toHaveLength(6);
    expect(server.requests.at(-1)!.path).toBe(`/model/${MODEL}/invoke-with-response-stream`);

    const span = onlySpan(telemetry.spans(), `chat ${MODEL}`);
    expect(telemetry.spans()).toHaveLength(1);
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'aws.bedrock',
      'gen_ai.request.stream': true,
      'gen_ai.usage.input_tokens': 4000,
      'gen_ai.usage.output_tokens': 150,
      ...expectedCostAttributes({ provider: 'aws.bedrock', model: MODEL, region: 'us-east-1' }, CACHED_USAGE),
    });
    expect(typeof span.attributes['gen_ai.response.time_to_first_chunk']).toBe('number');
  });
});

describe('AnthropicVertex (@anthropic-ai/vertex-sdk)', () => {
  const MODEL = 'claude-sonnet-4-5@20250929';
  // Google credentials are not available here: a stand-in auth client supplies the bearer header.
  const authClient = { getRequestHeaders: async () => new Headers({ authorization: 'Bearer test-token' }) };
  const vertex = () =>
    new AnthropicVertex({ baseURL: `${server.url}/v1`, region: 'us-east5', projectId: 'demo-project', authClient: authClient as never, maxRetries: 0 });

  it('records one gcp.vertex_ai chat span priced from the Vertex catalog', async () => {
    const message = await vertex().messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }, scenario(CACHED));
    expect(message.model).toBe(MODEL);
    const request = server.requests.at(-1)!;
    expect(request.path).toBe(`/v1/projects/demo-project/locations/us-east5/publishers/anthropic/models/${MODEL}:rawPredict`);
    expect(request.headers.authorization).toBe('Bearer test-token');

    const span = onlySpan(telemetry.spans(), `chat ${MODEL}`);
    expect(telemetry.spans()).toHaveLength(1);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'gcp.vertex_ai',
      'gen_ai.request.model': MODEL,
      'gen_ai.response.model': MODEL,
      'gen_ai.usage.input_tokens': 4000,
      'gen_ai.usage.cache_read.input_tokens': 2500,
      'gen_ai.usage.output_tokens': 150,
      ...expectedCostAttributes({ provider: 'gcp.vertex_ai', model: MODEL, region: 'us-east5' }, CACHED_USAGE),
    });
    // Vertex's own entry, with its regional-endpoint premium for us-east5.
    expect(span.attributes['spendtrace.pricing.model']).toBe('gcp.vertex_ai/claude-sonnet-4-5');
    expect(span.attributes['spendtrace.pricing.adjustments']).toBe('region:us');
  });

  it('records a streamed call through streamRawPredict', async () => {
    const stream = await vertex().messages.create(
      { model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }], stream: true },
      scenario({ usage: { input: 30, output: 4 }, chunks: 4 }),
    );
    let deltas = 0;
    for await (const event of stream) if (event.type === 'content_block_delta') deltas++;
    expect(deltas).toBe(4);
    expect(server.requests.at(-1)!.path).toBe(`/v1/projects/demo-project/locations/us-east5/publishers/anthropic/models/${MODEL}:streamRawPredict`);
    const span = onlySpan(telemetry.spans(), `chat ${MODEL}`);
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'gcp.vertex_ai',
      'gen_ai.request.stream': true,
      'gen_ai.usage.input_tokens': 30,
      'gen_ai.usage.output_tokens': 4,
      ...expectedCostAttributes({ provider: 'gcp.vertex_ai', model: MODEL, region: 'us-east5' }, { inputTokens: 30, outputTokens: 4, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 }),
    });
  });
});
