import type { Exporter, PipelineBatch, Processor, WorkflowRow } from '../model.ts';

export function emptyBatch(): PipelineBatch {
  return { spans: [], calls: [], workflows: [] };
}

function isEmpty(batch: PipelineBatch): boolean {
  return batch.spans.length === 0 && batch.calls.length === 0 && batch.workflows.length === 0;
}

/** One batch, made of parts processed one after another, in each exporter's prepared form. */
export class PreparedBatch {
  /** Per exporter: its prepared parts, or the parts' batches for exporters that do not prepare. */
  readonly parts = new Map<Exporter, unknown[]>();
  /** Workflow rows are few (one per finished trace) and are kept: the workflow log records them. */
  readonly workflows: WorkflowRow[] = [];
}

function mergeBatches(batches: readonly PipelineBatch[]): PipelineBatch {
  if (batches.length === 1) return batches[0]!;
  const out = emptyBatch();
  for (const b of batches) {
    for (const s of b.spans) out.spans.push(s);
    for (const c of b.calls) out.calls.push(c);
    for (const w of b.workflows) out.workflows.push(w);
  }
  return out;
}

/** Thrown when some exporters failed; `failed` names them so only those are retried. */
export class ExportFailure extends Error {
  readonly failed: Exporter[];
  constructor(failures: { exporter: Exporter; error: unknown }[]) {
    const reasons = failures.map((f) => `${f.exporter.name}: ${f.error instanceof Error ? f.error.message : String(f.error)}`);
    super(`export failed (${reasons.join('; ')})`, { cause: failures[0]?.error });
    this.name = 'ExportFailure';
    this.failed = failures.map((f) => f.exporter);
  }
}

/**
 * One traces pipeline (the Collector's `service.pipelines.traces`): processors in order, then every
 * exporter. `export` resolves only once every exporter has committed the batch, which is what lets
 * the consumer acknowledge the queue.
 */
export class Pipeline {
  readonly processors: readonly Processor[];
  readonly exporters: readonly Exporter[];

  constructor(processors: readonly Processor[], exporters: readonly Exporter[]) {
    this.processors = processors;
    this.exporters = exporters;
  }

  async process(batch: PipelineBatch, from = 0): Promise<PipelineBatch> {
    let current = batch;
    for (let i = from; i < this.processors.length; i++) current = await this.processors[i]!.process(current);
    return current;
  }

  /** Adds a processed part to `into`, in every exporter's form; the part itself need not be kept. */
  prepare(part: PipelineBatch, into: PreparedBatch): void {
    if (isEmpty(part)) return;
    // Every exporter's form first: if one of them throws, `into` is left as it was.
    const made = this.exporters.map((e) => (e.prepare ? e.prepare(part) : part));
    for (const w of part.workflows) into.workflows.push(w);
    this.exporters.forEach((e, i) => {
      let parts = into.parts.get(e);
      if (parts === undefined) into.parts.set(e, (parts = []));
      parts.push(made[i]);
    });
  }

  /** Exports to `only` (default: every exporter); rejects with ExportFailure naming the exporters that failed. */
  async export(batch: PipelineBatch, only: readonly Exporter[] = this.exporters): Promise<void> {
    const prepared = new PreparedBatch();
    this.prepare(batch, prepared);
    await this.exportPrepared(prepared, only);
  }

  /** Exports a prepared batch to `only` (default: every exporter); rejects like `export`. */
  async exportPrepared(batch: PreparedBatch, only: readonly Exporter[] = this.exporters): Promise<void> {
    const sending = only.filter((e) => batch.parts.has(e));
    if (sending.length === 0) return;
    const results = await Promise.allSettled(
      sending.map((e) => {
        const parts = batch.parts.get(e)!;
        return e.exportPrepared ? e.exportPrepared(parts) : e.export(mergeBatches(parts as PipelineBatch[]));
      }),
    );
    const failures: { exporter: Exporter; error: unknown }[] = [];
    results.forEach((r, i) => {
      if (r.status === 'rejected') failures.push({ exporter: sending[i]!, error: r.reason });
    });
    if (failures.length > 0) throw new ExportFailure(failures);
  }

  /** After a batch was exported to every exporter: lets exporters reuse the memory of their parts. */
  release(batch: PreparedBatch): void {
    for (const [exporter, parts] of batch.parts) {
      if (exporter.prepare && exporter.release) for (const part of parts) exporter.release(part);
    }
    batch.parts.clear();
  }

  /**
   * Drains every processor's buffer (on shutdown): what processor i flushes still runs through the
   * processors after it, so flushed data is treated like any other.
   */
  async flush(): Promise<PipelineBatch> {
    const out = emptyBatch();
    for (let i = 0; i < this.processors.length; i++) {
      const p = this.processors[i]!;
      if (!p.flush) continue;
      const flushed = await this.process(await p.flush(), i + 1);
      out.spans.push(...flushed.spans);
      out.calls.push(...flushed.calls);
      out.workflows.push(...flushed.workflows);
    }
    return out;
  }

  async start(): Promise<void> {
    for (const e of this.exporters) await e.start?.();
  }

  async shutdown(): Promise<void> {
    for (const p of this.processors) await p.shutdown?.();
    const results = await Promise.allSettled(this.exporters.map((e) => e.shutdown()));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed && failed.status === 'rejected') throw failed.reason;
  }
}
