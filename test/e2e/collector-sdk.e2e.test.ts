/**
 * End to end with real applications: the OpenAI SDK traced by @spendtrace/instrumentation, by
 * @opentelemetry/instrumentation-openai and by @traceloop/instrumentation-openai, exported with the
 * OTLP/HTTP protobuf exporter to a collector process; the calls reach genai_calls with exact tokens
 * and the catalog's cost.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '@spendtrace/pricing';
import { startProviderServer, type ProviderServer } from '../providers/server.ts';
import { query, startCollectorProcess, tempDir, waitFor, writeConfig, type CollectorProcess } from './collector-process.ts';

const run = promisify(execFile);
const DRIVER = fileURLToPath(new URL('./drivers/sdk-driver.ts', import.meta.url));
const catalog = defaultCatalog();

interface CallRow {
  trace_id: string;
  provider: string;
  operation: string;
  request_model: string;
  input_tokens: string;
  output_tokens: string;
  cache_read_tokens: string;
  cost_usd: number;
  cost_source: string;
  pricing_model: string;
  feature: string;
  customer_id: string;
  team: string;
  environment: string;
  service_name: string;
  ts_ms: string;
}

function expectedCost(row: CallRow): number {
  const r = catalog.cost(
    { provider: 'openai', model: 'gpt-5.4-mini', at: Number(row.ts_ms) },
    { inputTokens: Number(row.input_tokens), outputTokens: Number(row.output_tokens), cacheReadTokens: Number(row.cache_read_tokens) },
  );
  return r.breakdown!.total;
}

describe('collector end to end with instrumented OpenAI SDK apps', () => {
  let provider: ProviderServer;
  let collector: CollectorProcess;

  beforeAll(async () => {
    provider = await startProviderServer();
    const dir = tempDir('e2e-sdk');
    collector = await startCollectorProcess({ dataDir: dir, config: writeConfig(dir, 'processors:\n  workflow:\n    quiet_window: 300ms\n') });
  });

  afterAll(async () => {
    expect(await collector?.stop('SIGTERM')).toBe(0);
    await provider?.close();
  });

  async function drive(mode: string): Promise<string> {
    const { stdout } = await run(process.execPath, [DRIVER, mode, collector.otlpUrl, provider.url, `${mode}-${Date.now()}`], {
      env: { ...process.env, OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_TRACES_EXPORTER: 'none' },
      timeout: 60_000,
    });
    const { traceIds } = JSON.parse(stdout.trim().split('\n').pop()!) as { traceIds: string[] };
    return traceIds[0]!;
  }

  async function callsOf(traceId: string, expected: number): Promise<CallRow[]> {
    return waitFor(
      () =>
        query<CallRow>(
          collector.queryUrl,
          `SELECT trace_id, provider, operation, request_model, input_tokens, output_tokens, cache_read_tokens, cost_usd, cost_source, pricing_model,
                  feature, customer_id, team, environment, service_name, toUnixTimestamp64Milli(timestamp) AS ts_ms
           FROM genai_calls WHERE trace_id = '${traceId}' ORDER BY input_tokens`,
        ),
      (rows) => rows.length >= expected,
    );
  }

  function summary(rows: CallRow[]) {
    return rows.map((r) => [r.provider, r.operation, r.request_model, Number(r.input_tokens), Number(r.output_tokens), Number(r.cache_read_tokens), r.cost_source, r.pricing_model, r.environment, r.team]);
  }

  it('@spendtrace/instrumentation: exact tokens, cost, attribution and workflow totals', async () => {
    const traceId = await drive('spendtrace');
    const rows = await callsOf(traceId, 2);
    expect(summary(rows)).toEqual([
      ['openai', 'chat', 'gpt-5.4-mini', 1000, 100, 256, 'local', 'openai/gpt-5.4-mini', 'e2e', 'platform'],
      ['openai', 'chat', 'gpt-5.4-mini', 2000, 200, 0, 'local', 'openai/gpt-5.4-mini', 'e2e', 'platform'],
    ]);
    for (const r of rows) {
      expect(r.cost_usd).toBeCloseTo(expectedCost(r), 12);
      expect([r.feature, r.customer_id, r.service_name]).toEqual(['e2e-feature', 'cust-spendtrace', 'e2e-spendtrace']);
    }
    const wf = await waitFor(
      () => query<{ calls: string; input: string; cost: number; tools: string[]; agent: string; workflow: string }>(
        collector.queryUrl,
        `SELECT sum(calls) AS calls, sum(input_tokens) AS input, sum(cost_usd) AS cost, groupUniqArrayArray(tools) AS tools, any(agent_name) AS agent, any(workflow_name) AS workflow FROM genai_workflows WHERE trace_id = '${traceId}'`,
      ),
      (r) => Number(r[0]?.calls) === 2,
    );
    expect([Number(wf[0]!.calls), Number(wf[0]!.input), wf[0]!.tools, wf[0]!.agent, wf[0]!.workflow]).toEqual([2, 3000, ['lookup'], 'e2e-agent', 'e2e-workflow']);
    expect(wf[0]!.cost).toBeCloseTo(expectedCost(rows[0]!) + expectedCost(rows[1]!), 12);
  });

  // The driver makes the same two calls under either OpenAI instrumentation, so both must store the same rows.
  for (const [instrumentation, driver] of [
    ['@opentelemetry/instrumentation-openai', 'otel'],
    ['@traceloop/instrumentation-openai', 'traceloop'],
  ] as const) {
    it(`${instrumentation}: exact tokens and the catalog cost`, async () => {
      const traceId = await drive(driver);
      const rows = await callsOf(traceId, 2);
      expect(summary(rows)).toEqual([
        ['openai', 'chat', 'gpt-5.4-mini', 1000, 100, 0, 'local', 'openai/gpt-5.4-mini', 'e2e', 'platform'],
        ['openai', 'chat', 'gpt-5.4-mini', 2000, 200, 0, 'local', 'openai/gpt-5.4-mini', 'e2e', 'platform'],
      ]);
      for (const r of rows) expect(r.cost_usd).toBeCloseTo(expectedCost(r), 12);
    });
  }

  it('@spendtrace/instrumentation on the Anthropic SDK: input includes cache reads and writes exactly once', async () => {
    const traceId = await drive('anthropic');
    const rows = await waitFor(
      () =>
        query<{ provider: string; input_tokens: string; output_tokens: string; cache_read_tokens: string; cache_write_tokens: string; cost_usd: number; pricing_model: string; ts_ms: string }>(
          collector.queryUrl,
          `SELECT provider, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, pricing_model, toUnixTimestamp64Milli(timestamp) AS ts_ms FROM genai_calls WHERE trace_id = '${traceId}'`,
        ),
      (r) => r.length >= 1,
    );
    expect(rows.map((r) => [r.provider, Number(r.input_tokens), Number(r.output_tokens), Number(r.cache_read_tokens), Number(r.cache_write_tokens), r.pricing_model])).toEqual([
      ['anthropic', 1000, 120, 300, 200, 'anthropic/claude-sonnet-4-5'],
    ]);
    const expected = catalog.cost(
      { provider: 'anthropic', model: 'claude-sonnet-4-5', at: Number(rows[0]!.ts_ms) },
      { inputTokens: 1000, outputTokens: 120, cacheReadTokens: 300, cacheWriteTokens: 200 },
    ).breakdown!.total;
    expect(rows[0]!.cost_usd).toBeCloseTo(expected, 12);
  });
});
