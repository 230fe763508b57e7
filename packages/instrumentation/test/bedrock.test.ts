import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import * as bedrockModule from '@aws-sdk/client-bedrock-runtime';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  CountTokensCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';
import type { BedrockRuntimeClientConfig, ConverseCommandInput, ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { defaultCatalog } from '@spendtrace/pricing';
import type { CanonicalUsage } from '@spendtrace/pricing';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { captureDiagWarnings } from './helpers/diag.ts';
import { decodeMessages, encodeEvent } from '../../../test/providers/eventstream.ts';
import type { Scenario } from '../../../test/providers/server.ts';
import { withAttribution } from '../src/attribution.ts';
import { BedrockInstrumentation } from '../src/bedrock/index.ts';
import { onlySpan, points } from './helpers.ts';
import { useProviderServer } from './helpers/provider-server.ts';

const instrumentation = new BedrockInstrumentation();
const { telemetry, server } = useProviderServer({ instrumentation, sdkModule: bedrockModule });

const SONNET_US = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const SONNET_GLOBAL = 'global.anthropic.claude-sonnet-4-5-20250929-v1:0';
const SONNET_ARN = `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${SONNET_US}`;

/** A client of the local server; the scenario travels in a header added before signing. */
function bedrock(scenario: Scenario = {}, config: Partial<BedrockRuntimeClientConfig> = {}, fault?: string): BedrockRuntimeClient {
  const client = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: server.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    ...config,
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers: Record<string, string> }).headers;
      headers['x-mock-scenario'] = JSON.stringify(scenario);
      if (fault) headers['x-mock-fault'] = fault;
      return next(args);
    },
    { step: 'build', name: 'mockScenario' },
  );
  return client;
}

function converseInput(modelId: string, text = 'Hello Bedrock'): ConverseCommandInput {
  return {
    modelId,
    system: [{ text: 'You are terse.' }, { cachePoint: { type: 'default' } }],
    messages: [{ role: 'user', content: [{ text }] }],
    inferenceConfig: { maxTokens: 256, temperature: 0.2, topP: 0.95, stopSequences: ['STOP'] },
  };
}

/** Expected cost from the catalog's per-million prices, modifiers (regional premium) included. */
function expectedCost(model: string, region: string, usage: CanonicalUsage): number {
  const price = defaultCatalog().resolve({ provider: 'aws.bedrock', model, region });
  if (!price) throw new Error(`catalog has no aws.bedrock/${model}`);
  const p = price.prices;
  const read = usage.cacheReadTokens ?? 0;
  const write = usage.cacheWriteTokens ?? 0;
  const uncached = usage.inputTokens - read - write;
  return (uncached * p.input + read * (p.cache_read ?? 0) + write * (p.cache_write_5m ?? 0) + usage.outputTokens * p.output) / 1e6;
}

/** The output without SDK bookkeeping that is not part of the answer. */
function comparable(output: object): string {
  return JSON.stringify({ ...output, $metadata: undefined });
}

async function untraced<T>(fn: () => Promise<T>): Promise<T> {
  instrumentation.unpatchModule(bedrockModule);
  try {
    return await fn();
  } finally {
    instrumentation.patchModule(bedrockModule);
  }
}

const CACHED: Scenario = { usage: { input: 3000, cacheRead: 2000, cacheWrite: 500, output: 120 } };
const CACHED_USAGE: CanonicalUsage = { inputTokens: 3000, outputTokens: 120, cacheReadTokens: 2000, cacheWriteTokens: 500 };
/** The usage a CACHED call records: Bedrock's separate cache counts folded into input. */
const CACHED_ATTRIBUTES = {
  'gen_ai.usage.input_tokens': 3000,
  'gen_ai.usage.output_tokens': 120,
  'gen_ai.usage.cache_read.input_tokens': 2000,
  'gen_ai.usage.cache_creation.input_tokens': 500,
};

