/**
 * Version drift: the oldest supported @anthropic-ai/sdk (0.20.0, installed as `anthropic-sdk-v0`)
 * and @aws-sdk/client-bedrock-runtime (3.587.0, the first with Converse, as
 * `bedrock-runtime-v3-587`) give exactly the spans the latest releases give for the same
 * workload, and their callers see the same results as uninstrumented.
 */
import type { Attributes } from '@opentelemetry/api';
import * as anthropicLatest from '@anthropic-ai/sdk';
import * as bedrockLatest from '@aws-sdk/client-bedrock-runtime';
import * as bedrockOldest from 'bedrock-runtime-v3-587';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { AnthropicInstrumentation } from '../src/anthropic/index.ts';
import { BedrockInstrumentation } from '../src/bedrock/index.ts';
import { scenario, sendingToTestTelemetry, useProviderServer } from './helpers/provider-server.ts';
import type { ModuleInstrumentation } from './helpers/provider-server.ts';

// Loaded untyped: 0.20.0's declarations pull in @types/node 18, whose globals would clash with the
// workspace's @types/node for every file the typecheck covers.
const anthropicOldest = createRequire(import.meta.url)('anthropic-sdk-v0') as typeof anthropicLatest;

const { telemetry, server } = useProviderServer();

type SpanSummary = { name: string; kind: number; status: number; attributes: Attributes };

/** Spans as comparable data: timings differ from run to run, so only their presence counts. */
function spanSummary(): SpanSummary[] {
  return telemetry.spans().map((s) => ({
    name: s.name,
    kind: s.kind,
    status: s.status.code,
    attributes: { ...s.attributes, 'gen_ai.response.time_to_first_chunk': typeof s.attributes['gen_ai.response.time_to_first_chunk'] },
  }));
}

/**
 * Runs `workload` on the oldest SDK untraced, then on the latest and on the oldest, each patched by
 * an instrumentation of its own: what the caller saw untraced and traced, and the spans of each run.
 */
async function runOnBoth<Sdk>(
  newInstrumentation: () => ModuleInstrumentation,
  latestSdk: Sdk,
  oldestSdk: Sdk,
  workload: (sdk: Sdk) => Promise<string[]>,
): Promise<{ plainOldest: string[]; seenOldest: string[]; spansLatest: SpanSummary[]; spansOldest: SpanSummary[] }> {
  const plainOldest = await workload(oldestSdk);
  const latest = sendingToTestTelemetry(newInstrumentation());
  const oldest = sendingToTestTelemetry(newInstrumentation());
  latest.patchModule(latestSdk);
  oldest.patchModule(oldestSdk);
  try {
    await workload(latestSdk);
    const spansLatest = spanSummary();
    telemetry.reset();
    const seenOldest = await workload(oldestSdk);
    return { plainOldest, seenOldest, spansLatest, spansOldest: spanSummary() };
  } finally {
    latest.unpatchModule(latestSdk);
    oldest.unpatchModule(oldestSdk);
  }
}

describe('@anthropic-ai/sdk 0.20.0 (oldest supported) and latest', () => {
  type Sdk = typeof anthropicLatest;
  const cached = { usage: { input: 5000, cacheRead: 3000, cacheWrite: 1500, cacheWrite1h: 500, output: 200 }, id: 'msg_drift_1' };

  /** A JSON call, a `stream: true` call and the `messages.stream()` helper; returns what the caller saw. */
  async function workload(sdk: Sdk): Promise<string[]> {
    const client = new sdk.Anthropic({ baseURL: server.url, apiKey: 'k', maxRetries: 0 });
    const seen: string[] = [];
    const message = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 300, messages: [{ role: 'user', content: 'Hi' }] }, scenario(cached));
    seen.push(JSON.stringify(message));
    const stream = await client.messages.create(
      { model: 'claude-sonnet-4-5', max_tokens: 300, messages: [{ role: 'user', content: 'Hi' }], stream: true },
      scenario({ ...cached, id: 'msg_drift_2', chunks: 5 }),
    );
    for await (const event of stream) seen.push(JSON.stringify(event));
    const helper = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 300, messages: [{ role: 'user', content: 'Hi' }] }, scenario({ id: 'msg_drift_3', usage: { input: 40, output: 3 }, chunks: 3 }));
    seen.push(JSON.stringify(await helper.finalMessage()));
    return seen;
  }

  it('records the same spans on both and leaves the caller results untouched', async () => {
    const newInstrumentation = () => new AnthropicInstrumentation({ enabled: false });
    const { plainOldest, seenOldest, spansLatest, spansOldest } = await runOnBoth(newInstrumentation, anthropicLatest, anthropicOldest, workload);
    expect(seenOldest).toEqual(plainOldest);
    expect(spansLatest.map((s) => s.name)).toEqual(['chat claude-sonnet-4-5', 'chat claude-sonnet-4-5', 'chat claude-sonnet-4-5']);
    expect(spansOldest).toEqual(spansLatest);
    expect(spansOldest[0]!.attributes).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.response.id': 'msg_drift_1',
      'gen_ai.usage.input_tokens': 5000,
      'gen_ai.usage.cache_read.input_tokens': 3000,
      'gen_ai.usage.cache_creation.input_tokens': 1500,
      'spendtrace.usage.cache_creation_1h.input_tokens': 500,
      'gen_ai.usage.output_tokens': 200,
    });
    expect(spansOldest[1]!.attributes['gen_ai.request.stream']).toBe(true);
    expect(spansOldest[1]!.attributes['gen_ai.usage.input_tokens']).toBe(5000);
    expect(spansOldest[2]!.attributes['gen_ai.usage.output_tokens']).toBe(3);
  });
});

