import type { Exporter, PipelineBatch, Processor } from '../model.ts';

export function emptyBatch(): PipelineBatch {
  return { spans: [], calls: [], workflows: [] };
}

function isEmpty(batch: PipelineBatch): boolean {
  return batch.spans.length === 0 && batch.calls.length === 0 && batch.workflows.length === 0;
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

  /** Exports to `only` (default: every exporter); rejects with ExportFailure naming the exporters that failed. */
  async export(batch: PipelineBatch, only: readonly Exporter[] = this.exporters): Promise<void> {
    if (isEmpty(batch)) return;
    const results = await Promise.allSettled(only.map((e) => e.export(batch)));
    const failures: { exporter: Exporter; error: unknown }[] = [];
    results.forEach((r, i) => {
      if (r.status === 'rejected') failures.push({ exporter: only[i]!, error: r.reason });
    });
    if (failures.length > 0) throw new ExportFailure(failures);
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
