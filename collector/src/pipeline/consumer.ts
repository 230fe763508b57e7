import { setTimeout as sleep } from 'node:timers/promises';
import type { DiskQueue, QueueBatch } from '../queue/index.ts';
import type { Exporter, PipelineBatch, Span } from '../model.ts';
import type { CollectorMetrics } from '../telemetry/collector-metrics.ts';
import type { GroupLog } from './group-log.ts';
import type { WorkflowLog } from './workflow-log.ts';
import type { SeenLog } from './seen-log.ts';
import { emptyBatch, ExportFailure, PreparedBatch, type Pipeline } from './pipeline.ts';
import { recordCallMetrics } from '../processors/price.ts';

/** Decodes one queue record into spans; throws for a record that cannot be decoded. */
export type RecordDecoder = (record: Uint8Array) => { spans: Span[] };

export interface ConsumerOptions {
  queue: DiskQueue;
  pipeline: Pipeline;
  decode: RecordDecoder;
  groupLog: GroupLog;
  /** Lowest batch sequence still feeding buffered state (the workflow processor); Infinity when none. */
  oldestOpenSequence?: () => number;
  /**
   * The sequence number the workflow processor gave the last batch it saw. Batches are numbered with
   * it, so a batch an earlier processor failed on (which that processor never saw) does not shift
   * the numbering and hold back acknowledgements. Without it the consumer counts batches itself.
   */
  batchSequence?: () => number;
  /** Told the queue position of each batch before it is processed (the workflow processor, for replays). */
  beforeProcess?: (position: number | undefined) => void;
  /** Records which workflow rows were exported, so a replay does not count their spans twice. */
  workflowLog?: WorkflowLog;
  /**
   * The dedupe processor's persisted seen-set: `take` returns the span keys the last processed batch
   * added; they are appended to `log` once the batch is exported, before the queue acknowledges it.
   */
  seen?: { take: () => Uint8Array; log: SeenLog };
  /** How often buffered processors get a chance to flush on time when no data arrives (ms). */
  tickMs?: number;
  /** Records per pipeline batch at most. */
  maxRecords?: number;
  /** Payload bytes per pipeline batch at most. */
  maxBytes?: number;
  /**
   * Spans per part at most (default 512): a batch is decoded, processed and prepared for the
   * exporters in parts of about this many spans (whole records), then exported as one.
   */
  partSpans?: number;
  metrics?: CollectorMetrics;
  log?: (message: string) => void;
  /** Called when the loop stops on an error it cannot get past (the queue or its logs failing). */
  onFatal?: (error: unknown) => void;
  /** Backoff between attempts to export a batch again after a failure (ms). */
  retryDelayMs?: (attempt: number) => number;
}

const NO_KEYS = new Uint8Array(0);

/** A queue read under way, with the tick that ends its wait. */
interface PendingRead {
  ticker: AbortSignal;
  group: Promise<QueueBatch | null>;
}

interface Pending {
  position: number;
  sequence: number;
}

interface Processed {
  batch: PreparedBatch;
  /** Queue position after the batch's records; undefined for a timer tick. */
  position: number | undefined;
  /** Every span processed so far came from records before this position. */
  coveredPosition: number;
  sequence: number;
  /** The workflow processor's oldest open batch right after this batch was processed. */
  oldestOpen: number;
  /** Dedupe keys of the batch's spans, for the seen log. */
  keys: Uint8Array;
}

/**
 * The consumer loop between the disk queue and the pipeline: read records, decode, process, export
 * to every exporter, and acknowledge the queue only once every exporter has committed the records
 * and no buffered workflow still depends on them. A batch that fails to export is retried (only on
 * the exporters that failed) until it succeeds or the collector stops; it is never acknowledged
 * unexported, so the queue replays it on the next start.
 */
export class QueueConsumer {
  private readonly o: ConsumerOptions;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly pending: Pending[] = [];
  private acked = -1;
  private replayEnds: number[];
  /** Batches processed so far; compared with the workflow processor's sequence. */
  private batches = 0;
  /** End position of the last batch of records processed. */
  private lastPosition = -1;

  constructor(options: ConsumerOptions) {
    this.o = options;
    this.replayEnds = [...options.groupLog.pendingEnds()];
  }

  start(): void {
    this.loop ??= this.run().catch((err: unknown) => {
      // Only storage failures of the queue or its logs get here; nothing more can be made durable.
      this.o.onFatal?.(err);
      throw err;
    });
    // The rejection is reported through onFatal; drain()/abortNow() see it too.
    this.loop.catch(() => undefined);
  }

  /** Reads until the queue is drained (after `queue.stopAccepting()`), then flushes buffered processors. */
  async drain(): Promise<void> {
    await this.loop;
    const flushed = await this.o.pipeline.flush();
    const prepared = new PreparedBatch();
    this.o.pipeline.prepare(flushed, prepared);
    await this.exportWithRetry(prepared);
    this.o.pipeline.release(prepared);
    await this.o.workflowLog?.record(flushed.workflows, this.lastPosition);
    await this.o.seen?.log.append(this.o.seen.take(), this.lastPosition);
    await this.ackReady(Infinity);
  }

