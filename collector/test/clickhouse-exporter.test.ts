import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createEmbeddedConnection, migrate } from '@spendtrace/clickhouse';
import type { GenAICall, PipelineBatch, Span, WorkflowRow } from '../src/model.ts';
import {
  ClickHouseExportError,
  createClickHouseExporter,
  isRetryableError,
  backoffDelay,
} from '../src/exporters/clickhouse/index.ts';

let dir: string;
let connection: ReturnType<typeof createEmbeddedConnection>;
let client: ClickHouseClient;
const noSleep = async (): Promise<void> => {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spendtrace-exporter-'));
  connection = createEmbeddedConnection(dir);
  client = createClient({ connection });
  for (const database of ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7']) await migrate(client, { database });
});

afterAll(async () => {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rows<T>(query: string): Promise<T[]> {
  const result = await client.query({ query, format: 'JSONEachRow' });
  return result.json<T>();
}

const resource = {
  attributes: { 'service.name': 'checkout', 'deployment.environment.name': 'prod', 'process.pid': 4242 },
  droppedAttributesCount: 0,
  schemaUrl: '',
};
const scope = { name: '@spendtrace/instrumentation', version: '0.1.0', attributes: {} };

function span(overrides: Partial<Span> = {}): Span {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '00f067aa0ba902b7',
    traceState: 'rojo=00f067aa0ba902b7',
    flags: 1,
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: 1_700_000_000_123_456_789n,
    endTimeUnixNano: 1_700_000_001_987_654_321n,
    attributes: {
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 1200,
      'big.int': 9_007_199_254_740_993n,
      'stream': true,
      'gen_ai.response.finish_reasons': ['stop', 'length'],
      'nested': { a: 1, b: ['x'] },
      'raw': new Uint8Array([1, 2, 3]),
    },
    droppedAttributesCount: 0,
    events: [
      { timeUnixNano: 1_700_000_000_500_000_001n, name: 'gen_ai.content.prompt', attributes: { role: 'user' }, droppedAttributesCount: 0 },
      { timeUnixNano: 1_700_000_001_000_000_002n, name: 'first_chunk', attributes: {}, droppedAttributesCount: 0 },
    ],
    droppedEventsCount: 0,
    links: [
      { traceId: '11111111111111111111111111111111', spanId: '2222222222222222', traceState: '', attributes: { why: 'retry' }, droppedAttributesCount: 0, flags: 0 },
    ],
    droppedLinksCount: 0,
    status: { code: 2, message: 'rate limited' },
    resource,
    resourceSchemaUrl: '',
    scope,
    scopeSchemaUrl: '',
    ...overrides,
  };
}

function call(overrides: Partial<GenAICall> = {}): GenAICall {
  return {
    timestampNs: 1_700_000_000_123_456_789n,
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '00f067aa0ba902b7',
    spanName: 'chat gpt-4o',
    serviceName: 'checkout',
    environment: 'prod',
    provider: 'openai',
    operation: 'chat',
    requestModel: 'gpt-4o',
    responseModel: 'gpt-4o-2024-08-06',
    responseId: 'chatcmpl-1',
    pricingModel: 'openai/gpt-4o',
    pricingVersion: '2025-06-01',
    pricingStatus: '',
    feature: 'summarize',
    userId: 'u-1',
    customerId: 'acme',
    team: 'growth',
    promptName: 'summary',
    promptVersion: 'v3',
    workflowName: 'triage',
    agentName: 'planner',
    conversationId: 'conv-9',
    inputTokens: 1200,
    outputTokens: 300,
    cacheReadTokens: 1000,
    cacheWriteTokens: 0,
    reasoningTokens: 120,
    costUsd: 0.00575,
    costInputUsd: 0.0005,
    costCacheReadUsd: 0.00125,
    costCacheWriteUsd: 0,
    costOutputUsd: 0.0018,
    costReasoningUsd: 0.0012,
    costSource: 'local',
    durationNs: 1_864_197_532n,
    timeToFirstChunkNs: 876_543_213n,
    streaming: true,
    errorType: '',
    finishReasons: ['stop'],
    scopeName: '@spendtrace/instrumentation',
    ...overrides,
  };
}

function workflow(overrides: Partial<WorkflowRow> = {}): WorkflowRow {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    revision: 0,
    firstTimestampNs: 1_700_000_000_000_000_001n,
    lastTimestampNs: 1_700_000_009_999_999_999n,
    durationNs: 9_999_999_998n,
    rootSpanName: 'triage ticket',
    serviceName: 'checkout',
    environment: 'prod',
    workflowName: 'triage',
    agentName: 'planner',
    feature: 'summarize',
    userId: 'u-1',
    customerId: 'acme',
    calls: 3,
    errors: 1,
    inputTokens: 3600,
    outputTokens: 900,
    cacheReadTokens: 1000,
    cacheWriteTokens: 200,
    reasoningTokens: 120,
    costUsd: 0.0172,
    unpricedCalls: 0,
    models: ['gpt-4o-2024-08-06', 'claude-sonnet-4'],
    tools: ['search'],
    spans: 7,
    ...overrides,
  };
}

