/**
 * An app that loads the SDKs the way users do (ESM `import()` and CommonJS `require`) after
 * registering the instrumentations, so the module hooks (not manual patching) must do the work.
 * Run with the import-in-the-middle loader; prints the finished spans as JSON.
 */
import { createRequire } from 'node:module';
import type { Context } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { BedrockInstrumentation } from '../src/bedrock/index.ts';
import { GoogleGenAIInstrumentation } from '../src/google/index.ts';
import { startProviderServer } from '../../../test/providers/server.ts';

/** Collects ended spans in memory; no exporter, so nothing here depends on export plumbing. */
class CollectingProcessor implements SpanProcessor {
  readonly spans: ReadableSpan[] = [];
  onStart(_span: Span, _context: Context): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

const processor = new CollectingProcessor();
const tracerProvider = new TracerProvider({ spanProcessors: [processor] });
registerInstrumentations({ instrumentations: [new GoogleGenAIInstrumentation(), new BedrockInstrumentation()], tracerProvider });

const server = await startProviderServer();
try {
  const esm = await import('@google/genai');
  await new esm.GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: server.url } }).models.generateContent({ model: 'gemini-2.5-flash', contents: 'esm' });

  const require = createRequire(import.meta.url);
  const cjs = require('@google/genai') as typeof esm;
  await new cjs.GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: server.url } }).models.generateContent({ model: 'gemini-2.0-flash', contents: 'cjs' });

  const bedrock = require('@aws-sdk/client-bedrock-runtime') as typeof import('@aws-sdk/client-bedrock-runtime');
  const client = new bedrock.BedrockRuntimeClient({ region: 'us-east-1', endpoint: server.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await client.send(new bedrock.ConverseCommand({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', messages: [{ role: 'user', content: [{ text: 'cjs' }] }] }));
} finally {
  await server.close();
}
process.stdout.write(JSON.stringify(processor.spans.map((s) => ({ name: s.name, provider: s.attributes['gen_ai.provider.name'] }))));
