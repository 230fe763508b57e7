/**
 * Nothing acknowledged is lost: a collector killed with SIGKILL after answering 200 replays its
 * queue on restart, without storing any call twice and with exact workflow totals.
 */
import { describe, expect, it } from 'vitest';
import { encodeProtobuf, readableSpan, type FixtureResource, type FixtureScope } from '../../collector/test/fixtures/otlp-fixtures.ts';
import { postOtlp, query, startCollectorProcess, tempDir, waitFor, writeConfig } from './collector-process.ts';

const T0 = 1_768_478_400;
const resource: FixtureResource = { attributes: { 'service.name': 'crash-test' } };
const scope: FixtureScope = { name: 'test' };

function llm(traceId: string, n: number, input: number) {
  return readableSpan({
    traceId,
    spanId: n.toString(16).padStart(16, '0'),
    parentSpanId: 'f'.repeat(16),
    name: 'chat',
    startTime: [T0 + n, 0],
    endTime: [T0 + n + 1, 0],
    resource,
    scope,
    attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-5.4-mini', 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': 10 },
  });
}

function rootSpan(traceId: string) {
  return readableSpan({ traceId, spanId: 'f'.repeat(16), name: 'invoke_agent crash', startTime: [T0, 0], endTime: [T0 + 100, 0], resource, scope, attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
}

const TRACE_1 = '11111111111111111111111111111111';
const TRACE_2 = '22222222222222222222222222222222';

describe('collector shutdown and crash recovery', () => {
  it('SIGTERM drains the queue and the open workflows into ClickHouse and exits 0', async () => {
    const dataDir = tempDir('e2e-drain');
    // Nothing would flush on its own for a minute: only the drain can write the workflow row.
    const slow = writeConfig(dataDir, 'processors:\n  workflow:\n    quiet_window: 60s\n    max_wait: 120s\n');
    const first = await startCollectorProcess({ dataDir, config: slow });
    expect((await postOtlp(first.otlpUrl, encodeProtobuf([llm(TRACE_1, 1, 100), llm(TRACE_1, 2, 200), rootSpan(TRACE_1)]))).status).toBe(200);
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toContain('spendtrace collector: SIGTERM: draining');

    const second = await startCollectorProcess({ dataDir, config: slow });
    try {
      const calls = await query<{ n: string }>(second.queryUrl, `SELECT count() AS n FROM genai_calls WHERE trace_id = '${TRACE_1}'`);
      const workflows = await query<{ revision: number; calls: string; input_tokens: string; root_span_name: string }>(
        second.queryUrl,
        `SELECT revision, calls, input_tokens, root_span_name FROM genai_workflows WHERE trace_id = '${TRACE_1}'`,
      );
      expect(Number(calls[0]!.n)).toBe(2);
      expect(workflows.map((w) => [Number(w.revision), Number(w.calls), Number(w.input_tokens), w.root_span_name])).toEqual([[0, 2, 300, 'invoke_agent crash']]);
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
  });

  it('replays acknowledged requests after SIGKILL: every call stored once, workflow totals exact', async () => {
    const dataDir = tempDir('e2e-crash');
    // A long quiet window keeps the first trace open (and its queue records unacknowledged) at the kill.
    const slow = writeConfig(dataDir, 'processors:\n  workflow:\n    quiet_window: 60s\n    max_wait: 120s\n');
    const first = await startCollectorProcess({ dataDir, config: slow });
    expect((await postOtlp(first.otlpUrl, encodeProtobuf([llm(TRACE_1, 1, 100), llm(TRACE_1, 2, 200)]))).status).toBe(200);
    expect((await postOtlp(first.otlpUrl, encodeProtobuf([llm(TRACE_1, 3, 300), rootSpan(TRACE_1)]))).status).toBe(200);
    // Wait until the calls are committed in ClickHouse, so the replay has to be recognised as one.
    const committed = await waitFor(
      () => query<{ n: string }>(first.queryUrl, `SELECT count() AS n FROM genai_calls WHERE trace_id = '${TRACE_1}'`),
      (r) => Number(r[0]?.n) === 3,
    );
    expect(Number(committed[0]!.n)).toBe(3);
    // Acknowledged, then killed at once.
    expect((await postOtlp(first.otlpUrl, encodeProtobuf([llm(TRACE_2, 4, 400), llm(TRACE_2, 5, 500)]))).status).toBe(200);
    first.child.kill('SIGKILL');
    await first.exited;

    const quick = writeConfig(dataDir, 'processors:\n  workflow:\n    quiet_window: 300ms\n    max_wait: 2s\n');
    const second = await startCollectorProcess({ dataDir, config: quick });
    try {
      const calls = await waitFor(
        () => query<{ trace_id: string; n: string; input: string }>(second.queryUrl, 'SELECT trace_id, count() AS n, sum(input_tokens) AS input FROM genai_calls GROUP BY trace_id ORDER BY trace_id'),
        (r) => r.length === 2,
      );
      const workflows = await waitFor(
        () => query<{ trace_id: string; calls: string; input: string }>(second.queryUrl, 'SELECT trace_id, sum(calls) AS calls, sum(input_tokens) AS input FROM genai_workflows GROUP BY trace_id ORDER BY trace_id'),
        (r) => r.length === 2,
      );
      // Give a duplicate insert every chance to show up before counting again.
      await new Promise((r) => setTimeout(r, 1000));
      const again = await query<{ trace_id: string; n: string; input: string }>(second.queryUrl, 'SELECT trace_id, count() AS n, sum(input_tokens) AS input FROM genai_calls GROUP BY trace_id ORDER BY trace_id');
      expect(again).toEqual(calls);
      expect(calls.map((r) => [r.trace_id, Number(r.n), Number(r.input)])).toEqual([
        [TRACE_1, 3, 600],
        [TRACE_2, 2, 900],
      ]);
      expect(workflows.map((r) => [r.trace_id, Number(r.calls), Number(r.input)])).toEqual([
        [TRACE_1, 3, 600],
        [TRACE_2, 2, 900],
      ]);
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
  });

  it('does not count a workflow twice when its records are replayed after SIGKILL', async () => {
    const dataDir = tempDir('e2e-crash-wf');
    const TRACE_OPEN = '33333333333333333333333333333333';
    const TRACE_DONE = '44444444444444444444444444444444';
    // The first trace has no root and stays open for a minute, keeping every later record unacknowledged.
    const config = writeConfig(dataDir, 'processors:\n  workflow:\n    quiet_window: 300ms\n    max_wait: 60s\n');
    const first = await startCollectorProcess({ dataDir, config });
    expect((await postOtlp(first.otlpUrl, encodeProtobuf([llm(TRACE_OPEN, 1, 100)]))).status).toBe(200);
    expect((await postOtlp(first.otlpUrl, encodeProtobuf([llm(TRACE_DONE, 2, 200), llm(TRACE_DONE, 3, 300), rootSpan(TRACE_DONE)]))).status).toBe(200);
    await waitFor(
      () => query<{ n: string }>(first.queryUrl, `SELECT count() AS n FROM genai_workflows WHERE trace_id = '${TRACE_DONE}'`),
      (r) => Number(r[0]?.n) === 1,
    );
    // A late span: a delta row. On a replay the three spans would arrive together, so a rebuilt trace
    // would be one different row that ClickHouse's insert deduplication could not recognise.
    expect((await postOtlp(first.otlpUrl, encodeProtobuf([llm(TRACE_DONE, 4, 400)]))).status).toBe(200);
    await waitFor(
      () => query<{ n: string }>(first.queryUrl, `SELECT count() AS n FROM genai_workflows WHERE trace_id = '${TRACE_DONE}'`),
      (r) => Number(r[0]?.n) === 2,
    );
    await new Promise((r) => setTimeout(r, 300));
    first.child.kill('SIGKILL');
    await first.exited;

    const quick = writeConfig(dataDir, 'processors:\n  workflow:\n    quiet_window: 300ms\n    max_wait: 1s\n');
    const second = await startCollectorProcess({ dataDir, config: quick });
    try {
      const rows = await waitFor(
        () =>
          query<{ trace_id: string; rows: string; calls: string; input: string }>(
            second.queryUrl,
            'SELECT trace_id, count() AS rows, sum(calls) AS calls, sum(input_tokens) AS input FROM genai_workflows GROUP BY trace_id ORDER BY trace_id',
          ),
        (r) => r.length === 2,
      );
      await new Promise((r) => setTimeout(r, 1500));
      const again = await query<{ trace_id: string; rows: string; calls: string; input: string }>(
        second.queryUrl,
        'SELECT trace_id, count() AS rows, sum(calls) AS calls, sum(input_tokens) AS input FROM genai_workflows GROUP BY trace_id ORDER BY trace_id',
      );
      expect(again).toEqual(rows);
      expect(rows.map((r) => [r.trace_id, Number(r.rows), Number(r.calls), Number(r.input)])).toEqual([
        [TRACE_OPEN, 1, 1, 100],
        [TRACE_DONE, 2, 3, 900],
      ]);
      const calls = await query<{ n: string }>(second.queryUrl, `SELECT count() AS n FROM genai_calls WHERE trace_id IN ('${TRACE_OPEN}', '${TRACE_DONE}')`);
      expect(Number(calls[0]!.n)).toBe(4);
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
  });
});
