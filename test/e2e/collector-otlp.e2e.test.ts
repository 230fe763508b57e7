/**
 * End to end through a real collector process: OTLP requests (encoded by the OpenTelemetry JS
 * encoder) in, rows in embedded ClickHouse out, read through the collector's query endpoint.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '@spendtrace/pricing';
import { NODE_THREAD_NAMES } from '@spendtrace/clickhouse';
import { encodeProtobuf, readableSpan, type FixtureResource, type FixtureScope } from '../../collector/test/fixtures/otlp-fixtures.ts';
import { postOtlp, query, startCollectorProcess, tempDir, waitFor, writeConfig, type CollectorProcess } from './collector-process.ts';

const catalog = defaultCatalog();
const T0 = 1_768_478_400; // 2026-01-15T12:00:00Z, seconds
const resource: FixtureResource = { attributes: { 'service.name': 'support-bot', 'deployment.environment.name': 'staging' } };
const scope: FixtureScope = { name: '@spendtrace/instrumentation', version: '0.1.0' };

function costOf(provider: string, model: string, inputTokens: number, outputTokens: number, cacheReadTokens = 0): number {
  const r = catalog.cost({ provider, model, at: T0 * 1000 }, { inputTokens, outputTokens, cacheReadTokens });
  if (!r.breakdown) throw new Error(`no price for ${provider}/${model}`);
  return r.breakdown.total;
}

/** A one-second span under `parent`, starting `offsetS` seconds into the trace. */
function childSpan(traceId: string, spanId: string, parent: string, offsetS: number, name: string, kind: number, attributes: Record<string, string | number>) {
  return readableSpan({
    traceId,
    spanId,
    parentSpanId: parent,
    name,
    kind,
    startTime: [T0 + offsetS, 0],
    endTime: [T0 + offsetS + 1, 0],
    resource,
    scope,
    attributes,
  });
}

function call(traceId: string, spanId: string, parent: string, provider: string, model: string, input: number, output: number, offsetS: number, cacheRead = 0) {
  return childSpan(traceId, spanId, parent, offsetS, `chat ${model}`, 2, {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': provider,
    'gen_ai.request.model': model,
    'gen_ai.usage.input_tokens': input,
    'gen_ai.usage.output_tokens': output,
    'gen_ai.usage.cache_read.input_tokens': cacheRead,
    'spendtrace.feature': 'ticket-triage',
    'spendtrace.customer.id': 'acme',
  });
}

function root(traceId: string, spanId: string, durationS: number) {
  return readableSpan({
    traceId,
    spanId,
    name: 'invoke_agent triage',
    kind: 0,
    startTime: [T0, 0],
    endTime: [T0 + durationS, 0],
    resource,
    scope,
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'triage', 'gen_ai.workflow.name': 'support-ticket', 'user.id': 'u-42' },
  });
}

function tool(traceId: string, spanId: string, parent: string, name: string, offsetS: number) {
  return childSpan(traceId, spanId, parent, offsetS, `execute_tool ${name}`, 0, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name });
}

const TRACE = '5b8efff798038103d269b633813fc60c';
const ROOT = '0000000000000a01';