describe('BedrockInstrumentation Converse', () => {
  it('records a chat span with cache usage folded into input, region and regional price', async () => {
    const output = await bedrock(CACHED).send(new ConverseCommand(converseInput(SONNET_US)));
    expect(output.usage).toMatchObject({ inputTokens: 500, cacheReadInputTokens: 2000, cacheWriteInputTokens: 500 });

    const span = onlySpan(telemetry.spans(), `chat ${SONNET_US}`);
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'aws.bedrock',
      'gen_ai.request.model': SONNET_US,
      'gen_ai.request.max_tokens': 256,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.95,
      'gen_ai.request.stop_sequences': ['STOP'],
      'gen_ai.request.stream': false,
      'gen_ai.response.finish_reasons': ['end_turn'],
      ...CACHED_ATTRIBUTES,
      'cloud.region': 'us-east-1',
      'server.address': '127.0.0.1',
      'server.port': server.port,
      'spendtrace.pricing.model': 'aws.bedrock/claude-sonnet-4-5',
      'spendtrace.pricing.adjustments': 'region:us',
    });
    expect(span.attributes['gen_ai.usage.cost.amount']).toBeCloseTo(expectedCost(SONNET_US, 'us-east-1', CACHED_USAGE), 12);
  });

  it('prices the global profile at list price and the US profile with its 10% premium', async () => {
    await bedrock(CACHED).send(new ConverseCommand(converseInput(SONNET_GLOBAL)));
    await bedrock(CACHED).send(new ConverseCommand(converseInput(SONNET_US)));
    const globalCost = onlySpan(telemetry.spans(), `chat ${SONNET_GLOBAL}`).attributes['gen_ai.usage.cost.amount'] as number;
    const usCost = onlySpan(telemetry.spans(), `chat ${SONNET_US}`).attributes['gen_ai.usage.cost.amount'] as number;
    expect(usCost / globalCost).toBeCloseTo(1.1, 12);
  });

  it('prices an in-region model id by the client region', async () => {
    const modelId = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
    await bedrock(CACHED, { region: 'eu-west-1' }).send(new ConverseCommand(converseInput(modelId)));
    const span = onlySpan(telemetry.spans(), `chat ${modelId}`);
    expect(span.attributes['cloud.region']).toBe('eu-west-1');
    expect(span.attributes['gen_ai.usage.cost.amount']).toBeCloseTo(expectedCost(modelId, 'eu-west-1', CACHED_USAGE), 12);
  });

  it('hands the caller the same output as without instrumentation', async () => {
    const traced = await bedrock(CACHED).send(new ConverseCommand(converseInput(SONNET_US, 'same')));
    const plain = await untraced(() => bedrock(CACHED).send(new ConverseCommand(converseInput(SONNET_US, 'same'))));
    expect(comparable(traced)).toBe(comparable(plain));
    expect(telemetry.spans()).toHaveLength(1);
  });

  it('marks the span as failed with the AWS error type on 429 and 500', async () => {
    for (const [status, type] of [
      [429, 'ThrottlingException'],
      [500, 'InternalServerException'],
    ] as const) {
      telemetry.reset();
      const error = await bedrock({ error: { status } })
        .send(new ConverseCommand(converseInput(SONNET_US)))
        .then(() => undefined, (e: unknown) => e);
      expect((error as Error).name).toBe(type);
      const span = onlySpan(telemetry.spans(), `chat ${SONNET_US}`);
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe(type);
    }
  });

  it('supports callback-style send', async () => {
    const output = await new Promise<ConverseCommandOutput | undefined>((resolve, reject) => {
      bedrock({ usage: { input: 10, output: 4 } }).send(new ConverseCommand(converseInput(SONNET_US)), (error, data) => (error ? reject(error) : resolve(data)));
    });
    expect(output?.usage?.outputTokens).toBe(4);
    expect(onlySpan(telemetry.spans(), `chat ${SONNET_US}`).attributes['gen_ai.usage.output_tokens']).toBe(4);
  });

  it('reads a region given as a provider (AWS_REGION) before tracing', async () => {
    const previous = process.env.AWS_REGION;
    process.env.AWS_REGION = 'eu-central-1';
    try {
      await bedrock({ usage: { input: 10, output: 4 } }, { region: undefined }).send(new ConverseCommand(converseInput(SONNET_US)));
    } finally {
      if (previous === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = previous;
    }
    expect(onlySpan(telemetry.spans(), `chat ${SONNET_US}`).attributes['cloud.region']).toBe('eu-central-1');
  });

  it('carries the caller attribution, also when the region is resolved first, and labels the cost metric', async () => {
    const previous = process.env.AWS_REGION;
    process.env.AWS_REGION = 'us-west-2';
    try {
      await withAttribution({ feature: 'bedrock-summaries', customerId: 'acme' }, () =>
        bedrock({ usage: { input: 1000, output: 100 } }, { region: undefined }).send(new ConverseCommand(converseInput(SONNET_US))),
      );
    } finally {
      if (previous === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = previous;
    }
    const span = onlySpan(telemetry.spans(), `chat ${SONNET_US}`);
    expect(span.attributes).toMatchObject({ 'spendtrace.feature': 'bedrock-summaries', 'spendtrace.customer.id': 'acme', 'cloud.region': 'us-west-2' });
    const cost = points(await telemetry.metrics(), 'spendtrace.client.cost', { 'spendtrace.feature': 'bedrock-summaries' });
    expect(cost.map((p) => p.value)).toEqual([span.attributes['gen_ai.usage.cost.amount']]);
  });

  it('leaves other commands untraced', async () => {
    await bedrock()
      .send(new CountTokensCommand({ modelId: SONNET_US, input: { converse: { messages: [{ role: 'user', content: [{ text: 'x' }] }] } } }))
      .catch(() => undefined);
    expect(telemetry.spans()).toHaveLength(0);
  });
});

