import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskQueue } from '../src/queue/index.ts';
import { GroupLog } from '../src/pipeline/group-log.ts';
import { WorkflowLog } from '../src/pipeline/workflow-log.ts';
import { appendFileSync, readFileSync } from 'node:fs';
import { QueueConsumer } from '../src/pipeline/consumer.ts';
import { ExportFailure, Pipeline } from '../src/pipeline/pipeline.ts';
import { NormalizeProcessor } from '../src/processors/normalize/normalize.ts';
import { WorkflowProcessor } from '../src/processors/workflow.ts';
import type { Exporter, PipelineBatch, Processor, Span } from '../src/model.ts';
import { span, TRACE_A, TRACE_B } from './processors-spans.ts';

const TRACE_C = '5cf92f3577b34da6a3ce929d0e0e4737';
import { createCollectorMetrics } from '../src/telemetry/collector-metrics.ts';

/** Test records are JSON arrays of span descriptions; the decoder turns them back into spans. */
function record(spans: { traceId: string; spanId: string; parentSpanId?: string; input?: number }[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(spans));
}
function decode(bytes: Uint8Array): { spans: Span[] } {
  const list = JSON.parse(new TextDecoder().decode(bytes)) as { traceId: string; spanId: string; parentSpanId?: string; input?: number }[];
  return {
    spans: list.map((d) =>
      span({
        traceId: d.traceId,
        spanId: d.spanId,
        parentSpanId: d.parentSpanId ?? '',
        attributes: d.input === undefined ? { 'gen_ai.operation.name': 'invoke_agent' } : { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'gen_ai.usage.input_tokens': d.input },
      }),
    ),
  };
}

class MemoryExporter implements Exporter {
  readonly name: string;
  batches: PipelineBatch[] = [];
  failuresLeft = 0;
  attempts = 0;
  constructor(name: string) {
    this.name = name;
  }
  async export(batch: PipelineBatch): Promise<void> {
    this.attempts++;
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error(`${this.name} unavailable`);
    }
    this.batches.push(batch);
  }
  async shutdown(): Promise<void> {}
  get calls(): number {
    return this.batches.reduce((n, b) => n + b.calls.length, 0);
  }
}

/** A processor that throws on any batch holding a span of `traceId`. */
function failingOn(traceId: string): Processor {
  return {
    name: 'picky',
    process(batch: PipelineBatch): PipelineBatch {
      if (batch.spans.some((s) => s.traceId === traceId)) throw new Error('cannot handle this span');
      return batch;
    },
  };
}

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'spendtrace-pipeline-'));
  dirs.push(d);
  return d;
}

async function open(dir: string, exporters: Exporter[], workflowOptions: ConstructorParameters<typeof WorkflowProcessor>[0] = { quietWindowMs: 0 }) {
  const queue = await DiskQueue.open({ dir: join(dir, 'queue'), unsafeNoSync: true });
  const groupLog = await GroupLog.open(join(dir, 'batches'), { sync: false });
  const workflow = new WorkflowProcessor(workflowOptions);
  const pipeline = new Pipeline([new NormalizeProcessor(), workflow], exporters);
  const consumer = new QueueConsumer({ queue, pipeline, decode, groupLog, oldestOpenSequence: () => workflow.oldestOpenSequence(), tickMs: 20, retryDelayMs: () => 5 });
  return { queue, groupLog, workflow, pipeline, consumer };
}

/** The collector's shutdown order: stop accepting, drain the consumer, then release the files. */
async function shutDown({ queue, consumer, groupLog }: { queue: DiskQueue; consumer: QueueConsumer; groupLog: GroupLog }): Promise<void> {
  await queue.stopAccepting();
  await consumer.drain();
  await groupLog.close();
  await queue.close();
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

afterEach(() => {
  dirs.length = 0;
});

describe('Pipeline', () => {
  it('reports only the exporters that failed', async () => {
    const ok = new MemoryExporter('ok');
    const bad = new MemoryExporter('bad');
    bad.failuresLeft = 1;
    const p = new Pipeline([], [ok, bad]);
    const batch = { spans: [span()], calls: [], workflows: [] };
    const err = await p.export(batch).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportFailure);
    expect((err as ExportFailure).failed.map((e) => e.name)).toEqual(['bad']);
    expect((err as ExportFailure).message).toBe('export failed (bad: bad unavailable)');
  });

  it('runs what a processor flushes through the processors after it', async () => {
    const workflow = new WorkflowProcessor({ quietWindowMs: 60_000 });
    const p = new Pipeline([new NormalizeProcessor(), workflow], []);
    await p.process({ spans: decode(record([{ traceId: TRACE_A, spanId: '0000000000000001', input: 5 }])).spans, calls: [], workflows: [] });
    const flushed = await p.flush();
    expect(flushed.workflows.map((w) => [w.traceId, w.calls, w.inputTokens])).toEqual([[TRACE_A, 1, 5]]);
  });
});