  /** Stops at once (tests of crash behaviour, or a fatal error): nothing more is read or acknowledged. */
  async abortNow(): Promise<void> {
    this.abort.abort();
    await this.loop?.catch(() => undefined);
  }

  /**
   * Reads and processes the next batch while the previous one is being exported, so decoding and
   * processing overlap with ClickHouse's insert. Exports stay strictly one after another (each one
   * alone in its insert, which keeps replayed batches identical), and so do acknowledgements.
   *
   * A batch's bookkeeping after its export (the workflow and seen logs, then the acknowledgement:
   * each waits for its disk write to be synced) runs while the next batch is inserted, instead of
   * holding that insert back: it took about a fifth of each export's time. A crash between the two
   * leaves both batches unacknowledged, as a crash right after one insert does: both are replayed,
   * cut as before, and their inserts carry the same deduplication tokens.
   */
  private async run(): Promise<void> {
    const tickMs = this.o.tickMs ?? 500;
    // `exported`: the export before the batch to read; until it ends, the read waits for a full batch.
    const startRead = (exported?: Promise<void>): PendingRead => {
      const ticker = AbortSignal.any([this.abort.signal, AbortSignal.timeout(tickMs)]);
      return { ticker, group: this.readGroup(ticker, exported) };
    };
    // The last batch's export; its bookkeeping, chained after that of the batches before it; and the
    // bookkeeping of the batch before it, which must end before another export starts, so the
    // bookkeeping lags the exports by one batch at most.
    let exporting: Promise<void> = Promise.resolve();
    let recording: Promise<void> = Promise.resolve();
    let recorded: Promise<void> = Promise.resolve();
    let reading = startRead();
    try {
      for (;;) {
        // An abort ends a waiting read at once (its signal is part of the ticker).
        const { ticker } = reading;
        const group = await reading.group;
        if (this.abort.signal.aborted) {
          // Not processed, so not acknowledged: the records are replayed on the next start.
          group?.release();
          return;
        }
        // null without the tick firing: the queue stopped accepting and everything was read.
        if (group === null && !ticker.aborted) return;
        const processed = await this.process(group ?? undefined);
        // Decoding copied out everything the spans keep: the next read may reuse the records' memory.
        group?.release();
        // The next read (a file read through libuv's pool) runs while the previous export finishes,
        // rather than after it, when the event loop would have nothing to do but wait for it. That
        // batch cannot be exported before the previous export ends anyway, so until then the read
        // waits for a full batch rather than taking a few records: fewer, larger inserts.
        reading = startRead(exporting);
        await exporting;
        // Done by now as a rule; its failure stops the loop.
        await recorded;
        recorded = recording;
        exporting = this.export(processed);
        recording = Promise.all([recorded, exporting]).then(() => this.record(processed));
        // Awaited on the next turn or when the loop ends; not an unhandled rejection meanwhile.
        recording.catch(() => undefined);
      }
    } finally {
      await exporting;
      await recording;
    }
  }

  /** The next batch of records; after a restart, cut at the same positions as before the crash. */
  private async readGroup(signal: AbortSignal, fillUntil?: Promise<void>): Promise<QueueBatch | null> {
    const replayEnd = this.replayEnds[0];
    if (replayEnd === undefined) {
      return this.o.queue.read({ maxRecords: this.o.maxRecords ?? 1000, maxBytes: this.o.maxBytes ?? 32 * 1024 * 1024, signal, ...(fillUntil ? { fillUntil } : {}) });
    }
    const records: Uint8Array[] = [];
    const parts: QueueBatch[] = [];
    let position = -1;
    while (position < replayEnd) {
      const part = await this.o.queue.read({ maxRecords: 1, signal: this.abort.signal });
      if (part === null) break;
      records.push(...part.records);
      parts.push(part);
      position = part.position;
    }
    this.replayEnds.shift();
    return position < 0 ? null : { records, position, release: () => parts.forEach((part) => part.release()) };
  }

