import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProviderServer } from '../../../test/providers/server.ts';
import type { ProviderServer } from '../../../test/providers/server.ts';

let provider: ProviderServer;
beforeAll(async () => {
  provider = await startProviderServer();
});
afterAll(async () => {
  await provider.close();
});

interface OtlpJsonSpan {
  name: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

describe('entry points', () => {
  it('the --import hook patches an ESM app and exports its spans over OTLP from the OTEL_* environment', async () => {
    const received: OtlpJsonSpan[] = [];
    const sink = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: { scopeSpans: { spans: OtlpJsonSpan[] }[] }[] };
          for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) received.push(...ss.spans);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
    try {
      const app = fileURLToPath(new URL('./fixtures/openai-esm-app.mjs', import.meta.url));
      const child = spawn(process.execPath, ['--import', '@spendtrace/instrumentation/hook', app], {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        env: {
          ...process.env,
          PROVIDER_URL: provider.url,
          OTEL_SERVICE_NAME: 'esm-app',
          OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_METRICS_EXPORTER: 'none',
          OTEL_LOGS_EXPORTER: 'none',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      await new Promise<void>((resolve) => child.on('exit', () => resolve()));
      const span = received.find((s) => s.name === 'chat gpt-4o-mini');
      expect(span, stderr).toBeDefined();
      const attrs = Object.fromEntries(span!.attributes.map((a) => [a.key, a.value.stringValue ?? Number(a.value.intValue)]));
      expect(attrs['gen_ai.provider.name']).toBe('openai');
      expect(attrs['spendtrace.feature']).toBe('esm-app');
      expect(typeof attrs['gen_ai.usage.input_tokens']).toBe('number');
    } finally {
      await new Promise((resolve) => sink.close(resolve));
    }
  });

  it('loads with require() from CommonJS', () => {
    const require = createRequire(import.meta.url);
    const api = require('@spendtrace/instrumentation') as Record<string, unknown>;
    for (const name of ['spendtraceInstrumentations', 'OpenAIInstrumentation', 'AnthropicInstrumentation', 'GoogleGenAIInstrumentation', 'BedrockInstrumentation', 'withAttribution', 'workflow', 'agent', 'tool', 'instrument']) {
      expect(typeof api[name], name).toBe('function');
    }
    const instrumentations = (api.spendtraceInstrumentations as () => { instrumentationName: string; disable(): void }[])();
    expect(instrumentations.map((i) => i.instrumentationName)).toHaveLength(4);
    for (const i of instrumentations) i.disable();
  });
});