describe('BedrockInstrumentation ConverseStream', () => {
  async function events(client: BedrockRuntimeClient, text: string, stopAfter = Infinity): Promise<string[]> {
    const output = await client.send(new ConverseStreamCommand(converseInput(SONNET_US, text)));
    const seen: string[] = [];
    for await (const event of output.stream ?? []) {
      seen.push(JSON.stringify(event));
      if (seen.length >= stopAfter) break;
    }
    return seen;
  }

  it('passes the decoded events through unchanged and records usage from the metadata event', async () => {
    const traced = await events(bedrock({ ...CACHED, chunks: 12, chunkDelayMs: 2 }), 'stream');
    const plain = await untraced(() => events(bedrock({ ...CACHED, chunks: 12 }), 'stream'));
    expect(traced).toEqual(plain);
    expect(traced).toHaveLength(16);

    const span = onlySpan(telemetry.spans(), `chat ${SONNET_US}`);
    expect(span.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.finish_reasons': ['end_turn'],
      ...CACHED_ATTRIBUTES,
    });
    expect(span.attributes['gen_ai.usage.cost.amount']).toBeCloseTo(expectedCost(SONNET_US, 'us-east-1', CACHED_USAGE), 12);
    const ttfc = span.attributes['gen_ai.response.time_to_first_chunk'] as number;
    expect(ttfc).toBeGreaterThan(0);
    expect(ttfc).toBeLessThan(span.duration[0] + span.duration[1] / 1e9);
  });

  it('ends the span once, without usage, when the caller breaks before the metadata event', async () => {
    const seen = await events(bedrock(CACHED), 'early', 3);
    expect(seen).toHaveLength(3);
    const span = onlySpan(telemetry.spans(), `chat ${SONNET_US}`);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
    expect(span.ended).toBe(true);
  });

  it('fails the span on an exception event inside the stream', async () => {
    const error = await events(bedrock({ chunks: 6 }, {}, 'stream_exception'), 'throttled').then(() => undefined, (e: unknown) => e);
    expect((error as Error).name).toBe('ThrottlingException');
    const span = onlySpan(telemetry.spans(), `chat ${SONNET_US}`);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('ThrottlingException');
  });

  it('fails the span when the connection drops mid-stream', async () => {
    const error = await events(bedrock({ chunks: 6, disconnectAfter: 2 }), 'cut').then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(onlySpan(telemetry.spans(), `chat ${SONNET_US}`).status.code).toBe(SpanStatusCode.ERROR);
  });
});

