import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createEmbeddedConnection, migrate } from '@spendtrace/clickhouse';
import type { AttrValue, GenAICall, Span, WorkflowRow } from '../src/model.ts';
import { attributeToString, CALL_COLUMNS, createClickHouseExporter, encodeBlock, LowCardinalityWriter, NativeWriter, SPAN_COLUMNS, WORKFLOW_COLUMNS } from '../src/exporters/clickhouse/index.ts';

/** Every character a text format would have to escape, with quotes and multi-byte UTF-8 around them. */
const NASTY = "tab\there\nnew line\r\\back\\slash 'single' \"double\" nul\0 ünïcødé 日本語 🚀 {'a':'b'} [1,2] \\N";

/** ClickHouse's own Native encoding of `select` (one row), to compare our bytes with. */
async function clickhouseNative(select: string): Promise<Buffer> {
  const file = join(dir, `expected-${Math.random().toString(36).slice(2)}.native`);
  await client.command({ query: `${select} INTO OUTFILE '${file}' FORMAT Native` });
  return readFileSync(file);
}

describe('Native writer', () => {
  it('writes every column type byte for byte as ClickHouse does', async () => {
    const w = new NativeWriter(16);
    w.block(10, 1);
    w.column('t', 'DateTime64(9)');
    w.dateTime64(1_700_000_000_123_456_789n);
    w.column('s', 'String');
    w.string(NASTY);
    w.column('long', 'String');
    w.string('é'.repeat(300));
    w.column('m', 'Map(String, String)');
    w.uint64(2);
    w.string('k');
    w.string('k2');
    w.string('v');
    w.string('');
    w.column('am', 'Array(Map(String, String))');
    w.uint64(2);
    w.uint64(1);
    w.uint64(1);
    w.string('x');
    w.string('y');
    w.column('b', 'Bool');
    w.bool(true);
    w.column('u', 'UInt64');
    w.uint64(18_446_744_073_709_551_615n);
    w.column('n', 'UInt64');
    w.uint64(9_007_199_254_740_991);
    w.column('u32', 'UInt32');
    w.uint32(4_000_000_000);
    w.column('f', 'Float64');
    w.float64(0.00575);
    const literal = `'${NASTY.replace(/[\\']/g, (c) => `\\${c}`)}'`;
    expect(w.bytes()).toEqual(
      await clickhouseNative(
        `SELECT fromUnixTimestamp64Nano(toInt64(1700000000123456789)) AS t, ${literal} AS s, repeat('é', 300) AS long, map('k', 'v', 'k2', '') AS m, [map('x', 'y'), map()]::Array(Map(String, String)) AS am, true AS b, toUInt64('18446744073709551615') AS u, toUInt64(9007199254740991) AS n, toUInt32(4000000000) AS u32, 0.00575::Float64 AS f`,
      ),
    );
  });

  it('writes LowCardinality columns, alone, in arrays and as map keys, byte for byte as ClickHouse does', async () => {
    const w = new NativeWriter(16);
    w.block(4, 3);
    w.column('s', 'LowCardinality(String)');
    LowCardinalityWriter.writeVersion(w);
    const s = new LowCardinalityWriter();
    for (const value of ['x', '', 'x']) s.add(value);
    s.writeTo(w);
    w.column('a', 'Array(LowCardinality(String))');
    LowCardinalityWriter.writeVersion(w);
    for (const offset of [2, 2, 3]) w.uint64(offset);
    const a = new LowCardinalityWriter();
    for (const value of ['a', 'b', 'a']) a.add(value);
    a.writeTo(w);
    w.column('e', 'Array(LowCardinality(String))');
    LowCardinalityWriter.writeVersion(w);
    for (const offset of [0, 0, 0]) w.uint64(offset);
    new LowCardinalityWriter().writeTo(w);
    w.column('m', 'Map(LowCardinality(String), String)');
    LowCardinalityWriter.writeVersion(w);
    for (const offset of [2, 2, 3]) w.uint64(offset);
    const keys = new LowCardinalityWriter();
    for (const key of ['k', 'k2', 'k']) keys.add(key);
    keys.writeTo(w);
    for (const value of ['v', '', 'z']) w.string(value);
    expect(w.bytes()).toEqual(
      await clickhouseNative(
        "SELECT s::LowCardinality(String) AS s, a::Array(LowCardinality(String)) AS a, []::Array(LowCardinality(String)) AS e, m::Map(LowCardinality(String), String) AS m FROM (SELECT arrayJoin([('x', ['a', 'b'], map('k', 'v', 'k2', '')), ('', [], map()), ('x', ['a'], map('k', 'z'))]) AS r, r.1 AS s, r.2 AS a, r.3 AS m)",
      ),
    );
  });

  it('indexes a LowCardinality column with the narrowest integer for its key count', async () => {
    const values = Array.from({ length: 300 }, (_, i) => `v${i}`);
    const w = new NativeWriter(16);
    w.block(1, values.length);
    w.column('s', 'LowCardinality(String)');
    LowCardinalityWriter.writeVersion(w);
    const s = new LowCardinalityWriter();
    for (const value of values) s.add(value);
    s.writeTo(w);
    expect(w.bytes()).toEqual(await clickhouseNative("SELECT concat('v', toString(number))::LowCardinality(String) AS s FROM numbers(300)"));
  });

  it('declares every column with the type it has in the table', async () => {
    for (const [table, columns] of [['otel_traces', SPAN_COLUMNS], ['genai_calls', CALL_COLUMNS], ['genai_workflows', WORKFLOW_COLUMNS]] as const) {
      const names = columns.map((c) => `'${c.name}'`).join(',');
      const types = await rows<{ name: string; type: string }>(`SELECT name, type FROM system.columns WHERE database = 't1' AND table = '${table}' AND name IN (${names})`);
      const byName = new Map(types.map((t) => [t.name, t.type]));
      expect(columns.map((c) => [c.name, c.type])).toEqual(columns.map((c) => [c.name, byName.get(c.name)]));
    }
  });

  it('writes an attribute value as the string the contrib exporter stores, integers digit by digit', () => {
    const values = [0, -0, 7, -7, 9, 10, 99, 100, -1000, 9_007_199_254_740_991, -9_007_199_254_740_991, 2 ** 53, 0.5, -1.25e-7, 1e21, Number.NaN, 12n, true, false, null, 'ünï', ['a', 1], { k: 'v' }, new Uint8Array([1, 2])];
    const direct = new NativeWriter(8);
    const viaText = new NativeWriter(8);
    for (const value of values) {
      direct.attributeValue(value);
      viaText.string(attributeToString(value));
    }
    expect(direct.bytes().toString('latin1')).toBe(viaText.bytes().toString('latin1'));
    // Numbers and arrays of strings take shortcuts (a cache, a join): each is what JSON gives.
    const json = [[], ['stop'], ['stop', 'length'], ['a"b'], ['back\\slash'], ['tab\t'], ['\u2028 ünï'], ['\ud800'], ['😀'], ['a', 1], [['a']]];
    expect(json.map((v) => attributeToString(v as AttrValue))).toEqual(json.map((v) => JSON.stringify(v)));
    const numbers = [0.5, 0.5, -0, 180.5, Number.NaN, Number.NaN, Infinity, 1e21, 1e21, 5e-324];
    expect(numbers.map((v) => attributeToString(v))).toEqual(['0.5', '0.5', '0', '180.5', 'NaN', 'NaN', 'Infinity', '1e+21', '1e+21', '5e-324']);
    const integers = new NativeWriter(8);
    integers.attributeValue(-1000);
    integers.attributeValue(9_007_199_254_740_991);
    expect([...integers.bytes()]).toEqual([5, ...Buffer.from('-1000'), 16, ...Buffer.from('9007199254740991')]);
  });

  it('clamps values the columns cannot hold instead of writing garbage', () => {
    const w = new NativeWriter(8);
    w.uint64(-1);
    w.uint64(-1n);
    w.uint64(Number.NaN);
    w.uint64(Number.POSITIVE_INFINITY);
    w.uint64(3.7);
    w.uint64(1e21);
    w.uint32(-5);
    w.uint32(2 ** 40);
    w.float64(Number.NaN);
    w.float64(Number.NEGATIVE_INFINITY);
    w.dateTime64(-1n);
    const b = w.bytes();
    expect([0, 8, 16, 24, 32, 40].map((o) => b.readBigUInt64LE(o))).toEqual([0n, 0n, 0n, 0n, 3n, BigInt.asUintN(64, 10n ** 21n)]);
    expect([b.readUInt32LE(48), b.readUInt32LE(52)]).toEqual([0, 4_294_967_295]);
    expect([b.readDoubleLE(56), b.readDoubleLE(64), b.readBigInt64LE(72)]).toEqual([0, 0, 0n]);
    expect(b.length).toBe(80);
  });

  it('encodes a span the same whether its resource is shared with other spans or its own', () => {
    const attributes = { [NASTY]: NASTY, 'gen_ai.usage.input_tokens': 12n };
    const shared = [span({ spanId: 's1', attributes }), span({ spanId: 's2', attributes })];
    const separate = shared.map((s) => ({ ...s, resource: { ...s.resource, attributes: { ...s.resource.attributes } } }));
    expect(encodeBlock(SPAN_COLUMNS, shared)).toEqual(encodeBlock(SPAN_COLUMNS, separate));
    expect(encodeBlock(SPAN_COLUMNS, shared, 1, 2)).toEqual(encodeBlock(SPAN_COLUMNS, [shared[1]!]));
  });
});

let dir: string;
let client: ClickHouseClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spendtrace-exporter-native-'));
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

describe('Native blocks through embedded ClickHouse', () => {
  it('stores every string exactly, control characters, unicode, huge and empty values, empty arrays and maps included', async () => {
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
    // Each export's rows are one block, halved until it fits the byte limit: one row per INSERT.
    // Tables are inserted concurrently, so only the order within a table is fixed.
    expect([...committed].sort(([a], [b]) => a.localeCompare(b))).toEqual([
      ['genai_calls', 1],
      ['genai_calls', 1],
      ['genai_calls', 1],
      ['otel_traces', 1],
    ]);
    expect(await rows('SELECT span_id FROM t2.genai_calls ORDER BY span_id')).toEqual(ids.map((span_id) => ({ span_id })));
    expect(await rows('SELECT sum(calls) AS calls FROM t2.genai_costs_hourly')).toEqual([{ calls: 3 }]);
    expect(await rows('SELECT SpanId FROM t2.otel_traces')).toEqual([{ SpanId: 's1' }]);
  });
});
