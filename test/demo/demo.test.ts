/**
 * The README's main job end to end, on a smaller workload: `node test/demo/main.ts --rounds 2` with
 * its own data directory, then the stored numbers checked against the plan the demo ran — calls,
 * tokens and cost per feature (cost from the shipped price catalog), the one rate-limited call, the
 * deploy's prompt versions, and that each workflow's totals in genai_workflows are the sum of its
 * calls.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '@spendtrace/pricing';
import { CollectorError, startCollector } from './collector-process.ts';
import { queryRows, REPO_ROOT } from './spendtrace-cli.ts';
import { buildPlan, callsOf, sessionsOf } from './workload.ts';
import type { PlannedCall } from './workload.ts';

const ROUNDS = 2;
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const plan = buildPlan({ rounds: ROUNDS });
const catalog = defaultCatalog();

/** The cost the catalog gives the planned call's usage. */
function expectedCost(call: PlannedCall): number {
  if (call.rateLimited) return 0;
  const u = call.usage;
  const result = catalog.cost(
    { provider: call.provider, model: call.model },
    { inputTokens: u.input, outputTokens: u.output, cacheReadTokens: u.cacheRead, cacheWriteTokens: u.cacheWrite, reasoningTokens: u.reasoning },
  );
  if (!result.breakdown) throw new Error(`the catalog has no price for ${call.provider} ${call.model}`);
  return result.breakdown.total;
}

interface FeatureExpectation {
  calls: number;
  errors: number;
  streaming: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
  cost: number;
}

function expectedByFeature(): Map<string, FeatureExpectation> {
  const byFeature = new Map<string, FeatureExpectation>();
  for (const { session } of sessionsOf(plan)) {
    const e = byFeature.get(session.feature) ?? { calls: 0, errors: 0, streaming: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, cost: 0 };
    for (const call of callsOf(session)) {
      e.calls++;
      if (call.rateLimited) e.errors++;
      if (call.stream) e.streaming++;
      e.input += call.usage.input;
      e.output += call.usage.output;
      e.cacheRead += call.usage.cacheRead;
      e.cacheWrite += call.usage.cacheWrite;
      e.reasoning += call.usage.reasoning;
      e.cost += expectedCost(call);
    }
    byFeature.set(session.feature, e);
  }
  return byFeature;
}

