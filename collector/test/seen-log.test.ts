import { mkdtempSync, writeFileSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SeenLog } from '../src/pipeline/seen-log.ts';
import { DedupeProcessor } from '../src/processors/dedupe.ts';
import { DiskQueue } from '../src/queue/index.ts';
import { GroupLog } from '../src/pipeline/group-log.ts';
import { QueueConsumer } from '../src/pipeline/consumer.ts';
import { Pipeline } from '../src/pipeline/pipeline.ts';
import { NormalizeProcessor } from '../src/processors/normalize/normalize.ts';
import { WorkflowProcessor } from '../src/processors/workflow.ts';
import type { Exporter, PipelineBatch, Span } from '../src/model.ts';
import { span, TRACE_A, TRACE_B } from './processors-spans.ts';

/** trace id + span id, as the dedupe processor keys spans. */
const key = (traceId: string, n: number) => traceId + n.toString(16).padStart(16, '0');
const FRAME = (keys: number) => 8 + 24 * keys;

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'spendtrace-seen-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SeenLog', () => {
  it('gives back the appended keys in order after a reopen', async () => {
    const path = join(tempDir(), 'seen');
    const log = await SeenLog.open(path, { maxEntries: 10, sync: false });
    expect(log.keys()).toEqual([]);
    await log.append([key(TRACE_A, 1), key(TRACE_A, 2)]);
    await log.append([key(TRACE_B, 1)]);
    await log.close();
    expect(statSync(path).size).toBe(FRAME(2) + FRAME(1));

    const again = await SeenLog.open(path, { maxEntries: 10, sync: false });
    expect(again.keys()).toEqual([key(TRACE_A, 1), key(TRACE_A, 2), key(TRACE_B, 1)]);
    // Reopening compacts into one frame.
    expect(statSync(path).size).toBe(FRAME(3));
    await again.close();
  });

  it('keeps only the last maxEntries keys, on reopen and while running', async () => {
    const path = join(tempDir(), 'seen');
    const log = await SeenLog.open(path, { maxEntries: 3, sync: false });
    await log.append([key(TRACE_A, 1), key(TRACE_A, 2)]);
    await log.append([key(TRACE_A, 3), key(TRACE_A, 4)]);
    expect(statSync(path).size).toBe(FRAME(2) + FRAME(2));
    // 6 keys reach twice the bound: the file is compacted to the last 3.
    await log.append([key(TRACE_A, 5), key(TRACE_A, 6)]);
    expect(statSync(path).size).toBe(FRAME(3));
    await log.append([key(TRACE_A, 7)]);
    await log.close();

    const again = await SeenLog.open(path, { maxEntries: 3, sync: false });
    expect(again.keys()).toEqual([key(TRACE_A, 5), key(TRACE_A, 6), key(TRACE_A, 7)]);
    expect(statSync(path).size).toBe(FRAME(3));
    await again.close();
  });

  it('ignores a torn or corrupt last frame and truncates it away', async () => {
    const path = join(tempDir(), 'seen');
    const log = await SeenLog.open(path, { maxEntries: 10, sync: false });
    await log.append([key(TRACE_A, 1)]);
    await log.append([key(TRACE_A, 2), key(TRACE_A, 3)]);
    await log.close();
    const whole = readFileSync(path);

    // Cut in the middle of the second frame's keys.
    const torn = join(tempDir(), 'seen');
    writeFileSync(torn, whole.subarray(0, FRAME(1) + 8 + 30));
    const a = await SeenLog.open(torn, { maxEntries: 10, sync: false });
    expect(a.keys()).toEqual([key(TRACE_A, 1)]);
    expect(statSync(torn).size).toBe(FRAME(1));
    await a.close();

    // A whole frame whose keys do not match its checksum.
    const corrupt = join(tempDir(), 'seen');
    const bytes = Buffer.from(whole);
    bytes[FRAME(1) + 8 + 5]! ^= 0xff;
    writeFileSync(corrupt, bytes);
    const b = await SeenLog.open(corrupt, { maxEntries: 10, sync: false });
    expect(b.keys()).toEqual([key(TRACE_A, 1)]);
    await b.close();

    // Only a partial header.
    const header = join(tempDir(), 'seen');
    writeFileSync(header, whole.subarray(0, FRAME(1) + 3));
    const c = await SeenLog.open(header, { maxEntries: 10, sync: false });
    expect(c.keys()).toEqual([key(TRACE_A, 1)]);
    await c.close();
  });

  it('skips keys that are not a 16-byte trace id and an 8-byte span id in hex', async () => {
    const path = join(tempDir(), 'seen');
    const log = await SeenLog.open(path, { maxEntries: 10, sync: false });
    await log.append(['abc', 'z'.repeat(48), key(TRACE_B, 9)]);
    await log.append(['']);
    await log.close();
    expect(statSync(path).size).toBe(FRAME(1));
    const again = await SeenLog.open(path, { maxEntries: 10, sync: false });
    expect(again.keys()).toEqual([key(TRACE_B, 9)]);
    await again.close();
  });
});