describe('@aws-sdk/client-bedrock-runtime 3.587.0 (first with Converse) and latest', () => {
  type Sdk = typeof bedrockLatest;
  const SONNET_US = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

  function client(sdk: Sdk, scenario: object): InstanceType<Sdk['BedrockRuntimeClient']> {
    const c = new sdk.BedrockRuntimeClient({ region: 'us-east-1', endpoint: server.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    c.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-mock-scenario'] = JSON.stringify(scenario);
        return next(args);
      },
      { step: 'build', name: 'mockScenario' },
    );
    return c;
  }

  /** Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream; returns what the caller saw. */
  async function workload(sdk: Sdk): Promise<string[]> {
    const usage = { input: 3000, cacheRead: 2000, cacheWrite: 500, output: 120 };
    const seen: string[] = [];
    const messages = [{ role: 'user' as const, content: [{ text: 'Hello Bedrock' }] }];
    const converse = await client(sdk, { usage }).send(new sdk.ConverseCommand({ modelId: SONNET_US, messages, inferenceConfig: { maxTokens: 256, temperature: 0.2 } }));
    seen.push(JSON.stringify({ ...converse, $metadata: undefined, metrics: undefined }));
    const stream = await client(sdk, { usage, chunks: 4 }).send(new sdk.ConverseStreamCommand({ modelId: SONNET_US, messages }));
    for await (const event of stream.stream!) seen.push(JSON.stringify({ ...event, metadata: event.metadata ? { usage: event.metadata.usage } : undefined }));
    const body = JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
    const invoke = await client(sdk, { usage: { input: 50, output: 7 }, id: 'msg_invoke_drift' }).send(new sdk.InvokeModelCommand({ modelId: SONNET_US, body, contentType: 'application/json' }));
    seen.push(new TextDecoder().decode(invoke.body));
    const invokeStream = await client(sdk, { usage: { input: 60, output: 3 }, chunks: 3 }).send(
      new sdk.InvokeModelWithResponseStreamCommand({ modelId: SONNET_US, body, contentType: 'application/json' }),
    );
    for await (const event of invokeStream.body!) seen.push(new TextDecoder().decode(event.chunk?.bytes));
    return seen;
  }

  it('records the same spans on both and leaves the caller results untouched', async () => {
    const newInstrumentation = () => new BedrockInstrumentation({ enabled: false });
    const { plainOldest, seenOldest, spansLatest, spansOldest } = await runOnBoth(newInstrumentation, bedrockLatest, bedrockOldest as unknown as Sdk, workload);
    expect(seenOldest).toEqual(plainOldest);
    expect(spansLatest).toHaveLength(4);
    expect(spansOldest).toEqual(spansLatest);
    expect(spansOldest.map((s) => s.attributes['gen_ai.usage.input_tokens'])).toEqual([3000, 3000, 50, 60]);
    expect(spansOldest[0]!.attributes).toMatchObject({
      'gen_ai.provider.name': 'aws.bedrock',
      'gen_ai.request.model': SONNET_US,
      'cloud.region': 'us-east-1',
      'gen_ai.usage.cache_read.input_tokens': 2000,
      'gen_ai.usage.cache_creation.input_tokens': 500,
      'gen_ai.usage.output_tokens': 120,
      'spendtrace.pricing.model': 'aws.bedrock/claude-sonnet-4-5',
    });
    // The streamed InvokeModel span names the message the caller received.
    const start = seenOldest.map((s) => JSON.parse(s) as { type?: string; message?: { id: string } }).find((e) => e.type === 'message_start');
    expect(spansOldest[3]!.attributes['gen_ai.response.id']).toBe(start?.message?.id);
    expect(start?.message?.id).toMatch(/^msg_/);
  });
});
