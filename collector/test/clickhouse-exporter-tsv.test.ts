import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createEmbeddedConnection, migrate } from '@spendtrace/clickhouse';
import type { GenAICall, Span, WorkflowRow } from '../src/model.ts';
import { createClickHouseExporter } from '../src/exporters/clickhouse/index.ts';
import { attributesMap, callRow, spanRow } from '../src/exporters/clickhouse/rows.ts';
import { dateTime64, flat, float64, quotedString, stringArray, tsvString, uint64 } from '../src/exporters/clickhouse/tsv.ts';

/** Every character the TabSeparated encoders must escape, with quotes and multi-byte UTF-8 around them. */
const NASTY = "tab\there\nnew line\r\\back\\slash 'single' \"double\" nul\0 ünïcødé 日本語 🚀 {'a':'b'} [1,2] \\N";

describe('TabSeparated value encoders', () => {
  it('escapes backslash, tab, line feed, carriage return and NUL in a field, and nothing else', () => {
    expect(tsvString('plain value')).toBe('plain value');
    expect(tsvString('a\tb\nc\\d\re\0f')).toBe('a\\tb\\nc\\\\d\\re\\0f');
    expect(tsvString("it's \"quoted\" 🚀 日本")).toBe("it's \"quoted\" 🚀 日本");
    expect(tsvString('\\N')).toBe('\\\\N');
    expect(tsvString('')).toBe('');
  });

  it('single-quotes strings inside arrays and maps, escaping the quote too', () => {
    expect(quotedString('plain')).toBe("'plain'");
    expect(quotedString("it's")).toBe("'it\\'s'");
    expect(quotedString('a\tb\nc\\d\re\0f')).toBe("'a\\tb\\nc\\\\d\\re\\0f'");
    expect(quotedString('')).toBe("''");
    expect(quotedString('ünï 🚀')).toBe("'ünï 🚀'");
  });

  it('writes arrays and maps, empty ones included', () => {
    expect(stringArray([])).toBe('[]');
    expect(stringArray(['stop', "it's"])).toBe("['stop','it\\'s']");
    expect(attributesMap({})).toBe('{}');
    expect(attributesMap({ 'k\t': "v'", n: 42, b: true, big: 9_007_199_254_740_993n, arr: ['x', 1], raw: new Uint8Array([1, 2, 3]) })).toBe(
      "{'k\\t':'v\\'','n':'42','b':'true','big':'9007199254740993','arr':'[\"x\",1]','raw':'AQID'}",
    );
  });

  it('writes DateTime64(9) from bigint nanoseconds with 10-digit seconds', () => {
    expect(dateTime64(1_700_000_000_123_456_789n)).toBe('1700000000.123456789');
    expect(dateTime64(1_700_000_000_000_000_000n)).toBe('1700000000.000000000');
    expect(dateTime64(5n)).toBe('0000000000.000000005');
    expect(dateTime64(999_999_999_999_999_999n)).toBe('0999999999.999999999');
    expect(dateTime64(0n)).toBe('0000000000.000000000');
    expect(dateTime64(-1n)).toBe('0000000000.000000000');
  });

  it('writes UInt64 from exact digits and Float64 without NaN or infinities', () => {
    expect(uint64(18_446_744_073_709_551_615n)).toBe('18446744073709551615');
    expect(uint64(1200)).toBe('1200');
    expect(uint64(3.7)).toBe('3');
    expect(uint64(1e21)).toBe('1000000000000000000000');
    expect(uint64(-1)).toBe('0');
    expect(uint64(-1n)).toBe('0');
    expect(uint64(Number.NaN)).toBe('0');
    expect(uint64(Number.POSITIVE_INFINITY)).toBe('0');
    expect(float64(0.00575)).toBe('0.00575');
    expect(float64(1e-7)).toBe('1e-7');
    expect(float64(Number.NaN)).toBe('0');
    expect(float64(Number.NEGATIVE_INFINITY)).toBe('0');
  });

  it('keeps a row on one line whatever its values hold', () => {
    const line = callRow(call({ feature: NASTY, finishReasons: [NASTY] }));
    expect(line.includes('\n')).toBe(false);
    expect(line.split('\t')).toHaveLength(42);
    expect(flat(line)).toBe(line);
  });
});

let dir: string;
let client: ClickHouseClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spendtrace-exporter-tsv-'));
  client = createClient({ connection: createEmbeddedConnection(dir) });
  for (const database of ['t1', 't2']) await migrate(client, { database });
});