function runDemo(dataDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, '--rounds', String(ROUNDS), '--data-dir', dataDir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('pnpm demo', () => {
  let dataDir: string;
  let demo: { code: number | null; output: string };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'spendtrace-demo-'));
    demo = await runDemo(dataDir);
    if (demo.code !== 0) throw new Error(`the demo exited with ${demo.code}:\n${demo.output}`);
  }, 180_000);

  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs every step and prints the reports and a workflow tree', () => {
    expect(demo.code, demo.output).toBe(0);
    expect(demo.output).toContain('[8/8]');
    for (const heading of ['spendtrace report --by feature', 'spendtrace report --by model', 'spendtrace report --by customer', 'spendtrace trace ']) {
      expect(demo.output).toContain(heading);
    }
    expect(demo.output).toMatch(/Done in \d+\.\d s/);
  });

  it('stores every planned call with its feature, tokens and catalog cost', async () => {
    const rows = await queryRows<{
      feature: string;
      calls: string;
      errors: string;
      streaming: string;
      input: string;
      output: string;
      cache_read: string;
      cache_write: string;
      reasoning: string;
      cost: number;
    }>(
      dataDir,
      `SELECT feature, count() AS calls, countIf(error_type != '') AS errors, countIf(streaming) AS streaming,
              sum(input_tokens) AS input, sum(output_tokens) AS output, sum(cache_read_tokens) AS cache_read,
              sum(cache_write_tokens) AS cache_write, sum(reasoning_tokens) AS reasoning, sum(cost_usd) AS cost
         FROM genai_calls GROUP BY feature ORDER BY feature`,
    );
    const expected = expectedByFeature();
    expect(rows.map((r) => r.feature)).toEqual([...expected.keys()].sort());
    for (const row of rows) {
      const e = expected.get(row.feature)!;
      expect(
        {
          calls: Number(row.calls),
          errors: Number(row.errors),
          streaming: Number(row.streaming),
          input: Number(row.input),
          output: Number(row.output),
          cacheRead: Number(row.cache_read),
          cacheWrite: Number(row.cache_write),
          reasoning: Number(row.reasoning),
        },
        row.feature,
      ).toEqual({ calls: e.calls, errors: e.errors, streaming: e.streaming, input: e.input, output: e.output, cacheRead: e.cacheRead, cacheWrite: e.cacheWrite, reasoning: e.reasoning });
      expect(row.cost, row.feature).toBeCloseTo(e.cost, 10);
    }
  });

  it('prices every call from the catalog (no unknown model)', async () => {
    const rows = await queryRows<{ provider: string; model: string; pricing_status: string; cost_source: string; pricing_model: string; calls: string }>(
      dataDir,
      `SELECT provider, request_model AS model, pricing_status, cost_source, pricing_model, count() AS calls
         FROM genai_calls WHERE error_type = '' GROUP BY ALL ORDER BY provider, model`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.pricing_status, `${row.provider} ${row.model}`).toBe('');
      expect(row.cost_source, `${row.provider} ${row.model}`).toBe('local');
      expect(row.pricing_model, `${row.provider} ${row.model}`).not.toBe('');
    }
    const [unknown] = await queryRows<{ n: string }>(dataDir, "SELECT count() AS n FROM genai_calls WHERE pricing_status = 'unknown_model'");
    expect(Number(unknown?.n)).toBe(0);
  });

  it('records the rate-limited call as a failed call without cost', async () => {
    const rows = await queryRows<{ feature: string; provider: string; error_type: string; cost: number; input: string }>(
      dataDir,
      "SELECT feature, provider, error_type, cost_usd AS cost, input_tokens AS input FROM genai_calls WHERE error_type != ''",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ feature: 'support-chat', provider: 'openai', cost: 0 });
  });

  it('shows the deploy: the ticket summarizer prompt v4 costs more per call than v3', async () => {
    const rows = await queryRows<{ prompt_version: string; calls: string; input: string; cost: number }>(
      dataDir,
      "SELECT prompt_version, count() AS calls, sum(input_tokens) AS input, sum(cost_usd) AS cost FROM genai_calls WHERE feature = 'ticket-summarizer' GROUP BY prompt_version ORDER BY prompt_version",
    );
    const planned = (phase: number) => plan.phases[phase]!.sessions.filter((s) => s.feature === 'ticket-summarizer').flatMap(callsOf);
    const [v3, v4] = [planned(0), planned(1)];
    expect(rows.map((r) => [r.prompt_version, Number(r.calls), Number(r.input)])).toEqual([
      ['v3', v3.length, v3.reduce((sum, c) => sum + c.usage.input, 0)],
      ['v4', v4.length, v4.reduce((sum, c) => sum + c.usage.input, 0)],
    ]);
    expect(rows[1]!.cost / Number(rows[1]!.calls)).toBeGreaterThan((3 * rows[0]!.cost) / Number(rows[0]!.calls));
  });

  it('sums each workflow in genai_workflows to exactly the sum of its calls', async () => {
    const workflows = await queryRows<{ trace_id: string; name: string; calls: string; errors: string; input: string; output: string; cache_read: string; cache_write: string; reasoning: string; cost: number }>(
      dataDir,
      `SELECT trace_id, anyIf(workflow_name, workflow_name != '') AS name, sum(calls) AS calls, sum(errors) AS errors,
              sum(input_tokens) AS input, sum(output_tokens) AS output, sum(cache_read_tokens) AS cache_read,
              sum(cache_write_tokens) AS cache_write, sum(reasoning_tokens) AS reasoning, sum(cost_usd) AS cost
         FROM genai_workflows GROUP BY trace_id ORDER BY trace_id`,
    );
    const calls = await queryRows<{ trace_id: string; calls: string; errors: string; input: string; output: string; cache_read: string; cache_write: string; reasoning: string; cost: number }>(
      dataDir,
      `SELECT trace_id, count() AS calls, countIf(error_type != '') AS errors, sum(input_tokens) AS input, sum(output_tokens) AS output,
              sum(cache_read_tokens) AS cache_read, sum(cache_write_tokens) AS cache_write, sum(reasoning_tokens) AS reasoning, sum(cost_usd) AS cost
         FROM genai_calls GROUP BY trace_id ORDER BY trace_id`,
    );
    const byTrace = new Map(calls.map((c) => [c.trace_id, c]));
    const agentWorkflows = workflows.filter((w) => w.name === 'code-review');
    const planned = sessionsOf(plan).filter(({ session }) => session.workflow === 'code-review');
    expect(agentWorkflows).toHaveLength(planned.length);
    for (const w of workflows) {
      const c = byTrace.get(w.trace_id);
      expect(c, `calls of trace ${w.trace_id}`).toBeDefined();
      const tokens = (r: typeof w | NonNullable<typeof c>) => [r.calls, r.errors, r.input, r.output, r.cache_read, r.cache_write, r.reasoning].map(Number);
      expect(tokens(w), w.trace_id).toEqual(tokens(c!));
      expect(w.cost, w.trace_id).toBeCloseTo(c!.cost, 12);
    }
    // Each agent workflow run is one planned code review: same calls and catalog cost.
    const expectedRuns = planned.map(({ session }) => ({ calls: callsOf(session).length, cost: callsOf(session).reduce((sum, call) => sum + expectedCost(call), 0) })).sort((a, b) => a.cost - b.cost);
    const storedRuns = agentWorkflows.map((w) => ({ calls: Number(w.calls), cost: w.cost })).sort((a, b) => a.cost - b.cost);
    expect(storedRuns.map((r) => r.calls)).toEqual(expectedRuns.map((r) => r.calls));
    storedRuns.forEach((run, i) => expect(run.cost).toBeCloseTo(expectedRuns[i]!.cost, 10));
  });
});

describe('the demo collector process', () => {
  it('fails with the collector output when the collector is not ready in time', async () => {
    const started = startCollector('unused', { readyTimeoutMs: 300, nodeArgs: ['-e', "console.log('starting'); setTimeout(() => {}, 10_000)"] });
    await expect(started).rejects.toThrow(CollectorError);
    await expect(started).rejects.toThrow(/not ready within 0.3 s[\s\S]*starting/);
  });

  it('fails with the collector output when the collector exits before it is ready', async () => {
    const started = startCollector('unused', { nodeArgs: ['-e', "console.error('cannot lock data dir'); process.exit(3)"] });
    await expect(started).rejects.toThrow(/exited \(3\) before it was ready[\s\S]*cannot lock data dir/);
  });

  it('parses the ready line and reports a non-zero exit after SIGTERM', async () => {
    const script = "process.on('SIGTERM', () => process.exit(4)); setInterval(() => {}, 1000); console.log('spendtrace collector ready otlp=http://127.0.0.1:1234 query=http://127.0.0.1:5678')";
    const collector = await startCollector('unused', { nodeArgs: ['-e', script] });
    expect(collector.otlpUrl).toBe('http://127.0.0.1:1234');
    expect(collector.queryUrl).toBe('http://127.0.0.1:5678');
    await expect(collector.stop(5_000)).rejects.toThrow(/exited with 4 after SIGTERM/);
  });
});