describe('QueueConsumer', () => {
  it('exports every record and acknowledges the queue only after the exporters committed', async () => {
    const dir = tempDir();
    const ch = new MemoryExporter('clickhouse');
    const { queue, consumer, groupLog } = await open(dir, [ch]);
    await queue.append(record([{ traceId: TRACE_A, spanId: '0000000000000001', input: 10 }]));
    await queue.append(record([{ traceId: TRACE_B, spanId: '0000000000000002', input: 20 }]));
    consumer.start();
    await until(() => ch.calls === 2 && queue.stats().unackedBytes === 0);
    expect(groupLog.pendingEnds()).toEqual([]);
    await shutDown({ queue, consumer, groupLog });
  });

  it('retries only the exporter that failed, and acknowledges once both succeeded', async () => {
    const dir = tempDir();
    const ch = new MemoryExporter('clickhouse');
    const fwd = new MemoryExporter('otlp');
    fwd.failuresLeft = 2;
    const { queue, consumer, groupLog } = await open(dir, [ch, fwd]);
    await queue.append(record([{ traceId: TRACE_A, spanId: '0000000000000001', input: 10 }]));
    consumer.start();
    await until(() => fwd.calls === 1 && queue.stats().unackedBytes === 0);
    expect([ch.attempts, fwd.attempts, ch.calls]).toEqual([1, 3, 1]);
    await shutDown({ queue, consumer, groupLog });
  });

  it('keeps records of an open workflow unacknowledged, and drain flushes it', async () => {
    const dir = tempDir();
    const ch = new MemoryExporter('clickhouse');
    const { queue, consumer, groupLog } = await open(dir, [ch], { quietWindowMs: 60_000 });
    await queue.append(record([{ traceId: TRACE_A, spanId: '0000000000000001', parentSpanId: '00000000000000ff', input: 10 }]));
    consumer.start();
    await until(() => ch.calls === 1);
    await new Promise((r) => setTimeout(r, 60));
    expect(queue.stats().unackedBytes).toBeGreaterThan(0);
    await queue.stopAccepting();
    await consumer.drain();
    expect(ch.batches.flatMap((b) => b.workflows).map((w) => [w.traceId, w.calls])).toEqual([[TRACE_A, 1]]);
    expect(queue.stats().unackedBytes).toBe(0);
    await groupLog.close();
    await queue.close();
  });

  it('after a crash, replays unacknowledged records in the same batches as before', async () => {
    const dir = tempDir();
    const first = new MemoryExporter('clickhouse');
    const a = await open(dir, [first], { quietWindowMs: 60_000 });
    await a.queue.append(record([{ traceId: TRACE_A, spanId: '0000000000000001', parentSpanId: '00000000000000ff', input: 1 }]));
    a.consumer.start();
    await until(() => first.calls === 1);
    await a.queue.append(record([{ traceId: TRACE_A, spanId: '0000000000000002', parentSpanId: '00000000000000ff', input: 2 }]));
    await a.queue.append(record([{ traceId: TRACE_A, spanId: '0000000000000003', parentSpanId: '00000000000000ff', input: 3 }]));
    await until(() => first.calls === 3);
    const firstBatches = first.batches.filter((b) => b.calls.length > 0).map((b) => b.calls.map((c) => c.spanId));
    // Crash: stop without draining, release the files as a dead process would.
    await a.consumer.abortNow();
    await a.groupLog.close();
    await a.queue.close();

    const second = new MemoryExporter('clickhouse');
    const b = await open(dir, [second], { quietWindowMs: 60_000 });
    b.consumer.start();
    await until(() => second.calls === 3);
    const replayed = second.batches.filter((x) => x.calls.length > 0).map((x) => x.calls.map((c) => c.spanId));
    expect(replayed).toEqual(firstBatches);
    await b.queue.stopAccepting();
    await b.consumer.drain();
    expect(second.batches.flatMap((x) => x.workflows).map((w) => [w.traceId, w.calls, w.inputTokens])).toEqual([[TRACE_A, 3, 6]]);
    await b.groupLog.close();
    await b.queue.close();
  });

  it('processes a batch in parts and exports it as one: rows in order, a trace across parts summed once', async () => {
    /** Prepares each part as the ClickHouse exporter does (its own form, made at once). */
    class PreparingExporter extends MemoryExporter {
      partsPerExport: number[] = [];
      prepare(batch: PipelineBatch): PipelineBatch {
        return { spans: [...batch.spans], calls: [...batch.calls], workflows: [...batch.workflows] };
      }
      async exportPrepared(parts: readonly unknown[]): Promise<void> {
        this.partsPerExport.push(parts.length);
        for (const part of parts) this.batches.push(part as PipelineBatch);
      }
    }
    const dir = tempDir();
    const ch = new PreparingExporter('clickhouse');
    const fwd = new MemoryExporter('otlp');
    const queue = await DiskQueue.open({ dir: join(dir, 'queue'), unsafeNoSync: true });
    const groupLog = await GroupLog.open(join(dir, 'batches'), { sync: false });
    const workflow = new WorkflowProcessor({ quietWindowMs: 0 });
    const pipeline = new Pipeline([new NormalizeProcessor(), workflow], [ch, fwd]);
    const consumer = new QueueConsumer({ queue, pipeline, decode, groupLog, oldestOpenSequence: () => workflow.oldestOpenSequence(), tickMs: 20, partSpans: 2 });
    await queue.append(record([{ traceId: TRACE_A, spanId: '0000000000000001', parentSpanId: '00000000000000a0', input: 10 }]));
    await queue.append(record([{ traceId: TRACE_A, spanId: '0000000000000002', parentSpanId: '00000000000000a0', input: 20 }, { traceId: TRACE_B, spanId: '0000000000000003', input: 5 }]));
    await queue.append(record([{ traceId: TRACE_A, spanId: '00000000000000a0' }]));
    consumer.start();
    await until(() => queue.stats().unackedBytes === 0 && ch.batches.some((b) => b.workflows.some((w) => w.traceId === TRACE_A)));
    // Parts are cut after the record that brings them to 2 spans: [1, 2, 3], then [a0].
    expect(ch.partsPerExport[0]).toBe(2);
    expect(ch.batches.flatMap((b) => b.spans).map((s) => s.spanId).slice(0, 4)).toEqual(['0000000000000001', '0000000000000002', '0000000000000003', '00000000000000a0']);
    // An exporter without prepare gets the parts merged into one batch per export.
    expect(fwd.batches[0]!.spans.map((s) => s.spanId)).toEqual(['0000000000000001', '0000000000000002', '0000000000000003', '00000000000000a0']);
    const rowsA = ch.batches.flatMap((b) => b.workflows).filter((w) => w.traceId === TRACE_A);
    expect(rowsA.map((w) => [w.calls, w.inputTokens])).toEqual([[2, 30]]);
    await shutDown({ queue, consumer, groupLog });
  });

  it('releases prepared parts to their exporter only once their export succeeded, and queue records once processed', async () => {
    /** Logs what happens to each part: exports that fail, then succeed, then the release. */
    class ReleasingExporter extends MemoryExporter {
      events: string[] = [];
      prepare(batch: PipelineBatch): { ids: string[] } {
        return { ids: batch.spans.map((s) => s.spanId) };
      }
      async exportPrepared(parts: readonly unknown[]): Promise<void> {
        const ids = parts.map((p) => (p as { ids: string[] }).ids.join('+')).join(',');
        if (this.failuresLeft > 0) {
          this.failuresLeft--;
          this.events.push(`failed ${ids}`);
          throw new Error('clickhouse unavailable');
        }
        this.events.push(`exported ${ids}`);
      }
      release(prepared: unknown): void {
        this.events.push(`released ${(prepared as { ids: string[] }).ids.join('+')}`);
      }
    }
    const dir = tempDir();
    const ch = new ReleasingExporter('clickhouse');
    ch.failuresLeft = 1;
    const queue = await DiskQueue.open({ dir: join(dir, 'queue'), unsafeNoSync: true });
    const released: number[] = [];
    const read = queue.read.bind(queue);
    queue.read = async (options) => {
      const batch = await read(options);
      if (batch === null) return null;
      return { ...batch, release: () => released.push(batch.position) };
    };
    const groupLog = await GroupLog.open(join(dir, 'batches'), { sync: false });
    const pipeline = new Pipeline([new NormalizeProcessor()], [ch]);
    const consumer = new QueueConsumer({ queue, pipeline, decode, groupLog, tickMs: 20, partSpans: 1, retryDelayMs: () => 5 });
    const records = [record([{ traceId: TRACE_A, spanId: '0000000000000001', input: 1 }]), record([{ traceId: TRACE_A, spanId: '0000000000000002', input: 2 }])];
    for (const r of records) await queue.append(r);
    consumer.start();
    await until(() => queue.stats().unackedBytes === 0);
    await shutDown({ queue, consumer, groupLog });
    expect(ch.events).toStrictEqual([
      'failed 0000000000000001,0000000000000002',
      'exported 0000000000000001,0000000000000002',
      'released 0000000000000001',
      'released 0000000000000002',
    ]);
    // One read of both records (8-byte headers), released once after processing.
    expect(released).toStrictEqual([8 + records[0]!.length + 8 + records[1]!.length]);
  });

  it('reads the next batch while the previous one is still being exported', async () => {
    /** An exporter whose exports finish only when the test lets them. */
    class GatedExporter extends MemoryExporter {
      readonly gates: (() => void)[] = [];
      override async export(batch: PipelineBatch): Promise<void> {
        await new Promise<void>((resolve) => this.gates.push(resolve));
        this.batches.push(batch);
      }
    }
    const dir = tempDir();
    const ch = new GatedExporter('clickhouse');
    const queue = await DiskQueue.open({ dir: join(dir, 'queue'), unsafeNoSync: true });
    const reads: number[] = [];
    const read = queue.read.bind(queue);
    queue.read = async (options) => {
      const batch = await read(options);
      if (batch !== null) reads.push(batch.position);
      return batch;
    };
    const groupLog = await GroupLog.open(join(dir, 'batches'), { sync: false });
    const pipeline = new Pipeline([new NormalizeProcessor()], [ch]);
    const consumer = new QueueConsumer({ queue, pipeline, decode, groupLog, tickMs: 20 });
    const first = record([{ traceId: TRACE_A, spanId: '0000000000000001', input: 1 }]);
    await queue.append(first);
    consumer.start();
    await until(() => ch.gates.length === 1);
    const second = record([{ traceId: TRACE_B, spanId: '0000000000000002', input: 2 }]);
    await queue.append(second);
    await until(() => reads.length === 2);
    // The second batch is processed and waits for the first export; the third is read meanwhile.
    const third = record([{ traceId: TRACE_C, spanId: '0000000000000003', input: 3 }]);
    await queue.append(third);
    await until(() => reads.length === 3);
    expect([ch.gates.length, ch.calls]).toStrictEqual([1, 0]);
    expect(reads).toStrictEqual([8 + first.length, 8 + first.length + 8 + second.length, 8 + first.length + 8 + second.length + 8 + third.length]);
    for (let exported = 1; exported <= 3; exported++) {
      await until(() => ch.gates.length === 1);
      ch.gates.shift()!();
      await until(() => ch.batches.length === exported);
    }
    await until(() => ch.calls === 3 && queue.stats().unackedBytes === 0);
    await shutDown({ queue, consumer, groupLog });
  });

  it('numbers batches as the workflow processor does, so a batch a processor failed on before it does not hold back acknowledgements', async () => {
    const dir = tempDir();
    const ch = new MemoryExporter('clickhouse');
    const queue = await DiskQueue.open({ dir: join(dir, 'queue'), unsafeNoSync: true });
    const groupLog = await GroupLog.open(join(dir, 'batches'), { sync: false });
    const picky = failingOn(TRACE_C);
    let clock = 0;
    const workflow = new WorkflowProcessor({ quietWindowMs: 5000, now: () => clock });
    const consumer = new QueueConsumer({
      queue,
      pipeline: new Pipeline([picky, new NormalizeProcessor(), workflow], [ch]),
      decode,
      groupLog,
      oldestOpenSequence: () => workflow.oldestOpenSequence(),
      batchSequence: () => workflow.sequence,
      tickMs: 20,
      log: () => {},
    });
    consumer.start();
    // A batch the first processor fails on: the workflow processor never sees it.
    await queue.append(record([{ traceId: TRACE_C, spanId: '0000000000000001', input: 1 }]));
    await until(() => queue.stats().unackedBytes === 0);
    // Trace A opens at 0, trace B at 1,000; at 5,500 A is quiet long enough to close, B is not.
    await queue.append(record([{ traceId: TRACE_A, spanId: '00000000000000a0', input: 2 }]));
    await until(() => ch.calls === 1);
    clock = 1000;
    await queue.append(record([{ traceId: TRACE_B, spanId: '00000000000000b0', input: 3 }]));
    await until(() => ch.calls === 2);
    clock = 5500;
    await until(() => ch.batches.some((b) => b.workflows.some((w) => w.traceId === TRACE_A)));
    // Only B's batch still feeds an open trace: A's is acknowledged.
    await until(() => groupLog.pendingEnds().length === 1);
    expect(ch.batches.flatMap((b) => b.workflows).map((w) => w.traceId)).toEqual([TRACE_A]);
    await shutDown({ queue, consumer, groupLog });
  });

  it('drops and counts a batch a processor fails on, and keeps consuming', async () => {
    const dir = tempDir();
    const ch = new MemoryExporter('clickhouse');
    const queue = await DiskQueue.open({ dir: join(dir, 'queue'), unsafeNoSync: true });
    const groupLog = await GroupLog.open(join(dir, 'batches'), { sync: false });
    const picky = failingOn(TRACE_B);
    const metrics = createCollectorMetrics();
    const logs: string[] = [];
    const consumer = new QueueConsumer({ queue, pipeline: new Pipeline([new NormalizeProcessor(), picky], [ch]), decode, groupLog, tickMs: 20, metrics, log: (m) => logs.push(m) });
    await queue.append(record([{ traceId: TRACE_B, spanId: '0000000000000001', input: 1 }]));
    consumer.start();
    await until(() => queue.stats().unackedBytes === 0);
    await queue.append(record([{ traceId: TRACE_A, spanId: '0000000000000002', input: 2 }]));
    await until(() => ch.calls === 1 && queue.stats().unackedBytes === 0);
    expect(ch.batches.flatMap((b) => b.calls).map((c) => c.traceId)).toEqual([TRACE_A]);
    expect(metrics.processingErrors.value()).toBe(1);
    expect(logs[0]).toMatch(/^spendtrace collector: dropping a batch of 1 spans a processor failed on: Error: cannot handle this span/);
    await shutDown({ queue, consumer, groupLog });
  });

});