describe('collector end to end (OTLP protobuf → genai_calls / genai_workflows)', () => {
  let collector: CollectorProcess;

  beforeAll(async () => {
    const dir = tempDir('e2e-otlp');
    const config = writeConfig(dir, 'processors:\n  workflow:\n    quiet_window: 400ms\n    max_wait: 20s\n');
    collector = await startCollectorProcess({ dataDir: dir, config });
  });

  afterAll(async () => {
    expect(await collector?.stop('SIGTERM')).toBe(0);
  });

  it('stores a three-step agent trace with exact per-call cost and exact workflow totals, including a late span', async () => {
    const steps = [
      call(TRACE, '0000000000000a02', ROOT, 'openai', 'gpt-5.4-mini', 1800, 220, 1, 1024),
      tool(TRACE, '0000000000000a03', ROOT, 'search_kb', 2),
      call(TRACE, '0000000000000a04', ROOT, 'anthropic', 'claude-sonnet-4-5', 5000, 600, 3),
      call(TRACE, '0000000000000a05', ROOT, 'openai', 'gpt-5.4-mini', 900, 80, 5),
      root(TRACE, ROOT, 7),
    ];
    const body = encodeProtobuf(steps);
    expect((await postOtlp(collector.otlpUrl, body)).status).toBe(200);
    // The same request again (a client retry): counted once.
    expect((await postOtlp(collector.otlpUrl, body)).status).toBe(200);

    const expected = [
      costOf('openai', 'gpt-5.4-mini', 1800, 220, 1024),
      costOf('anthropic', 'claude-sonnet-4-5', 5000, 600),
      costOf('openai', 'gpt-5.4-mini', 900, 80),
    ];
    const calls = await waitFor(
      () => query<{ span_id: string; provider: string; input_tokens: string; output_tokens: string; cache_read_tokens: string; cost_usd: number; cost_source: string; feature: string; environment: string; service_name: string }>(
        collector.queryUrl,
        `SELECT span_id, provider, input_tokens, output_tokens, cache_read_tokens, cost_usd, cost_source, feature, environment, service_name FROM genai_calls WHERE trace_id = '${TRACE}' ORDER BY span_id`,
      ),
      (rows) => rows.length >= 3,
    );
    expect(calls.map((c) => [c.span_id, c.provider, Number(c.input_tokens), Number(c.output_tokens), Number(c.cache_read_tokens), c.cost_source, c.feature, c.environment, c.service_name])).toEqual([
      ['0000000000000a02', 'openai', 1800, 220, 1024, 'local', 'ticket-triage', 'staging', 'support-bot'],
      ['0000000000000a04', 'anthropic', 5000, 600, 0, 'local', 'ticket-triage', 'staging', 'support-bot'],
      ['0000000000000a05', 'openai', 900, 80, 0, 'local', 'ticket-triage', 'staging', 'support-bot'],
    ]);
    calls.forEach((c, i) => expect(c.cost_usd).toBeCloseTo(expected[i]!, 12));

    type Totals = { rows: string; cost: number; calls: string; input: string; output: string; spans: string; tools: string[]; models: string[]; root: string; agent: string; user: string; customer: string };
    const totals = (): Promise<Totals[]> =>
      query<Totals>(
        collector.queryUrl,
        `SELECT count() AS rows, sum(cost_usd) AS cost, sum(calls) AS calls, sum(input_tokens) AS input, sum(output_tokens) AS output, sum(spans) AS spans,
                arraySort(groupUniqArrayArray(tools)) AS tools, arraySort(groupUniqArrayArray(models)) AS models,
                anyIf(root_span_name, revision = 0) AS root, anyIf(agent_name, revision = 0) AS agent, anyIf(user_id, revision = 0) AS user, anyIf(customer_id, revision = 0) AS customer
         FROM genai_workflows WHERE trace_id = '${TRACE}' GROUP BY trace_id`,
      );
    const first = await waitFor(totals, (r) => r.length === 1);
    expect(first.map((t) => [Number(t.rows), Number(t.calls), Number(t.input), Number(t.output), Number(t.spans), t.tools, t.models, t.root, t.agent, t.user, t.customer])).toEqual([
      [1, 3, 7700, 900, 5, ['search_kb'], ['claude-sonnet-4-5', 'gpt-5.4-mini'], 'invoke_agent triage', 'triage', 'u-42', 'acme'],
    ]);
    expect(first[0]!.cost).toBeCloseTo(expected[0]! + expected[1]! + expected[2]!, 12);

    // A step that arrives after the trace was flushed becomes a delta row; the GROUP BY sums stay exact.
    const late = call(TRACE, '0000000000000a06', ROOT, 'openai', 'gpt-5.4-mini', 333, 44, 6);
    expect((await postOtlp(collector.otlpUrl, encodeProtobuf([late]))).status).toBe(200);
    const after = await waitFor(totals, (r) => Number(r[0]?.rows) === 2);
    expect(after.map((t) => [Number(t.rows), Number(t.calls), Number(t.input), Number(t.output), Number(t.spans)])).toEqual([[2, 4, 8033, 944, 6]]);
    expect(after[0]!.cost).toBeCloseTo(expected[0]! + expected[1]! + expected[2]! + costOf('openai', 'gpt-5.4-mini', 333, 44), 12);
    const revisions = await query<{ revision: number }>(collector.queryUrl, `SELECT revision FROM genai_workflows WHERE trace_id = '${TRACE}' ORDER BY revision`);
    expect(revisions.map((r) => Number(r.revision))).toEqual([0, 1]);

    // The retried request left exactly one row per call.
    const count = await query<{ n: string }>(collector.queryUrl, `SELECT count() AS n FROM genai_calls WHERE trace_id = '${TRACE}'`);
    expect(Number(count[0]!.n)).toBe(4);
  });

  it('reads every dialect into the same canonical rows, and stores a doubly instrumented call once', async () => {
    const trace = '6c0ffee0000000000000000000000001';
    const at = (n: number): [number, number] => [T0 + n, 0];
    const other = (name: string, attributes: Record<string, string | number | boolean>, id: string, parent?: string) =>
      readableSpan({ traceId: trace, spanId: id, ...(parent ? { parentSpanId: parent } : {}), name, startTime: at(1), endTime: at(2), resource, scope: { name: 'other' }, attributes });
    const spans = [
      // Vercel AI SDK: the outer span carries aggregate usage and is not a call; the inner one is.
      other('ai.generateText', { 'ai.operationId': 'ai.generateText', 'ai.model.id': 'gpt-5.4-mini', 'ai.model.provider': 'openai.chat', 'ai.usage.promptTokens': 120, 'ai.usage.completionTokens': 30 }, 'b000000000000001'),
      other('ai.generateText.doGenerate', { 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.id': 'gpt-5.4-mini', 'ai.model.provider': 'openai.chat', 'ai.usage.promptTokens': 120, 'ai.usage.completionTokens': 30 }, 'b000000000000002', 'b000000000000001'),
      // OpenInference with a reported cost.
      other('ChatAnthropic', { 'openinference.span.kind': 'LLM', 'llm.model_name': 'claude-sonnet-4-5', 'llm.provider': 'anthropic', 'llm.token_count.prompt': 700, 'llm.token_count.completion': 50, 'llm.token_count.prompt_details.cache_read': 600, 'llm.cost.total': 0.0042 }, 'b000000000000003'),
      other('agent', { 'openinference.span.kind': 'AGENT', 'llm.token_count.prompt': 700 }, 'b000000000000004'),
      // Pre-1.37 GenAI names from an Anthropic instrumentation: input excludes the cache.
      other('anthropic.chat', { 'gen_ai.system': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-5', 'gen_ai.usage.prompt_tokens': 100, 'gen_ai.usage.completion_tokens': 10, 'gen_ai.usage.cache_read_input_tokens': 900 }, 'b000000000000005'),
      // An SDK's built-in span and an instrumentation's child span for the same response.
      other('chat gpt-5.4-mini', { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5.4-mini', 'gen_ai.response.id': 'resp-dup' }, 'b000000000000006'),
      other('openai.chat', { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5.4-mini', 'gen_ai.response.id': 'resp-dup', 'gen_ai.usage.input_tokens': 64, 'gen_ai.usage.output_tokens': 8 }, 'b000000000000007', 'b000000000000006'),
    ];
    expect((await postOtlp(collector.otlpUrl, encodeProtobuf(spans))).status).toBe(200);
    const rows = await waitFor(
      () =>
        query<{ span_id: string; provider: string; input_tokens: string; output_tokens: string; cache_read_tokens: string; cost_usd: number; cost_source: string }>(
          collector.queryUrl,
          `SELECT span_id, provider, input_tokens, output_tokens, cache_read_tokens, cost_usd, cost_source FROM genai_calls WHERE trace_id = '${trace}' ORDER BY span_id`,
        ),
      (r) => r.length >= 4,
    );
    expect(rows.map((r) => [r.span_id, r.provider, Number(r.input_tokens), Number(r.output_tokens), Number(r.cache_read_tokens), r.cost_source])).toEqual([
      ['b000000000000002', 'openai', 120, 30, 0, 'local'],
      ['b000000000000003', 'anthropic', 700, 50, 600, 'provider'],
      ['b000000000000005', 'anthropic', 1000, 10, 900, 'local'],
      ['b000000000000007', 'openai', 64, 8, 0, 'local'],
    ]);
    expect(rows[0]!.cost_usd).toBeCloseTo(costOf('openai', 'gpt-5.4-mini', 120, 30), 12);
    expect(rows[1]!.cost_usd).toBe(0.0042);
    expect(rows[2]!.cost_usd).toBeCloseTo(costOf('anthropic', 'claude-sonnet-4-5', 1000, 10, 900), 12);
    expect(rows[3]!.cost_usd).toBeCloseTo(costOf('openai', 'gpt-5.4-mini', 64, 8), 12);
  });

  it('serves Prometheus self-metrics', async () => {
    const text = await (await fetch(collector.metricsUrl)).text();
    expect(text).toMatch(/^spendtrace_receiver_spans_total 18$/m);
    expect(text).toMatch(/^spendtrace_duplicate_spans_total 5$/m);
    expect(text).toMatch(/^spendtrace_duplicate_calls_total 1$/m);
    expect(text).toMatch(/^spendtrace_priced_calls_total 7$/m);
    expect(text).toMatch(/^spendtrace_provider_cost_calls_total 1$/m);
    expect(text).toMatch(/^spendtrace_exporter_rows_total\{exporter="clickhouse",table="genai_calls"\} 8$/m);
  });

  it.runIf(process.platform === 'linux')("runs embedded ClickHouse's threads at nice 19, below Node's own", async () => {
    const pid = collector.child.pid!;
    // The process's own nice value, inherited from whoever started it (0 unless that was niced).
    const base = getPriority(pid);
    // At least the process's own value: a nice value only goes up.
    const want = Math.max(19, base);
    const threads = () =>
      readdirSync(`/proc/${pid}/task`).map((tid) => ({ tid: Number(tid), name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trimEnd(), nice: getPriority(Number(tid)) }));
    const isNode = (t: { tid: number; name: string }) => t.tid === pid || NODE_THREAD_NAMES.has(t.name);
    // Threads ClickHouse started since the last look get theirs within a second.
    const seen = await waitFor(
      async () => threads(),
      (all) => all.filter((t) => !isNode(t)).every((t) => t.nice === want),
      5_000,
    );
    expect(seen.filter((t) => !isNode(t)).map((t) => t.nice)).toEqual(seen.filter((t) => !isNode(t)).map(() => want));
    expect(seen.filter((t) => !isNode(t)).length).toBeGreaterThan(10);
    expect(seen.filter(isNode).map((t) => [t.name, t.nice])).toEqual(seen.filter(isNode).map((t) => [t.name, base]));
  });
});