describe('BedrockInstrumentation InvokeModel with Anthropic bodies', () => {
  const body = JSON.stringify({
    anthropic_version: 'bedrock-2023-05-31',
    max_tokens: 300,
    temperature: 0.5,
    system: 'Be brief.',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Invoke me' }] }],
  });

  it('records the Anthropic usage and model and leaves the body bytes untouched', async () => {
    const traced = await bedrock(CACHED).send(new InvokeModelCommand({ modelId: SONNET_ARN, body, contentType: 'application/json' }));
    const plain = await untraced(() => bedrock(CACHED).send(new InvokeModelCommand({ modelId: SONNET_ARN, body, contentType: 'application/json' })));
    expect(Buffer.from(traced.body).equals(Buffer.from(plain.body))).toBe(true);
    const message = JSON.parse(new TextDecoder().decode(traced.body)) as { id: string };

    const span = onlySpan(telemetry.spans(), `chat ${SONNET_ARN}`);
    expect(span.attributes).toMatchObject({
      'gen_ai.request.max_tokens': 300,
      'gen_ai.request.temperature': 0.5,
      'gen_ai.request.stream': false,
      'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
      'gen_ai.response.id': message.id,
      'gen_ai.response.finish_reasons': ['end_turn'],
      ...CACHED_ATTRIBUTES,
      'spendtrace.pricing.adjustments': 'region:us',
    });
    // The ARN names a US cross-region profile: priced with the US premium.
    expect(span.attributes['gen_ai.usage.cost.amount']).toBeCloseTo(expectedCost(SONNET_US, 'us-east-1', CACHED_USAGE), 12);
  });

  it('follows the streamed chunks without changing them', async () => {
    const collect = async (): Promise<string[]> => {
      const output = await bedrock(CACHED).send(new InvokeModelWithResponseStreamCommand({ modelId: SONNET_US, body }));
      const chunks: string[] = [];
      for await (const event of output.body ?? []) chunks.push(Buffer.from(event.chunk?.bytes ?? []).toString('base64'));
      return chunks;
    };
    const traced = await collect();
    const plain = await untraced(collect);
    expect(traced).toEqual(plain);

    const span = onlySpan(telemetry.spans(), `chat ${SONNET_US}`);
    expect(span.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
      'gen_ai.response.finish_reasons': ['end_turn'],
      ...CACHED_ATTRIBUTES,
    });
    expect(span.attributes['gen_ai.usage.cost.amount']).toBeCloseTo(expectedCost(SONNET_US, 'us-east-1', CACHED_USAGE), 12);
  });
});

describe('BedrockInstrumentation without module hooks and under version drift', () => {
  it('traces a client through instrumentClient, once even when the module is patched too', async () => {
    const client = bedrock({ usage: { input: 10, output: 4 } });
    expect(instrumentation.instrumentClient(client)).toBe(true);
    await client.send(new ConverseCommand(converseInput(SONNET_US)));
    expect(telemetry.spans()).toHaveLength(1);
    telemetry.reset();
    await untraced(async () => {
      const bundled = bedrock({ usage: { input: 10, output: 4 } });
      expect(instrumentation.instrumentClient(bundled)).toBe(true);
      await bundled.send(new ConverseCommand(converseInput(SONNET_US)));
    });
    expect(onlySpan(telemetry.spans(), `chat ${SONNET_US}`).attributes['gen_ai.usage.input_tokens']).toBe(10);
  });

  it('leaves a module of unknown shape alone without throwing', () => {
    const drifted = { BedrockRuntimeClient: class {} };
    const warnings = captureDiagWarnings(() => expect(instrumentation.patchModule(drifted)).toBe(drifted));
    expect(warnings).toEqual([
      '@spendtrace/instrumentation/bedrock @aws-sdk/client-bedrock-runtime: BedrockRuntimeClient.send not found (unsupported SDK shape); calls are not traced',
    ]);
    expect(instrumentation.patchModule(undefined)).toBeUndefined();
    expect(instrumentation.instrumentClient({ send: 1 })).toBe(false);
  });
});

describe('local Bedrock event-stream framing', () => {
  it('frames each event with the prelude, headers and both CRC32 checksums', () => {
    const frame = encodeEvent('messageStop', { stopReason: 'end_turn' });
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    expect(view.getUint32(0)).toBe(frame.byteLength);
    expect(view.getUint32(8)).toBe(crc32(frame.subarray(0, 8)));
    expect(view.getUint32(frame.byteLength - 4)).toBe(crc32(frame.subarray(0, frame.byteLength - 4)));
    const payload = JSON.stringify({ stopReason: 'end_turn' });
    expect(view.getUint32(4)).toBe(frame.byteLength - 16 - Buffer.byteLength(payload));
    expect(decodeMessages(frame)).toEqual([
      { headers: { ':event-type': 'messageStop', ':content-type': 'application/json', ':message-type': 'event' }, body: payload },
    ]);
  });
});