const batch = (b: Partial<PipelineBatch>): PipelineBatch => ({ spans: [], calls: [], workflows: [], ...b });

describe('ClickHouse exporter on embedded ClickHouse', () => {
  it('stores spans, calls and workflows exactly', async () => {
    const exporter = createClickHouseExporter({ client, database: 'e1', migrate: false });
    await exporter.export(batch({ spans: [span()], calls: [call()], workflows: [workflow()] }));
    await exporter.shutdown();

    const spans = await rows<Record<string, unknown>>(
      "SELECT toString(Timestamp) AS ts, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, toString(Duration) AS Duration, StatusCode, StatusMessage, arrayMap(t -> toString(t), Events.Timestamp) AS event_ts, Events.Name, Events.Attributes, Links.TraceId, Links.SpanId, Links.Attributes FROM e1.otel_traces",
    );
    expect(spans).toEqual([
      {
        ts: '2023-11-14 22:13:20.123456789',
        TraceId: '0af7651916cd43dd8448eb211c80319c',
        SpanId: 'b7ad6b7169203331',
        ParentSpanId: '00f067aa0ba902b7',
        TraceState: 'rojo=00f067aa0ba902b7',
        SpanName: 'chat gpt-4o',
        SpanKind: 'SPAN_KIND_CLIENT',
        ServiceName: 'checkout',
        ResourceAttributes: { 'service.name': 'checkout', 'deployment.environment.name': 'prod', 'process.pid': '4242' },
        ScopeName: '@spendtrace/instrumentation',
        ScopeVersion: '0.1.0',
        SpanAttributes: {
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.usage.input_tokens': '1200',
          'big.int': '9007199254740993',
          stream: 'true',
          'gen_ai.response.finish_reasons': '["stop","length"]',
          nested: '{"a":1,"b":["x"]}',
          raw: 'AQID',
        },
        Duration: '1864197532',
        StatusCode: 'STATUS_CODE_ERROR',
        StatusMessage: 'rate limited',
        event_ts: ['2023-11-14 22:13:20.500000001', '2023-11-14 22:13:21.000000002'],
        'Events.Name': ['gen_ai.content.prompt', 'first_chunk'],
        'Events.Attributes': [{ role: 'user' }, {}],
        'Links.TraceId': ['11111111111111111111111111111111'],
        'Links.SpanId': ['2222222222222222'],
        'Links.Attributes': [{ why: 'retry' }],
      },
    ]);

    const lookup = await rows<Record<string, unknown>>('SELECT TraceId, toString(Start) AS s, toString(End) AS e FROM e1.otel_traces_trace_id_ts');
    expect(lookup).toEqual([{ TraceId: '0af7651916cd43dd8448eb211c80319c', s: '2023-11-14 22:13:20', e: '2023-11-14 22:13:20' }]);

    const calls = await rows<Record<string, unknown>>(
      "SELECT * EXCEPT (timestamp, duration_ns, time_to_first_chunk_ns), toString(timestamp) AS ts, toString(duration_ns) AS duration_ns, toString(time_to_first_chunk_ns) AS ttfc FROM e1.genai_calls",
    );
    expect(calls).toEqual([
      {
        trace_id: '0af7651916cd43dd8448eb211c80319c',
        span_id: 'b7ad6b7169203331',
        parent_span_id: '00f067aa0ba902b7',
        span_name: 'chat gpt-4o',
        service_name: 'checkout',
        environment: 'prod',
        provider: 'openai',
        operation: 'chat',
        request_model: 'gpt-4o',
        response_model: 'gpt-4o-2024-08-06',
        response_id: 'chatcmpl-1',
        pricing_model: 'openai/gpt-4o',
        pricing_version: '2025-06-01',
        pricing_status: '',
        feature: 'summarize',
        user_id: 'u-1',
        customer_id: 'acme',
        team: 'growth',
        prompt_name: 'summary',
        prompt_version: 'v3',
        workflow_name: 'triage',
        agent_name: 'planner',
        conversation_id: 'conv-9',
        input_tokens: 1200,
        output_tokens: 300,
        cache_read_tokens: 1000,
        cache_write_tokens: 0,
        reasoning_tokens: 120,
        cost_usd: 0.00575,
        cost_input_usd: 0.0005,
        cost_cache_read_usd: 0.00125,
        cost_cache_write_usd: 0,
        cost_output_usd: 0.0018,
        cost_reasoning_usd: 0.0012,
        cost_source: 'local',
        streaming: true,
        error_type: '',
        finish_reasons: ['stop'],
        scope_name: '@spendtrace/instrumentation',
        ts: '2023-11-14 22:13:20.123456789',
        duration_ns: '1864197532',
        ttfc: '876543213',
      },
    ]);

    const workflows = await rows<Record<string, unknown>>(
      'SELECT trace_id, revision, toString(first_timestamp) AS first, toString(last_timestamp) AS last, toString(duration_ns) AS duration_ns, root_span_name, calls, errors, input_tokens, cache_write_tokens, cost_usd, models, tools, spans FROM e1.genai_workflows',
    );
    expect(workflows).toEqual([
      {
        trace_id: '0af7651916cd43dd8448eb211c80319c',
        revision: 0,
        first: '2023-11-14 22:13:20.000000001',
        last: '2023-11-14 22:13:29.999999999',
        duration_ns: '9999999998',
        root_span_name: 'triage ticket',
        calls: 3,
        errors: 1,
        input_tokens: 3600,
        cache_write_tokens: 200,
        cost_usd: 0.0172,
        models: ['gpt-4o-2024-08-06', 'claude-sonnet-4'],
        tools: ['search'],
        spans: 7,
      },
    ]);
  });

  it('stores a batch exported twice once, rollups included', async () => {
    const exporter = createClickHouseExporter({ client, database: 'e2', migrate: false });
    const same = batch({ spans: [span()], calls: [call(), call({ spanId: 'c7ad6b7169203332', costUsd: 0.01 })], workflows: [workflow()] });
    await exporter.export(same);
    await exporter.export(same);
    // A different batch must still be stored (and not be mistaken for a retry).
    await exporter.export(batch({ calls: [call({ spanId: 'd7ad6b7169203333', costUsd: 0.1 })] }));
    await exporter.shutdown();
    expect(await rows('SELECT count() AS n, sum(cost_usd) AS cost FROM e2.genai_calls')).toEqual([{ n: 3, cost: 0.11575 }]);
    expect(await rows('SELECT count() AS n FROM e2.otel_traces')).toEqual([{ n: 1 }]);
    expect(await rows('SELECT count() AS n FROM e2.genai_workflows')).toEqual([{ n: 1 }]);
    expect(await rows('SELECT sum(calls) AS calls, sum(cost_usd) AS cost FROM e2.genai_costs_hourly')).toEqual([{ calls: 3, cost: 0.11575 }]);
    // An insert without a token afterwards is not swallowed by the earlier token.
    await client.command({ query: "INSERT INTO e2.genai_calls (trace_id, span_id) VALUES ('t', 's')" });
    expect(await rows('SELECT count() AS n FROM e2.genai_calls')).toEqual([{ n: 4 }]);
  });

  it('retries a failing insert and stores it once, also when the failed attempt had committed', async () => {
    let execCalls = 0;
    // Attempt 1 fails before reaching ClickHouse; attempt 2 commits, then the reply is lost.
    const flaky = new Proxy(connection, {
      get(target, prop, receiver) {
        if (prop === 'exec') {
          return async (params: Parameters<typeof target.exec>[0]) => {
            execCalls++;
            if (execCalls === 1) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
            if (execCalls === 2) {
              const result = await target.exec(params);
              result.stream.resume();
              throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
            }
            return target.exec(params);
          };
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const flakyClient = createClient({ connection: flaky });
    const retries: Array<[string, number]> = [];
    const exporter = createClickHouseExporter({
      client: flakyClient,
      database: 'e3',
      migrate: false,
      sleep: noSleep,
      telemetry: { onRetry: (table, attempt) => retries.push([table, attempt]) },
    });
    await exporter.export(batch({ calls: [call()] }));
    await exporter.shutdown();
    expect(execCalls).toBe(3);
    expect(retries).toEqual([
      ['genai_calls', 1],
      ['genai_calls', 2],
    ]);
    expect(await rows('SELECT count() AS n, sum(input_tokens) AS tokens FROM e3.genai_calls')).toEqual([{ n: 1, tokens: 1200 }]);
    expect(await rows('SELECT sum(calls) AS calls FROM e3.genai_costs_hourly')).toEqual([{ calls: 1 }]);
  });

  it('surfaces a non-retryable error at once with the table and row count', async () => {
    const retries: number[] = [];
    const exporter = createClickHouseExporter({
      client,
      database: 'missing_db',
      migrate: false,
      sleep: noSleep,
      telemetry: { onRetry: (_t, attempt) => retries.push(attempt) },
    });
    const failed = exporter.export(batch({ calls: [call(), call({ spanId: 'e7ad6b7169203334' })] }));
    await expect(failed).rejects.toBeInstanceOf(ClickHouseExportError);
    await expect(failed).rejects.toThrow(/^clickhouse exporter: inserting 2 rows into genai_calls failed: .*missing_db/);
    expect(retries).toEqual([]);
    await exporter.shutdown();
  });

  it('splits by maxRows and resolves only when every part is committed', async () => {
    const committed: Array<[string, number]> = [];
    const exporter = createClickHouseExporter({
      client,
      database: 'e4',
      migrate: false,
      batch: { maxRows: 2 },
      telemetry: { onRowsExported: (table, n) => committed.push([table, n]) },
    });
    const calls = Array.from({ length: 5 }, (_, i) => call({ spanId: `f7ad6b716920333${i}` }));
    await exporter.export(batch({ calls }));
    expect(committed).toEqual([
      ['genai_calls', 2],
      ['genai_calls', 2],
      ['genai_calls', 1],
    ]);
    expect(await rows('SELECT count() AS n FROM e4.genai_calls')).toEqual([{ n: 5 }]);
    await exporter.shutdown();
    await expect(exporter.export(batch({ calls }))).rejects.toThrow('clickhouse exporter: export after shutdown');
  });

  it('encodes the next prepared part into the memory of a released one, and stores both exactly', async () => {
    const exporter = createClickHouseExporter({ client, database: 'e5', migrate: false });
    const first = exporter.prepare(batch({ calls: [call({ spanId: 'a1ad6b7169203331', costUsd: 0.25 })] }));
    const firstMemory = first.genai_calls[0]!.bytes.buffer;
    await exporter.exportPrepared([first]);
    exporter.release(first);
    expect(first.genai_calls).toStrictEqual([]);
    const second = exporter.prepare(batch({ calls: [call({ spanId: 'a2ad6b7169203332', costUsd: 0.5 })] }));
    expect(second.genai_calls[0]!.bytes.buffer).toBe(firstMemory);
    // Not released: the third part gets memory of its own.
    await exporter.exportPrepared([second]);
    const third = exporter.prepare(batch({ calls: [call({ spanId: 'a3ad6b7169203333', costUsd: 1 })] }));
    expect(third.genai_calls[0]!.bytes.buffer).not.toBe(firstMemory);
    await exporter.exportPrepared([third]);
    await exporter.shutdown();
    expect(await rows('SELECT span_id, cost_usd FROM e5.genai_calls ORDER BY span_id')).toEqual([
      { span_id: 'a1ad6b7169203331', cost_usd: 0.25 },
      { span_id: 'a2ad6b7169203332', cost_usd: 0.5 },
      { span_id: 'a3ad6b7169203333', cost_usd: 1 },
    ]);
  });

  it('leaves skip indexes to merges unless told to build them on insert, with the same query results', async () => {
    const indexBytes = async (database: string) =>
      rows<{ bytes: number }>(`SELECT toUInt32(sum(secondary_indices_compressed_bytes) > 0) AS bytes FROM system.parts WHERE database = '${database}' AND table = 'otel_traces' AND active`);
    const byTraceId = (database: string) => rows(`SELECT SpanId FROM ${database}.otel_traces WHERE TraceId = '0af7651916cd43dd8448eb211c80319c' AND SpanAttributes['gen_ai.request.model'] = 'gpt-4o'`);
    const deferred = createClickHouseExporter({ client, database: 'e6', migrate: false });
    await deferred.start();
    await deferred.export(batch({ spans: [span()] }));
    await deferred.shutdown();
    expect(await indexBytes('e6')).toEqual([{ bytes: 0 }]);
    expect(await byTraceId('e6')).toEqual([{ SpanId: 'b7ad6b7169203331' }]);
    await client.command({ query: 'OPTIMIZE TABLE e6.otel_traces FINAL' });
    expect(await indexBytes('e6')).toEqual([{ bytes: 1 }]);
    expect(await byTraceId('e6')).toEqual([{ SpanId: 'b7ad6b7169203331' }]);

    const onInsert = createClickHouseExporter({ client, database: 'e7', migrate: false, materializeSkipIndexesOnInsert: true });
    await onInsert.start();
    await onInsert.export(batch({ spans: [span()] }));
    await onInsert.shutdown();
    expect(await indexBytes('e7')).toEqual([{ bytes: 1 }]);
    expect(await byTraceId('e7')).toEqual([{ SpanId: 'b7ad6b7169203331' }]);
  });

  it('rejects invalid batch settings', () => {
    expect(() => createClickHouseExporter({ client, database: 'e4', batch: { maxRows: 0 } })).toThrow(
      'clickhouse exporter: batch.maxRows must be a positive integer, got 0',
    );
  });
});

describe('retry policy', () => {
  it('retries transient failures only', () => {
    expect(isRetryableError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableError(Object.assign(new Error('Too many parts'), { code: '252' }))).toBe(true);
    expect(isRetryableError(Object.assign(new Error('Syntax error'), { code: '62' }))).toBe(false);
    expect(isRetryableError(Object.assign(new Error('Cannot parse input'), { code: '27' }))).toBe(false);
    expect(isRetryableError(new Error('Timeout error.'))).toBe(true);
  });

  it('grows the delay exponentially up to the cap, with bounded jitter', () => {
    const options = { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, jitter: 0.2, maxElapsedMs: 0 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, options, () => 0.5))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(1, options, () => 0)).toBe(80);
    expect(backoffDelay(1, options, () => 1)).toBe(120);
  });
});
