import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeTraceRequestProtobuf } from '../src/otlp/protobuf-decode.ts';
import { encodeTraceRequestProtobuf } from '../src/exporters/otlp/protobuf-encode.ts';
import { OtlpForwardExporter, retryAfterMs } from '../src/exporters/otlp/exporter.ts';
import { encodeProtobuf, genAiSpans, readableSpan } from './fixtures/otlp-fixtures.ts';
import type { Span, WorkflowRow } from '../src/model.ts';

describe('OTLP protobuf encoder', () => {
  it('round-trips through the receiver decoder: spans, resources, scopes, events, links, every AnyValue kind', () => {
    const resource = { attributes: { 'service.name': 'rt', 'process.pid': 42 }, schemaUrl: 'https://opentelemetry.io/schemas/1.37.0' };
    const scope = { name: 'scope-a', version: '1.2.3', attributes: { 'scope.attr': true } };
    const edge = readableSpan({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      parentSpanId: '00f067aa0ba902b7',
      traceState: 'vendor=x',
      name: 'edge ✓ ünïcödé',
      kind: 2,
      startTime: [1_760_000_000, 123_456_789],
      endTime: [1_760_000_001, 987_654_321],
      resource,
      scope,
      attributes: {
        str: 'text',
        empty: '',
        big: 'x'.repeat(70_000),
        int: -42,
        large: 2 ** 40,
        dbl: 0.125,
        yes: false,
        bytes: Uint8Array.of(0, 1, 255),
        list: ['a', 1, [true, { nested: 'v' }]],
        map: { inner: { deep: 1.5 } },
      },
      events: [{ name: 'evt', time: [1_760_000_000, 5], attributes: { k: 'v' }, droppedAttributesCount: 2 }],
      links: [{ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceState: 'a=b', attributes: { l: 1 }, droppedAttributesCount: 1, traceFlags: 1 }],
      status: { code: 2, message: 'boom' },
      droppedAttributesCount: 3,
      droppedEventsCount: 4,
      droppedLinksCount: 5,
    });
    const original = decodeTraceRequestProtobuf(encodeProtobuf([edge, ...genAiSpans(20)])).spans;
    const again = decodeTraceRequestProtobuf(encodeTraceRequestProtobuf(original)).spans;
    expect(again).toEqual(original);
    // Spans that shared a resource and scope still do.
    expect(again[1]!.resource).toBe(again[2]!.resource);
    expect(again[1]!.scope).toBe(again[2]!.scope);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-15T12:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Thu, 15 Jan 2026 12:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});

interface Received {
  headers: IncomingMessage['headers'];
  spans: Span[];
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A backend that answers with the given statuses in turn (then 200). */
async function backend(statuses: { status: number; retryAfter?: string }[]): Promise<{ url: string; received: Received[]; attempts: () => number }> {
  const received: Received[] = [];
  let attempts = 0;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = statuses[attempts++];
      if (answer) {
        res.writeHead(answer.status, answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      received.push({ headers: req.headers, spans: decodeTraceRequestProtobuf(body).spans });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, received, attempts: () => attempts };
}

function spansOf(n: number): Span[] {
  return decodeTraceRequestProtobuf(encodeProtobuf(genAiSpans(n))).spans;
}

describe('OtlpForwardExporter', () => {
  it('sends gzip protobuf with the configured headers to <endpoint>/v1/traces', async () => {
    const b = await backend([]);
    const ex = new OtlpForwardExporter({ endpoint: b.url, headers: { 'x-scope-orgid': 'team-a' }, holdRootsMs: 0 });
    const spans = spansOf(3);
    await ex.export({ spans, calls: [], workflows: [] });
    await ex.shutdown();
    expect(b.received.length).toBe(1);
    expect(b.received[0]!.headers['x-scope-orgid']).toBe('team-a');
    expect(b.received[0]!.headers['content-type']).toBe('application/x-protobuf');
    expect(b.received[0]!.spans).toEqual(spans);
    expect(ex.sentSpans).toBe(3);
  });

  it('retries 429/503 honouring Retry-After, then delivers', async () => {
    const b = await backend([{ status: 429, retryAfter: '2' }, { status: 503 }]);
    const slept: number[] = [];
    const ex = new OtlpForwardExporter({ endpoint: b.url, holdRootsMs: 0, compression: 'none', retry: { initialDelayMs: 100, maxDelayMs: 1000, maxElapsedMs: 60_000 }, sleep: async (ms) => void slept.push(ms) });
    await ex.export({ spans: spansOf(2), calls: [], workflows: [] });
    await ex.shutdown();
    expect(slept).toEqual([2000, 200]);
    expect([b.attempts(), b.received.length, ex.sentSpans, ex.droppedSpans]).toEqual([3, 1, 2, 0]);
  });

  it('drops (and counts) a batch the backend refuses for good', async () => {
    const b = await backend([{ status: 400 }]);
    const ex = new OtlpForwardExporter({ endpoint: `${b.url}/v1/traces`, holdRootsMs: 0 });
    await ex.export({ spans: spansOf(2), calls: [], workflows: [] });
    await ex.shutdown();
    expect([b.attempts(), ex.sentSpans, ex.droppedSpans]).toEqual([1, 0, 2]);
  });

  it('holds a GenAI trace root until its workflow totals are known', async () => {
    const b = await backend([]);
    const ex = new OtlpForwardExporter({ endpoint: b.url, holdRootsMs: 60_000 });
    const [root, child] = spansOf(2);
    const call = { traceId: child!.traceId, spanId: child!.spanId } as never;
    await ex.export({ spans: [child!, root!], calls: [call], workflows: [] });
    root!.attributes['spendtrace.workflow.cost'] = 1.5;
    await ex.export({ spans: [], calls: [], workflows: [{ traceId: root!.traceId, revision: 0 } as WorkflowRow] });
    await ex.shutdown();
    expect(b.received.map((r) => r.spans.map((s) => s.spanId))).toEqual([[child!.spanId], [root!.spanId]]);
    expect(b.received[1]!.spans[0]!.attributes['spendtrace.workflow.cost']).toBe(1.5);
  });
});
