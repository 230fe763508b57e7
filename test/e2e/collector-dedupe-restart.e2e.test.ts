/**
 * The same span delivered again after a collector restart is stored and counted once, even when its
 * first copy was in a queue record the collector had already acknowledged (so nothing replays it).
 */
import { describe, expect, it } from 'vitest';
import { encodeProtobuf, readableSpan, type FixtureResource, type FixtureScope } from '../../collector/test/fixtures/otlp-fixtures.ts';
import { postOtlp, query, startCollectorProcess, tempDir, waitFor, writeConfig } from './collector-process.ts';

const T0 = 1_768_478_400;
const resource: FixtureResource = { attributes: { 'service.name': 'dedupe-restart' } };
const scope: FixtureScope = { name: 'test' };
const TRACE = '55555555555555555555555555555555';
const OTHER = '66666666666666666666666666666666';
const ROOT = 'f'.repeat(16);

function llm(traceId: string, n: number, input: number) {
  return readableSpan({
    traceId,
    spanId: n.toString(16).padStart(16, '0'),
    parentSpanId: ROOT,
    name: 'chat',
    startTime: [T0 + n, 0],
    endTime: [T0 + n + 1, 0],
    resource,
    scope,
    attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-5.4-mini', 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': 10 },
  });
}

function rootSpan(traceId: string) {
  return readableSpan({ traceId, spanId: ROOT, name: 'invoke_agent restart', startTime: [T0, 0], endTime: [T0 + 100, 0], resource, scope, attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
}

/** A value from the collector's Prometheus endpoint (`metricsUrl` ends in /metrics); NaN when absent. */
async function metric(metricsUrl: string, series: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : NaN;
}

interface CallTotals {
  trace_id: string;
  n: string;
  input: string;
  cost: number;
}
interface WorkflowTotals {
  trace_id: string;
  rows: string;
  calls: string;
  input: string;
  cost: number;
}
const CALLS_SQL = 'SELECT trace_id, count() AS n, sum(input_tokens) AS input, sum(cost_usd) AS cost FROM genai_calls GROUP BY trace_id ORDER BY trace_id';
const WORKFLOWS_SQL = 'SELECT trace_id, count() AS rows, sum(calls) AS calls, sum(input_tokens) AS input, sum(cost_usd) AS cost FROM genai_workflows GROUP BY trace_id ORDER BY trace_id';

describe('dedupe across a collector restart', () => {
  it('counts a span sent again after SIGKILL once, in genai_calls and genai_workflows', async () => {
    const dataDir = tempDir('e2e-dedupe-restart');
    const config = writeConfig(dataDir, 'processors:\n  workflow:\n    quiet_window: 300ms\n    max_wait: 2s\n');
    const request = encodeProtobuf([llm(TRACE, 1, 100), llm(TRACE, 2, 200), rootSpan(TRACE)]);

    const first = await startCollectorProcess({ dataDir, config });
    expect((await postOtlp(first.otlpUrl, request)).status).toBe(200);
    await waitFor(
      () => query<WorkflowTotals>(first.queryUrl, WORKFLOWS_SQL),
      (r) => r.length === 1,
    );
    // Stored and acknowledged: after the kill nothing of this request is replayed.
    const unacked = await waitFor(
      () => metric(first.metricsUrl, 'spendtrace_queue_bytes'),
      (b) => b === 0,
    );
    expect(unacked).toBe(0);
    const callsBefore = await query<CallTotals>(first.queryUrl, CALLS_SQL);
    const workflowsBefore = await query<WorkflowTotals>(first.queryUrl, WORKFLOWS_SQL);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startCollectorProcess({ dataDir, config });
    try {
      // The same request again (a client retrying), then one that mixes an old span with a new trace,
      // so its rows differ from anything stored before and only the dedupe processor can drop the old one.
      expect((await postOtlp(second.otlpUrl, request)).status).toBe(200);
      expect((await postOtlp(second.otlpUrl, encodeProtobuf([llm(TRACE, 2, 200), llm(OTHER, 3, 300), rootSpan(OTHER)]))).status).toBe(200);
      await waitFor(
        () => query<WorkflowTotals>(second.queryUrl, WORKFLOWS_SQL),
        (r) => r.length === 2,
      );
      await waitFor(
        () => metric(second.metricsUrl, 'spendtrace_queue_bytes'),
        (b) => b === 0,
      );
      // Give a second row every chance to show up (a flush of the re-sent trace) before counting.
      await new Promise((r) => setTimeout(r, 1500));
      expect(await metric(second.metricsUrl, 'spendtrace_duplicate_spans_total')).toBe(4);

      const calls = await query<CallTotals>(second.queryUrl, CALLS_SQL);
      const workflows = await query<WorkflowTotals>(second.queryUrl, WORKFLOWS_SQL);
      expect(calls[0]).toEqual(callsBefore[0]);
      expect(workflows[0]).toEqual(workflowsBefore[0]);
      expect(calls.map((r) => [r.trace_id, Number(r.n), Number(r.input), r.cost])).toEqual([
        // gpt-5.4-mini: 0.75 USD per million input tokens, 4.5 per million output tokens. The store
        // keeps unrounded doubles: 0.00012 + 0.000195 sums to 0.00031499999999999996.
        [TRACE, 2, 300, 0.00031499999999999996],
        [OTHER, 1, 300, 0.00027],
      ]);
      expect(workflows.map((r) => [r.trace_id, Number(r.rows), Number(r.calls), Number(r.input), r.cost])).toEqual([
        [TRACE, 1, 2, 300, 0.00031499999999999996],
        [OTHER, 1, 1, 300, 0.00027],
      ]);
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
  });
});