describe('replay logs', () => {
  it('GroupLog keeps batch ends across a restart, ignores a torn last line, and prunes acknowledged ones', async () => {
    const path = join(tempDir(), 'batches');
    const a = await GroupLog.open(path, { sync: false });
    await a.record(100);
    await a.record(250);
    await a.record(250);
    await a.close();
    appendFileSync(path, '40');
    const b = await GroupLog.open(path, { sync: false });
    expect(b.pendingEnds()).toEqual([100, 250]);
    await b.acknowledged(100);
    expect(b.pendingEnds()).toEqual([250]);
    expect(readFileSync(path, 'utf8')).toBe('250\n');
    await b.close();
  });

  it('WorkflowLog remembers exported traces until their records are acknowledged', async () => {
    const path = join(tempDir(), 'workflows');
    const a = await WorkflowLog.open(path, { sync: false });
    await a.record([{ traceId: TRACE_A, revision: 0 }], 100);
    await a.record([{ traceId: TRACE_A, revision: 1 }, { traceId: TRACE_B, revision: 0 }], 300);
    await a.close();
    appendFileSync(path, `${TRACE_B} 9`);
    const b = await WorkflowLog.open(path, { sync: false });
    expect([...b.exported()]).toEqual([
      [TRACE_A, { revisions: 2, position: 300 }],
      [TRACE_B, { revisions: 1, position: 300 }],
    ]);
    await b.acknowledged(300);
    expect(b.exported().size).toBe(0);
    await b.close();
  });

  it('the workflow processor skips replayed spans its exported rows already counted, and numbers later deltas after them', () => {
    const wf = new WorkflowProcessor({ quietWindowMs: 0 });
    wf.preloadExported(new Map([[TRACE_A, { revisions: 2, position: 300 }]]));
    const normalize = new NormalizeProcessor();
    wf.setBatchPosition(300);
    const replayed = wf.process(normalize.process({ spans: decode(record([{ traceId: TRACE_A, spanId: '0000000000000001', input: 5 }])).spans, calls: [], workflows: [] }));
    expect(replayed.workflows).toEqual([]);
    expect(wf.openTraces).toBe(0);
    wf.setBatchPosition(400);
    const later = wf.process(normalize.process({ spans: decode(record([{ traceId: TRACE_A, spanId: '0000000000000002', input: 7 }])).spans, calls: [], workflows: [] }));
    expect(later.workflows.map((w) => [w.revision, w.calls, w.inputTokens])).toEqual([[2, 1, 7]]);
  });
});