describe('DedupeProcessor with a persisted seen-set', () => {
  const call = (traceId: string, n: number) =>
    span({ traceId, spanId: n.toString(16).padStart(16, '0'), attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5.4-mini', 'gen_ai.usage.input_tokens': 1 } });
  const pass = (d: DedupeProcessor, ...spans: Span[]) => d.process(new NormalizeProcessor().process({ spans, calls: [], workflows: [] }));

  it('hands out the keys it saw, repeats included, and recognises preloaded keys', () => {
    const d = new DedupeProcessor({ maxEntries: 10, persist: true });
    pass(d, call(TRACE_A, 1), call(TRACE_A, 2), call(TRACE_A, 1));
    expect(d.takeSeen()).toEqual([key(TRACE_A, 1), key(TRACE_A, 2), key(TRACE_A, 1)]);
    expect(d.takeSeen()).toEqual([]);

    const restarted = new DedupeProcessor({ maxEntries: 10, persist: true });
    restarted.preload([key(TRACE_A, 1), key(TRACE_A, 2)]);
    const out = pass(restarted, call(TRACE_A, 2), call(TRACE_A, 3));
    expect(out.spans.map((s) => s.spanId)).toEqual(['0000000000000003']);
    expect(out.calls.map((c) => c.spanId)).toEqual(['0000000000000003']);
    expect(restarted.duplicates).toBe(1);
  });

  it('keeps the bound when preloading more keys than it may hold', () => {
    const d = new DedupeProcessor({ maxEntries: 2 });
    d.preload([key(TRACE_A, 1), key(TRACE_A, 2), key(TRACE_A, 3)]);
    expect(d.size).toBe(2);
    expect(d.takeSeen()).toEqual([]);
    expect(pass(d, call(TRACE_A, 1)).calls.length).toBe(1);
  });
});

describe('QueueConsumer with a seen log', () => {
  class MemoryExporter implements Exporter {
    readonly name = 'memory';
    batches: PipelineBatch[] = [];
    async export(batch: PipelineBatch): Promise<void> {
      this.batches.push(batch);
    }
    async shutdown(): Promise<void> {}
  }
  const record = (spans: { traceId: string; spanId: string; parentSpanId?: string; input?: number }[]) => new TextEncoder().encode(JSON.stringify(spans));
  const decode = (bytes: Uint8Array) => ({
    spans: (JSON.parse(new TextDecoder().decode(bytes)) as { traceId: string; spanId: string; parentSpanId?: string; input?: number }[]).map((d) =>
      span({
        traceId: d.traceId,
        spanId: d.spanId,
        parentSpanId: d.parentSpanId ?? '',
        attributes: d.input === undefined ? { 'gen_ai.operation.name': 'invoke_agent' } : { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'gen_ai.usage.input_tokens': d.input },
      }),
    ),
  });

  it('persists the keys of a batch only once the queue acknowledges it', async () => {
    const dir = tempDir();
    const queue = await DiskQueue.open({ dir: join(dir, 'queue'), unsafeNoSync: true });
    const groupLog = await GroupLog.open(join(dir, 'batches'), { sync: false });
    const seenPath = join(dir, 'seen');
    const seenLog = await SeenLog.open(seenPath, { maxEntries: 100, sync: false });
    const dedupe = new DedupeProcessor({ maxEntries: 100, persist: true });
    // A trace without a root stays open until max_wait, holding its records unacknowledged.
    const workflow = new WorkflowProcessor({ quietWindowMs: 0, maxWaitMs: 600 });
    const ch = new MemoryExporter();
    const consumer = new QueueConsumer({
      queue,
      pipeline: new Pipeline([new NormalizeProcessor(), dedupe, workflow], [ch]),
      decode,
      groupLog,
      oldestOpenSequence: () => workflow.oldestOpenSequence(),
      seen: { take: () => dedupe.takeSeen(), log: seenLog },
      tickMs: 20,
      retryDelayMs: () => 5,
    });
    await queue.append(record([{ traceId: TRACE_A, spanId: '0000000000000001', parentSpanId: 'f'.repeat(16), input: 10 }]));
    consumer.start();
    const deadline = Date.now() + 5000;
    while (ch.batches.reduce((n, b) => n + b.calls.length, 0) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // Exported but still unacknowledged: a replay must reach the workflow processor again.
    expect(queue.stats().unackedBytes).toBeGreaterThan(0);
    expect(statSync(seenPath).size).toBe(0);
    while (queue.stats().unackedBytes > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(queue.stats().unackedBytes).toBe(0);
    expect(statSync(seenPath).size).toBe(FRAME(1));

    await queue.stopAccepting();
    await consumer.drain();
    await seenLog.close();
    await groupLog.close();
    await queue.close();
    const reopened = await SeenLog.open(seenPath, { maxEntries: 100, sync: false });
    expect(reopened.keys()).toEqual([key(TRACE_A, 1)]);
    await reopened.close();
  });
});
