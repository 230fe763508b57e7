/**
 * The OTLP forward exporter end to end: a collector with `exporters: [clickhouse, otlp]` and bearer
 * auth forwards the enriched spans (cost on calls, workflow totals on the root) to another OTLP/HTTP
 * backend, here a small server decoding with the collector's own decoder.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '@spendtrace/pricing';
import { decodeTraceRequestProtobuf } from '../../collector/src/otlp/protobuf-decode.ts';
import type { Span } from '../../collector/src/model.ts';
import { encodeProtobuf, readableSpan } from '../../collector/test/fixtures/otlp-fixtures.ts';
import { startCollectorProcess, tempDir, waitFor, writeConfig, type CollectorProcess } from './collector-process.ts';

const T0 = 1_768_478_400;
const TRACE = '7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a';
const resource = { attributes: { 'service.name': 'forwarded' } };
const scope = { name: 'test' };

describe('collector forwarding enriched spans over OTLP', () => {
  let backend: Server;
  const received: Span[] = [];
  let collector: CollectorProcess;

  beforeAll(async () => {
    backend = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        if (req.headers['x-tenant'] === 'acme') received.push(...decodeTraceRequestProtobuf(body).spans);
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
    const port = (backend.address() as AddressInfo).port;
    const dir = tempDir('e2e-forward');
    const config = writeConfig(
      dir,
      `receivers:
  otlp:
    protocols:
      http:
        auth:
          bearer_token: \${env:E2E_TOKEN}
processors:
  workflow:
    quiet_window: 300ms
exporters:
  otlp:
    endpoint: http://127.0.0.1:${port}
    headers:
      x-tenant: acme
service:
  pipelines:
    traces:
      exporters: [clickhouse, otlp]
`,
    );
    collector = await startCollectorProcess({ dataDir: dir, config, env: { E2E_TOKEN: 'tok-123' } });
  });

  afterAll(async () => {
    expect(await collector?.stop('SIGTERM')).toBe(0);
    await new Promise<void>((r) => backend.close(() => r()));
  });

  it('requires the bearer token, then forwards call spans with their cost and the root with workflow totals', async () => {
    const spans = [
      readableSpan({
        traceId: TRACE,
        spanId: '7000000000000002',
        parentSpanId: '7000000000000001',
        name: 'chat gpt-5.4-mini',
        startTime: [T0 + 1, 0],
        endTime: [T0 + 2, 0],
        resource,
        scope,
        attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-5.4-mini', 'gen_ai.usage.input_tokens': 4000, 'gen_ai.usage.output_tokens': 500 },
      }),
      readableSpan({ traceId: TRACE, spanId: '7000000000000001', name: 'invoke_agent fwd', startTime: [T0, 0], endTime: [T0 + 3, 0], resource, scope, attributes: { 'gen_ai.operation.name': 'invoke_agent' } }),
    ];
    const body = encodeProtobuf(spans);
    const unauthorized = await fetch(`${collector.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: body as Uint8Array<ArrayBuffer> });
    expect(unauthorized.status).toBe(401);
    const ok = await fetch(`${collector.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer tok-123' }, body: body as Uint8Array<ArrayBuffer> });
    expect(ok.status).toBe(200);

    await waitFor(async () => received.length, (n) => n >= 2);
    const expected = defaultCatalog().cost({ provider: 'openai', model: 'gpt-5.4-mini', at: T0 * 1000 }, { inputTokens: 4000, outputTokens: 500 }).breakdown!.total;
    const call = received.find((s) => s.spanId === '7000000000000002')!;
    const root = received.find((s) => s.spanId === '7000000000000001')!;
    expect(call.attributes['gen_ai.usage.cost.amount']).toBeCloseTo(expected, 12);
    expect([call.attributes['gen_ai.usage.cost.source'], call.attributes['gen_ai.usage.cost.currency'], call.attributes['spendtrace.pricing.model']]).toEqual(['local', 'USD', 'openai/gpt-5.4-mini']);
    expect(root.attributes['spendtrace.workflow.cost']).toBeCloseTo(expected, 12);
    expect([root.attributes['spendtrace.workflow.calls'], root.attributes['spendtrace.workflow.input_tokens'], root.attributes['spendtrace.workflow.models']]).toEqual([1, 4000, ['gpt-5.4-mini']]);
    expect(root.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
    expect(received.length).toBe(2);
  });
});