  /**
   * Decodes, processes and prepares a batch of records in parts of about `partSpans` spans. A large
   * batch makes large ClickHouse inserts (cheap per row), while each part's spans and calls are
   * dropped once the exporters have their own form of them. A part is small enough to live and die
   * within V8's young generation: a part of 4,096 spans outgrew it, so most of its spans were copied
   * by the scavenger and promoted to the old generation before they died, which nearly tripled the bytes
   * promoted per span and the scavenger's time. Parts are cut at record boundaries by span count, so
   * a replay cuts them alike, and the spans of one request (e.g. an SDK's and an instrumentation's
   * span of one call) stay in one part.
   */
  private async process(group: QueueBatch | undefined): Promise<Processed> {
    const prepared = new PreparedBatch();
    if (group) {
      await this.o.groupLog.record(group.position);
      this.lastPosition = group.position;
    }
    this.o.beforeProcess?.(group?.position);
    const partSpans = this.o.partSpans ?? 512;
    let part: Span[] = [];
    let parts = 0;
    for (const record of group?.records ?? []) {
      try {
        const decoded = this.o.decode(record);
        for (const s of decoded.spans) part.push(s);
      } catch (err) {
        // A record that no longer decodes (it was validated when received) cannot ever succeed.
        this.o.metrics?.processingErrors.inc();
        this.o.log?.(`spendtrace collector: dropping an undecodable queue record: ${(err as Error).message}`);
      }
      if (part.length >= partSpans) {
        await this.processPart(part, prepared);
        parts++;
        part = [];
        // Let I/O callbacks run between parts (the previous batch's insert, requests being received):
        // processing a whole batch can otherwise hold the event loop for a second.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    // A batch with no spans left (or a timer tick) still runs once: buffered processors flush on time.
    if (part.length > 0 || parts === 0) await this.processPart(part, prepared);
    // Taken now: traces flushed by a later batch have their rows in that later export.
    const oldestOpen = this.o.oldestOpenSequence?.() ?? Infinity;
    const keys = this.o.seen?.take() ?? NO_KEYS;
    const sequence = this.o.batchSequence?.() ?? this.batches;
    return { batch: prepared, position: group?.position, coveredPosition: this.lastPosition, sequence, oldestOpen, keys };
  }

  /** Runs one part through the processors into the exporters' prepared form. */
  private async processPart(spans: Span[], into: PreparedBatch): Promise<void> {
    let batch: PipelineBatch = { spans, calls: [], workflows: [] };
    try {
      batch = await this.o.pipeline.process(batch);
      this.o.pipeline.prepare(batch, into);
    } catch (err) {
      // A processor failing on some input must not wedge the collector: the part is dropped,
      // counted and logged, and everything after it flows on.
      this.o.metrics?.processingErrors.inc();
      this.o.log?.(`spendtrace collector: dropping a batch of ${spans.length} spans a processor failed on: ${(err as Error).stack ?? String(err)}`);
      batch = emptyBatch();
    }
    // One count per process() call, as the workflow processor counts the batches it sees.
    this.batches++;
    if (this.o.metrics) recordCallMetrics(this.o.metrics, batch.calls);
  }

  private async export(p: Processed): Promise<void> {
    await this.exportWithRetry(p.batch);
    this.o.pipeline.release(p.batch);
  }

  /** After a batch's export: what a restart must know of it, then the acknowledgement it allows. */
  private async record(p: Processed): Promise<void> {
    // Two files, each synced on its own: written side by side. Both are read against the queue's
    // acknowledged position on restart, so either may land without the other.
    await Promise.all([
      this.o.workflowLog?.record(p.batch.workflows, p.coveredPosition),
      // Tagged with the position the spans came from: until the queue acknowledges it, a restart
      // ignores these keys and replays the records instead.
      this.o.seen?.log.append(p.keys, p.coveredPosition),
    ]);
    if (p.position !== undefined) this.pending.push({ position: p.position, sequence: p.sequence });
    await this.ackReady(p.oldestOpen);
    this.updateQueueGauges();
  }

  private async exportWithRetry(batch: PreparedBatch): Promise<void> {
    let only: readonly Exporter[] = this.o.pipeline.exporters;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.pipeline.exportPrepared(batch, only);
        return;
      } catch (err) {
        if (!(err instanceof ExportFailure)) throw err;
        only = err.failed;
        for (const e of err.failed) this.o.metrics?.exportRetries.inc(1, { exporter: e.name });
        this.o.log?.(`spendtrace collector: ${err.message}; retrying`);
        if (this.abort.signal.aborted) throw err;
        await sleep(this.o.retryDelayMs?.(attempt) ?? Math.min(30_000, 250 * 2 ** Math.min(attempt, 7)));
      }
    }
  }

  /** Acknowledges the longest prefix of exported batches that no open workflow still depends on. */
  private async ackReady(oldestOpen: number): Promise<void> {
    // Batches carry the workflow processor's own sequence numbers (`batchSequence`), so they compare
    // with its oldest open one.
    let position = -1;
    while (this.pending.length > 0 && this.pending[0]!.sequence < oldestOpen) position = this.pending.shift()!.position;
    if (position <= this.acked) return;
    await this.o.queue.ack(position);
    this.acked = position;
    await this.o.groupLog.acknowledged(position);
    await this.o.workflowLog?.acknowledged(position);
  }

  private updateQueueGauges(): void {
    const m = this.o.metrics;
    if (!m) return;
    const stats = this.o.queue.stats();
    m.queueBytes.set(stats.unackedBytes);
  }
}