afterAll(async () => {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rows<T>(query: string): Promise<T[]> {
  const result = await client.query({ query, format: 'JSONEachRow' });
  return result.json<T>();
}

const resource = { attributes: { 'service.name': `svc ${NASTY}`, [NASTY]: NASTY }, droppedAttributesCount: 0, schemaUrl: '' };

function span(overrides: Partial<Span> = {}): Span {
  return {
    traceId: 'aaf7651916cd43dd8448eb211c80319c',
    spanId: 'a7ad6b7169203331',
    parentSpanId: '',
    traceState: NASTY,
    flags: 1,
    name: `chat ${NASTY}`,
    kind: 3,
    startTimeUnixNano: 1_700_000_000_123_456_789n,
    endTimeUnixNano: 1_700_000_000_123_456_790n,
    attributes: { [NASTY]: NASTY, huge: 'x'.repeat(1_000_000), empty: '', list: [NASTY, 1n] },
    droppedAttributesCount: 0,
    events: [
      { timeUnixNano: 5n, name: NASTY, attributes: { [NASTY]: NASTY }, droppedAttributesCount: 0 },
      { timeUnixNano: 1_700_000_000_999_999_999n, name: '', attributes: {}, droppedAttributesCount: 0 },
    ],
    droppedEventsCount: 0,
    links: [{ traceId: NASTY, spanId: '', traceState: NASTY, attributes: {}, droppedAttributesCount: 0, flags: 0 }],
    droppedLinksCount: 0,
    status: { code: 1, message: NASTY },
    resource,
    resourceSchemaUrl: '',
    scope: { name: NASTY, version: '', attributes: {} },
    scopeSchemaUrl: '',
    ...overrides,
  };
}

function call(overrides: Partial<GenAICall> = {}): GenAICall {
  return {
    timestampNs: 5n,
    traceId: 'aaf7651916cd43dd8448eb211c80319c',
    spanId: 'a7ad6b7169203331',
    parentSpanId: '',
    spanName: NASTY,
    serviceName: NASTY,
    environment: 'prod',
    provider: 'openai',
    operation: 'chat',
    requestModel: NASTY,
    responseModel: '',
    responseId: NASTY,
    pricingModel: '',
    pricingVersion: '',
    pricingStatus: 'unknown_model',
    feature: NASTY,
    userId: NASTY,
    customerId: NASTY,
    team: '',
    promptName: '',
    promptVersion: '',
    workflowName: '',
    agentName: '',
    conversationId: '',
    inputTokens: 0,
    outputTokens: 9_007_199_254_740_991,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd: 1e-7,
    costInputUsd: 0,
    costCacheReadUsd: 0,
    costCacheWriteUsd: 0,
    costOutputUsd: 1e-7,
    costReasoningUsd: 0,
    costSource: '',
    durationNs: 18_446_744_073_709_551_615n,
    timeToFirstChunkNs: 0n,
    streaming: false,
    errorType: NASTY,
    finishReasons: [],
    scopeName: NASTY,
    ...overrides,
  };
}

function workflow(overrides: Partial<WorkflowRow> = {}): WorkflowRow {
  return {
    traceId: 'aaf7651916cd43dd8448eb211c80319c',
    revision: 2,
    firstTimestampNs: 5n,
    lastTimestampNs: 1_700_000_000_000_000_001n,
    durationNs: 1_699_999_999_999_999_996n,
    rootSpanName: NASTY,
    serviceName: NASTY,
    environment: 'prod',
    workflowName: NASTY,
    agentName: '',
    feature: NASTY,
    userId: '',
    customerId: NASTY,
    calls: 0,
    errors: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd: 0,
    unpricedCalls: 0,
    models: [NASTY, ''],
    tools: [],
    spans: 1,
    ...overrides,
  };
}

describe('TabSeparated rows through embedded ClickHouse', () => {
  it('stores every string exactly, escapes, unicode, huge and empty values, empty arrays and maps included', async () => {
    const exporter = createClickHouseExporter({ client, database: 't1', migrate: false });
    const bare = span({ spanId: 'b7ad6b7169203332', attributes: {}, events: [], links: [], resource: { attributes: {}, droppedAttributesCount: 0, schemaUrl: '' } });
    await exporter.export({ spans: [span(), bare], calls: [call()], workflows: [workflow()] });
    await exporter.shutdown();

    const spans = await rows<Record<string, unknown>>(
      "SELECT toString(Timestamp) AS ts, SpanId, TraceState, SpanName, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, toString(Duration) AS Duration, StatusCode, StatusMessage, arrayMap(t -> toString(t), Events.Timestamp) AS event_ts, Events.Name, Events.Attributes, Links.TraceId, Links.SpanId, Links.TraceState, Links.Attributes FROM t1.otel_traces ORDER BY SpanId",
    );
    expect(spans).toEqual([
      {
        ts: '2023-11-14 22:13:20.123456789',
        SpanId: 'a7ad6b7169203331',
        TraceState: NASTY,
        SpanName: `chat ${NASTY}`,
        ServiceName: `svc ${NASTY}`,
        ResourceAttributes: { 'service.name': `svc ${NASTY}`, [NASTY]: NASTY },
        ScopeName: NASTY,
        ScopeVersion: '',
        SpanAttributes: { [NASTY]: NASTY, huge: 'x'.repeat(1_000_000), empty: '', list: JSON.stringify([NASTY, '1']) },
        Duration: '1',
        StatusCode: 'STATUS_CODE_OK',
        StatusMessage: NASTY,
        event_ts: ['1970-01-01 00:00:00.000000005', '2023-11-14 22:13:20.999999999'],
        'Events.Name': [NASTY, ''],
        'Events.Attributes': [{ [NASTY]: NASTY }, {}],
        'Links.TraceId': [NASTY],
        'Links.SpanId': [''],
        'Links.TraceState': [NASTY],
        'Links.Attributes': [{}],
      },
      {
        ts: '2023-11-14 22:13:20.123456789',
        SpanId: 'b7ad6b7169203332',
        TraceState: NASTY,
        SpanName: `chat ${NASTY}`,
        ServiceName: '',
        ResourceAttributes: {},
        ScopeName: NASTY,
        ScopeVersion: '',
        SpanAttributes: {},
        Duration: '1',
        StatusCode: 'STATUS_CODE_OK',
        StatusMessage: NASTY,
        event_ts: [],
        'Events.Name': [],
        'Events.Attributes': [],
        'Links.TraceId': [],
        'Links.SpanId': [],
        'Links.TraceState': [],
        'Links.Attributes': [],
      },
    ]);

    const calls = await rows<Record<string, unknown>>(
      'SELECT toString(timestamp) AS ts, toUnixTimestamp64Nano(timestamp) AS ns, span_name, service_name, request_model, response_id, feature, user_id, customer_id, toString(output_tokens) AS output_tokens, cost_usd, toString(duration_ns) AS duration_ns, streaming, error_type, finish_reasons, scope_name FROM t1.genai_calls',
    );
    expect(calls).toEqual([
      {
        ts: '1970-01-01 00:00:00.000000005',
        ns: 5,
        span_name: NASTY,
        service_name: NASTY,
        request_model: NASTY,
        response_id: NASTY,
        feature: NASTY,
        user_id: NASTY,
        customer_id: NASTY,
        output_tokens: '9007199254740991',
        cost_usd: 1e-7,
        duration_ns: '18446744073709551615',
        streaming: false,
        error_type: NASTY,
        finish_reasons: [],
        scope_name: NASTY,
      },
    ]);

    const workflows = await rows<Record<string, unknown>>(
      'SELECT revision, toString(first_timestamp) AS first, toString(last_timestamp) AS last, toString(duration_ns) AS duration_ns, root_span_name, workflow_name, customer_id, models, tools FROM t1.genai_workflows',
    );
    expect(workflows).toEqual([
      {
        revision: 2,
        first: '1970-01-01 00:00:00.000000005',
        last: '2023-11-14 22:13:20.000000001',
        duration_ns: '1699999999999999996',
        root_span_name: NASTY,
        workflow_name: NASTY,
        customer_id: NASTY,
        models: [NASTY, ''],
        tools: [],
      },
    ]);
  });

  it('cuts a flush into INSERTs by maxBytes and stores every row once', async () => {
    const committed: Array<[string, number]> = [];
    const exporter = createClickHouseExporter({
      client,
      database: 't2',
      migrate: false,
      batch: { maxBytes: 1 },
      telemetry: { onRowsExported: (table, n) => committed.push([table, n]) },
    });
    const ids = ['c1', 'c2', 'c3'];
    await Promise.all([
      exporter.export({ spans: [], calls: ids.slice(0, 2).map((spanId) => call({ spanId })), workflows: [] }),
      exporter.export({ spans: [span({ spanId: 's1' })], calls: [call({ spanId: 'c3' })], workflows: [] }),
    ]);
    await exporter.shutdown();
    expect(committed).toEqual([
      ['genai_calls', 1],
      ['genai_calls', 1],
      ['genai_calls', 1],
      ['otel_traces', 1],
    ]);
    expect(await rows('SELECT span_id FROM t2.genai_calls ORDER BY span_id')).toEqual(ids.map((span_id) => ({ span_id })));
    expect(await rows('SELECT sum(calls) AS calls FROM t2.genai_costs_hourly')).toEqual([{ calls: 3 }]);
    expect(await rows('SELECT SpanId FROM t2.otel_traces')).toEqual([{ SpanId: 's1' }]);
  });

  it('encodes a span the same through a batch encoder and alone', () => {
    expect(spanRow(span())).toBe(spanRow(span()));
    expect(spanRow(span()).split('\t')).toHaveLength(22);
  });
});
