/**
 * An application process for the end-to-end tests: the real OpenAI (or Anthropic) SDK against the
 * local provider server, traced by one of three instrumentations and exported with the OTLP/HTTP
 * protobuf exporter to the collector under test.
 *
 *   node sdk-driver.ts <spendtrace|otel|traceloop|anthropic> <otlp base url> <provider base url> <run id>
 *
 * `anthropic` drives the Anthropic SDK (traced by @spendtrace/instrumentation) instead, with cache
 * reads and writes, whose wire form counts input without the cache.
 *
 * Every call sends an `x-mock-scenario` header so the provider answers with exact usage. Prints one
 * JSON line with the trace ids it produced.
 */
import { createRequire } from 'node:module';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { trace } from '@opentelemetry/api';
import { OpenAIInstrumentation as OtelOpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { OpenAIInstrumentation as TraceloopOpenAIInstrumentation } from '@traceloop/instrumentation-openai';
import { agent, instrument, tool, withAttribution, workflow } from '@spendtrace/instrumentation';

const [mode, otlpUrl, providerUrl, runId] = process.argv.slice(2);
if (!mode || !otlpUrl || !providerUrl || !runId) throw new Error('usage: sdk-driver.ts <mode> <otlp url> <provider url> <run id>');

const sdk = new NodeSDK({
  traceExporter: new OTLPTraceExporter({ url: `${otlpUrl}/v1/traces` }),
  resource: resourceFromAttributes({ 'service.name': `e2e-${mode}`, 'deployment.environment.name': 'e2e', 'spendtrace.team': 'platform' }),
  instrumentations: [],
});
sdk.start();

// The CommonJS build, so the instrumentations patch the same module objects the client uses.
const require = createRequire(import.meta.url);
const openaiModule = require('openai') as typeof import('openai');

if (mode === 'otel') {
  const inst = new OtelOpenAIInstrumentation({ enabled: false });
  inst.setTracerProvider(trace.getTracerProvider());
  // openai 7 is newer than the instrumentation's declared range, so it is applied by hand.
  for (const def of inst.getModuleDefinitions()) def.patch?.(openaiModule as never);
  // Its wrappers only record while enabled; enabling also hooks later requires (none here).
  inst.enable();
} else if (mode === 'traceloop') {
  const inst = new TraceloopOpenAIInstrumentation({ enrichTokens: false });
  inst.setTracerProvider(trace.getTracerProvider());
  inst.manuallyInstrument(openaiModule as never);
}

const OpenAI = openaiModule.OpenAI;
let client = new OpenAI({ baseURL: `${providerUrl}/v1`, apiKey: 'test-key', maxRetries: 0 });
if (mode === 'spendtrace') client = instrument(client);

function scenario(input: number, output: number, cacheRead = 0): Record<string, string> {
  return { 'x-mock-scenario': JSON.stringify({ usage: { input, output, cacheRead }, id: `chatcmpl-${runId}-${input}` }) };
}

async function ask(input: number, output: number, cacheRead = 0): Promise<void> {
  await client.chat.completions.create(
    { model: 'gpt-5.4-mini', messages: [{ role: 'user', content: `question ${input}` }] },
    { headers: scenario(input, output, cacheRead) },
  );
}

async function askAnthropic(): Promise<void> {
  const { Anthropic } = require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');
  const anthropic = instrument(new Anthropic({ baseURL: providerUrl, apiKey: 'test-key', maxRetries: 0 }));
  await anthropic.messages.create(
    { model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'summarise the ticket' }] },
    { headers: { 'x-mock-scenario': JSON.stringify({ usage: { input: 1000, output: 120, cacheRead: 300, cacheWrite: 200 } }) } },
  );
}

const traceIds: string[] = [];
const tracer = trace.getTracer('e2e-driver');
await withAttribution({ feature: 'e2e-feature', customerId: `cust-${mode}` }, () =>
  tracer.startActiveSpan(`run ${mode}`, async (root) => {
    traceIds.push(root.spanContext().traceId);
    if (mode === 'anthropic') {
      await askAnthropic();
    } else if (mode === 'spendtrace') {
      await workflow('e2e-workflow', () =>
        agent('e2e-agent', async () => {
          await ask(1000, 100, 256);
          await tool('lookup', async () => undefined);
          await ask(2000, 200);
        }),
      );
    } else {
      await ask(1000, 100, 256);
      await ask(2000, 200);
    }
    root.end();
  }),
);
await sdk.shutdown();
process.stdout.write(JSON.stringify({ traceIds }) + '\n');
