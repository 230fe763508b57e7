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

/** trace id + span id in hex: a key as the seen log stores it, in bytes, is these ids' bytes. */
const key = (traceId: string, n: number) => traceId + n.toString(16).padStart(16, '0');
const keys = (...hex: string[]): Buffer => Buffer.from(hex.join(''), 'hex');
/** Keys in bytes back to the hex of `key`, 24 bytes each. */
const hexKeys = (bytes: Uint8Array): string[] => Array.from({ length: bytes.length / 24 }, (_, i) => Buffer.from(bytes.subarray(24 * i, 24 * (i + 1))).toString('hex'));
/** One frame on disk: a 16-byte header, then 24 bytes per key. */
const FRAME = (keys: number) => 16 + 24 * keys;

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
  const opts = (acknowledged: number, maxEntries = 10) => ({ maxEntries, acknowledged, sync: false });

  it('gives back the appended keys in order after a reopen', async () => {
    const path = join(tempDir(), 'seen');
    const log = await SeenLog.open(path, opts(0));
    expect(hexKeys(log.keys())).toEqual([]);
    await log.append(keys(key(TRACE_A, 1), key(TRACE_A, 2)), 100);
    await log.append(keys(key(TRACE_B, 1)), 200);
    await log.close();
    expect(statSync(path).size).toBe(FRAME(2) + FRAME(1));

    const again = await SeenLog.open(path, opts(200));
    expect(hexKeys(again.keys())).toEqual([key(TRACE_A, 1), key(TRACE_A, 2), key(TRACE_B, 1)]);
    expect(statSync(path).size).toBe(FRAME(2) + FRAME(1));
    await again.close();
  });

  it('forgets keys of records the queue has not acknowledged: those records are replayed', async () => {
    const path = join(tempDir(), 'seen');
    const log = await SeenLog.open(path, opts(0));
    await log.append(keys(key(TRACE_A, 1)), 100);
    await log.append(keys(key(TRACE_A, 2), key(TRACE_A, 3)), 200);
    await log.close();

    const again = await SeenLog.open(path, opts(199));
    expect(hexKeys(again.keys())).toEqual([key(TRACE_A, 1)]);
    // Dropped from the file too: the replay writes them again with their position.
    expect(statSync(path).size).toBe(FRAME(1));
    await again.close();
  });

  it('keeps only the last maxEntries keys, on reopen and while running', async () => {
    const path = join(tempDir(), 'seen');
    const log = await SeenLog.open(path, opts(0, 3));
    await log.append(keys(key(TRACE_A, 1), key(TRACE_A, 2)), 1);
    await log.append(keys(key(TRACE_A, 3), key(TRACE_A, 4)), 2);
    expect(statSync(path).size).toBe(FRAME(2) + FRAME(2));
    // 6 keys reach twice the bound: the file is compacted to the last 3 (the oldest frame cut to fit).
    await log.append(keys(key(TRACE_A, 5), key(TRACE_A, 6)), 3);
    expect(statSync(path).size).toBe(FRAME(1) + FRAME(2));
    await log.append(keys(key(TRACE_A, 7)), 4);
    await log.close();

    const again = await SeenLog.open(path, opts(4, 3));
    expect(hexKeys(again.keys())).toEqual([key(TRACE_A, 5), key(TRACE_A, 6), key(TRACE_A, 7)]);
    expect(statSync(path).size).toBe(FRAME(2) + FRAME(1));
    await again.close();
  });

  it('ignores a torn or corrupt last frame and truncates it away', async () => {
    const path = join(tempDir(), 'seen');
    const log = await SeenLog.open(path, opts(0));
    await log.append(keys(key(TRACE_A, 1)), 10);
    await log.append(keys(key(TRACE_A, 2), key(TRACE_A, 3)), 20);
    await log.close();
    const whole = readFileSync(path);

    // Cut in the middle of the second frame's keys.
    const torn = join(tempDir(), 'seen');
    writeFileSync(torn, whole.subarray(0, FRAME(1) + 16 + 30));
    const a = await SeenLog.open(torn, opts(20));
    expect(hexKeys(a.keys())).toEqual([key(TRACE_A, 1)]);
    expect(statSync(torn).size).toBe(FRAME(1));
    await a.close();

    // A whole frame whose keys do not match its checksum.
    const corrupt = join(tempDir(), 'seen');
    const bytes = Buffer.from(whole);
    bytes[FRAME(1) + 16 + 5]! ^= 0xff;
    writeFileSync(corrupt, bytes);
    const b = await SeenLog.open(corrupt, opts(20));
    expect(hexKeys(b.keys())).toEqual([key(TRACE_A, 1)]);
    await b.close();

    // Only part of a header.
    const header = join(tempDir(), 'seen');
    writeFileSync(header, whole.subarray(0, FRAME(1) + 10));
    const c = await SeenLog.open(header, opts(20));
    expect(hexKeys(c.keys())).toEqual([key(TRACE_A, 1)]);
    await c.close();
  });

  it('refuses bytes that are not whole keys, and writes no frame for no keys', async () => {
    const path = join(tempDir(), 'seen');
    const log = await SeenLog.open(path, opts(0));
    await expect(log.append(keys(key(TRACE_B, 9)).subarray(0, 23), 5)).rejects.toThrow('seen log: 23 bytes of keys is not a whole number of 24-byte keys');
    await log.append(keys(), 6);
    await log.append(keys(key(TRACE_B, 9)), 7);
    await log.close();
    expect(statSync(path).size).toBe(FRAME(1));
    const again = await SeenLog.open(path, opts(7));
    expect(hexKeys(again.keys())).toEqual([key(TRACE_B, 9)]);
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
    expect(hexKeys(d.takeSeen())).toEqual([key(TRACE_A, 1), key(TRACE_A, 2), key(TRACE_A, 1)]);
    expect(hexKeys(d.takeSeen())).toEqual([]);

    // Ids of another shape (which the receiver rejects) are deduplicated in memory only.
    const odd = { ...call(TRACE_A, 4), spanId: 'not-a-hex-span-id' };
    expect(pass(d, odd, { ...odd }).spans.length).toBe(1);
    expect(d.takeSeen().length).toBe(0);

    const restarted = new DedupeProcessor({ maxEntries: 10, persist: true });
    restarted.preload(keys(key(TRACE_A, 1), key(TRACE_A, 2)));
    const out = pass(restarted, call(TRACE_A, 2), call(TRACE_A, 3));
    expect(out.spans.map((s) => s.spanId)).toEqual(['0000000000000003']);
    expect(out.calls.map((c) => c.spanId)).toEqual(['0000000000000003']);
    expect(restarted.duplicates).toBe(1);
  });

  it('keeps the bound when preloading more keys than it may hold', () => {
    const d = new DedupeProcessor({ maxEntries: 2 });
    d.preload(keys(key(TRACE_A, 1), key(TRACE_A, 2), key(TRACE_A, 3)));
    expect(d.size).toBe(2);
    expect(hexKeys(d.takeSeen())).toEqual([]);
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

  async function openConsumer(dir: string, maxWaitMs: number) {
    const queue = await DiskQueue.open({ dir: join(dir, 'queue'), unsafeNoSync: true });
    const groupLog = await GroupLog.open(join(dir, 'batches'), { sync: false });
    const seenLog = await SeenLog.open(join(dir, 'seen'), { maxEntries: 100, acknowledged: queue.acknowledgedPosition, sync: false });
    const dedupe = new DedupeProcessor({ maxEntries: 100, persist: true });
    dedupe.preload(seenLog.keys());
    // A trace without a root stays open until max_wait, holding its records unacknowledged.
    const workflow = new WorkflowProcessor({ quietWindowMs: 0, maxWaitMs });
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
    const close = async () => {
      await seenLog.close();
      await groupLog.close();
      await queue.close();
    };
    return { queue, seenLog, dedupe, ch, consumer, close };
  }
  const exportedCalls = (ch: MemoryExporter) => ch.batches.reduce((n, b) => n + b.calls.length, 0);
  async function until(check: () => boolean): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const oneCall = record([{ traceId: TRACE_A, spanId: '0000000000000001', parentSpanId: 'f'.repeat(16), input: 10 }]);

  it('writes the keys of an exported batch, and a restart keeps them once the queue acknowledged it', async () => {
    const dir = tempDir();
    const first = await openConsumer(dir, 300);
    await first.queue.append(oneCall);
    first.consumer.start();
    await until(() => exportedCalls(first.ch) === 1 && first.queue.stats().unackedBytes === 0);
    expect(statSync(join(dir, 'seen')).size).toBe(FRAME(1));
    await first.queue.stopAccepting();
    await first.consumer.drain();
    await first.close();

    const second = await openConsumer(dir, 300);
    expect(hexKeys(second.seenLog.keys())).toEqual([key(TRACE_A, 1)]);
    await second.queue.append(oneCall);
    second.consumer.start();
    await until(() => second.queue.stats().unackedBytes === 0);
    expect(exportedCalls(second.ch)).toBe(0);
    expect(second.dedupe.duplicates).toBe(1);
    await second.queue.stopAccepting();
    await second.consumer.drain();
    await second.close();
  });

  it('after a crash before the acknowledgement, replays the batch instead of dropping its spans', async () => {
    const dir = tempDir();
    const first = await openConsumer(dir, 60_000);
    await first.queue.append(oneCall);
    first.consumer.start();
    await until(() => exportedCalls(first.ch) === 1);
    // Written before the acknowledgement, which the open trace holds back.
    expect(statSync(join(dir, 'seen')).size).toBe(FRAME(1));
    expect(first.queue.stats().unackedBytes).toBeGreaterThan(0);
    await first.consumer.abortNow();
    await first.close();

    const second = await openConsumer(dir, 300);
    expect(hexKeys(second.seenLog.keys())).toEqual([]);
    second.consumer.start();
    await until(() => second.queue.stats().unackedBytes === 0);
    // The replayed span reached the exporters (and the workflow processor) again.
    expect(exportedCalls(second.ch)).toBe(1);
    expect(second.ch.batches.flatMap((b) => b.workflows).map((w) => [w.traceId, w.calls])).toEqual([[TRACE_A, 1]]);
    expect(second.dedupe.duplicates).toBe(0);
    await second.queue.stopAccepting();
    await second.consumer.drain();
    await second.close();
  });
});
