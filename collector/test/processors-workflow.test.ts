import { describe, expect, it } from 'vitest';
import { NormalizeProcessor } from '../src/processors/normalize/normalize.ts';
import { WorkflowProcessor } from '../src/processors/workflow.ts';
import { createCollectorMetrics } from '../src/telemetry/collector-metrics.ts';
import { batchOf, span, TRACE_A, TRACE_B } from './processors-spans.ts';
import type { PipelineBatch, Span, WorkflowRow } from '../src/model.ts';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

function llm(traceId: string, spanId: string, parent: string, input: number, output: number, cost: number, model = 'gpt-5.4-mini', startOffsetMs = 100): Span {
  return span({
    traceId,
    spanId,
    parentSpanId: parent,
    name: `chat ${model}`,
    startMs: T0 + startOffsetMs,
    durationMs: 500,
    attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model, 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': output, 'gen_ai.usage.cost': cost, 'spendtrace.feature': 'triage', 'spendtrace.customer.id': 'acme' },
  });
}

function tool(traceId: string, spanId: string, parent: string, name: string, status = 0): Span {
  return span({ traceId, spanId, parentSpanId: parent, name: `execute_tool ${name}`, startMs: T0 + 200, durationMs: 50, status, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name } });
}

function agentRoot(traceId: string, spanId: string, durationMs = 3000): Span {
  return span({ traceId, spanId, name: 'invoke_agent support', startMs: T0, durationMs, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support', 'gen_ai.workflow.name': 'ticket', 'user.id': 'u-1' } });
}

class Clock {
  t = 1_000_000;
  now = () => this.t;
}

function setup(options: Partial<ConstructorParameters<typeof WorkflowProcessor>[0]> = {}) {
  const clock = new Clock();
  const metrics = createCollectorMetrics();
  const wf = new WorkflowProcessor({ quietWindowMs: 5_000, maxWaitMs: 60_000, now: clock.now, ...options }, metrics);
  const normalize = new NormalizeProcessor();
  const send = (...spans: Span[]): WorkflowRow[] => wf.process(normalize.process(batchOf(spans))).workflows;
  const tick = (): WorkflowRow[] => wf.process(batchOf([])).workflows;
  return { clock, wf, send, tick, metrics };
}

describe('workflow', () => {
  it('flushes a trace once its root ended and the quiet window passed, with exact sums', () => {
    const { clock, send, tick, wf } = setup();
    expect(send(llm(TRACE_A, '0000000000000002', '0000000000000001', 100, 20, 0.25), tool(TRACE_A, '0000000000000003', '0000000000000001', 'search'))).toEqual([]);
    expect(send(llm(TRACE_A, '0000000000000004', '0000000000000001', 300, 40, 0.5, 'claude-sonnet-4-5'), tool(TRACE_A, '0000000000000005', '0000000000000001', 'lookup', 2))).toEqual([]);
    expect(send(agentRoot(TRACE_A, '0000000000000001'))).toEqual([]);
    clock.t += 4_999;
    expect(tick()).toEqual([]);
    // Open traces are swept at most every 250 ms, so a flush may come that much after the window.
    clock.t += 250;
    const rows = tick();
    expect(rows).toEqual([
      {
        traceId: TRACE_A,
        revision: 0,
        firstTimestampNs: BigInt(T0) * 1_000_000n,
        lastTimestampNs: BigInt(T0 + 3000) * 1_000_000n,
        durationNs: 3_000_000_000n,
        rootSpanName: 'invoke_agent support',
        serviceName: 'checkout',
        environment: 'prod',
        workflowName: 'ticket',
        agentName: 'support',
        feature: 'triage',
        userId: 'u-1',
        customerId: 'acme',
        calls: 2,
        errors: 1,
        inputTokens: 400,
        outputTokens: 60,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
        costUsd: 0.75,
        unpricedCalls: 0,
        models: ['claude-sonnet-4-5', 'gpt-5.4-mini'],
        tools: ['lookup', 'search'],
        spans: 5,
      },
    ]);
    expect(wf.openTraces).toBe(0);
  });

  it('waits for the root: a trace without one is flushed at the max wait', () => {
    const { clock, send, tick } = setup({ maxWaitMs: 20_000 });
    send(llm(TRACE_A, '0000000000000002', 'ffffffffffffffff', 10, 1, 0.1));
    clock.t += 10_000;
    expect(tick()).toEqual([]);
    clock.t += 10_000;
    expect(tick().map((r) => [r.traceId, r.calls, r.rootSpanName])).toEqual([[TRACE_A, 1, '']]);
  });

  // Flushed traces are remembered by their 16-byte ids; an id of another shape (which the receiver
  // rejects) takes the processor's fallback map and must behave the same.
  it.each([TRACE_A, 'not-a-hex-trace-id'])('turns spans arriving after the flush into delta rows whose sums add up exactly (trace %s)', (TRACE) => {
    const { clock, send, tick } = setup();
    send(agentRoot(TRACE, '0000000000000001'), llm(TRACE, '0000000000000002', '0000000000000001', 100, 20, 0.25));
    clock.t += 5_000;
    const first = tick();
    send(llm(TRACE, '0000000000000009', '0000000000000001', 7, 3, 0.125, 'gpt-5.4-mini', 5_000));
    clock.t += 5_000;
    const delta = tick();
    expect(delta.map((r) => [r.revision, r.calls, r.inputTokens, r.outputTokens, r.costUsd, r.spans, r.rootSpanName, r.workflowName])).toEqual([[1, 1, 7, 3, 0.125, 1, 'invoke_agent support', 'ticket']]);
    const all = [...first, ...delta];
    expect(all.reduce((s, r) => s + r.costUsd, 0)).toBe(0.375);
    expect(all.reduce((s, r) => s + r.calls, 0)).toBe(2);
    // The late span ends 2.5 s after the root did: durations sum to the trace's full extent.
    expect(all.reduce((s, r) => s + r.durationNs, 0n)).toBe(5_500_000_000n);
    send(llm(TRACE, '000000000000000a', '0000000000000001', 1, 1, 0.5));
    clock.t += 5_000;
    expect(tick().map((r) => r.revision)).toEqual([2]);
  });

  it('emits no row for traces without any GenAI span', () => {
    const { clock, send, tick } = setup();
    send(span({ traceId: TRACE_B, spanId: '0000000000000001', name: 'GET /health' }));
    clock.t += 5_000;
    expect(tick()).toEqual([]);
  });

  it('bounds memory: past max traces the oldest trace is flushed early and counted', () => {
    const { send, metrics, wf } = setup({ maxTraces: 1 });
    expect(send(llm(TRACE_A, '0000000000000002', '0000000000000001', 1, 1, 0.1))).toEqual([]);
    const rows = send(llm(TRACE_B, '0000000000000003', '0000000000000001', 2, 2, 0.2));
    expect(rows.map((r) => [r.traceId, r.calls])).toEqual([[TRACE_A, 1]]);
    expect(metrics.evictedTraces.value({ reason: 'max_traces' })).toBe(1);
    expect(wf.openTraces).toBe(1);
  });

  it('bounds spans per trace: a long trace is flushed early and continues as deltas', () => {
    const { clock, send, tick, metrics } = setup({ maxSpansPerTrace: 2 });
    const early = send(llm(TRACE_A, '0000000000000002', '0000000000000001', 1, 1, 0.1), llm(TRACE_A, '0000000000000003', '0000000000000001', 1, 1, 0.1));
    expect(early.map((r) => [r.revision, r.calls])).toEqual([[0, 2]]);
    send(agentRoot(TRACE_A, '0000000000000001'));
    clock.t += 5_000;
    expect(tick().map((r) => [r.revision, r.calls, r.spans])).toEqual([[1, 0, 1]]);
    expect(metrics.evictedTraces.value({ reason: 'max_spans' })).toBe(1);
  });

  it('flush() drains every open trace', () => {
    const { send, wf } = setup();
    send(llm(TRACE_A, '0000000000000002', '0000000000000001', 1, 1, 0.1), llm(TRACE_B, '0000000000000003', '0000000000000001', 1, 1, 0.2));
    expect(wf.flush().workflows.map((r) => r.traceId).sort()).toEqual([TRACE_A, TRACE_B].sort());
    expect(wf.openTraces).toBe(0);
  });

  it('puts spendtrace.workflow.* totals on the root span', () => {
    const { clock, send, tick } = setup();
    const root = agentRoot(TRACE_A, '0000000000000001');
    send(llm(TRACE_A, '0000000000000002', '0000000000000001', 100, 20, 0.25), root);
    clock.t += 5_000;
    tick();
    expect(root.attributes['spendtrace.workflow.cost']).toBe(0.25);
    expect(root.attributes['spendtrace.workflow.calls']).toBe(1);
    expect(root.attributes['spendtrace.workflow.input_tokens']).toBe(100);
    expect(root.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
  });

  it('without holdRoots, annotates a root only in the batch that brought it, with the same row', () => {
    const held = setup();
    const released = setup({ holdRoots: false });
    const heldRoot = agentRoot(TRACE_A, '0000000000000001');
    const releasedRoot = agentRoot(TRACE_A, '0000000000000001');
    held.send(llm(TRACE_A, '0000000000000002', '0000000000000001', 100, 20, 0.25), heldRoot);
    released.send(llm(TRACE_A, '0000000000000002', '0000000000000001', 100, 20, 0.25), releasedRoot);
    held.clock.t += 5_000;
    released.clock.t += 5_000;
    const heldRows = held.tick();
    const releasedRows = released.tick();
    expect(releasedRows).toEqual(heldRows);
    expect(releasedRows.map((r) => [r.rootSpanName, r.workflowName, r.agentName, r.userId, r.feature, r.costUsd])).toEqual([['invoke_agent support', 'ticket', 'support', 'u-1', 'triage', 0.25]]);
    expect(heldRoot.attributes['spendtrace.workflow.cost']).toBe(0.25);
    expect(releasedRoot.attributes['spendtrace.workflow.cost']).toBeUndefined();

    // Flushed within its own batch (quiet window 0), the root still gets its totals.
    const { send } = setup({ holdRoots: false, quietWindowMs: 0 });
    const root = agentRoot(TRACE_B, '0000000000000001');
    expect(send(llm(TRACE_B, '0000000000000002', '0000000000000001', 7, 3, 0.5), root).map((r) => r.costUsd)).toEqual([0.5]);
    expect(root.attributes['spendtrace.workflow.cost']).toBe(0.5);
  });

  it('reports the oldest batch still feeding an open trace', () => {
    const { clock, send, tick, wf } = setup();
    expect(wf.oldestOpenSequence()).toBe(Infinity);
    send(llm(TRACE_A, '0000000000000002', '0000000000000001', 1, 1, 0.1));
    send(llm(TRACE_B, '0000000000000003', '0000000000000001', 1, 1, 0.1));
    expect(wf.oldestOpenSequence()).toBe(1);
    send(agentRoot(TRACE_A, '0000000000000001'));
    clock.t += 5_000;
    send(agentRoot(TRACE_B, '0000000000000001'));
    expect(wf.oldestOpenSequence()).toBe(2);
    clock.t += 5_000;
    tick();
    expect(wf.oldestOpenSequence()).toBe(Infinity);
  });

  it('rejects invalid limits', () => {
    expect(() => new WorkflowProcessor({ maxTraces: 0 })).toThrow('maxTraces');
  });
});

describe('workflow batches', () => {
  it('passes spans and calls through untouched', () => {
    const { wf } = setup();
    const b: PipelineBatch = new NormalizeProcessor().process(batchOf([llm(TRACE_A, '0000000000000002', '0000000000000001', 1, 1, 0.1)]));
    const out = wf.process(b);
    expect([out.spans.length, out.calls.length]).toEqual([1, 1]);
  });
});
