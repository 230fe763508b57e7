import type { PipelineBatch, Processor, Span } from '../model.ts';
import type { CollectorMetrics } from '../telemetry/collector-metrics.ts';

/**
 * dedupe: a span delivered twice (an SDK retrying after a lost response, a client resending) is
 * processed once. The seen-set is bounded by count and forgets the least recently seen span ids
 * first. Redelivery after a collector restart is covered by the ClickHouse exporter's idempotent
 * inserts instead: a replayed queue record yields the same rows, hence the same insert token.
 */
export class DedupeProcessor implements Processor {
  readonly name = 'dedupe';
  private readonly seen = new Map<string, true>();
  private readonly maxEntries: number;
  private readonly metrics: CollectorMetrics | undefined;
  duplicates = 0;

  constructor(options: { maxEntries: number }, metrics?: CollectorMetrics) {
    if (!(options.maxEntries >= 1)) throw new Error('dedupe: max_entries must be at least 1');
    this.maxEntries = options.maxEntries;
    this.metrics = metrics;
  }

  get size(): number {
    return this.seen.size;
  }

  process(batch: PipelineBatch): PipelineBatch {
    let dropped: Set<Span> | undefined;
    for (const span of batch.spans) {
      const key = span.traceId + span.spanId;
      if (this.seen.has(key)) {
        // Refresh so a span being retried repeatedly stays remembered.
        this.seen.delete(key);
        this.seen.set(key, true);
        (dropped ??= new Set()).add(span);
        continue;
      }
      this.seen.set(key, true);
      if (this.seen.size > this.maxEntries) {
        const oldest = this.seen.keys().next().value;
        if (oldest !== undefined) this.seen.delete(oldest);
      }
    }
    if (!dropped) return batch;
    this.duplicates += dropped.size;
    this.metrics?.duplicateSpans.inc(dropped.size);
    // A span repeated inside one batch keeps its first copy; its call row is kept once too.
    const keptSpans: Span[] = [];
    const keptIds = new Set<string>();
    for (const s of batch.spans) {
      const key = s.traceId + s.spanId;
      if (dropped.has(s)) continue;
      keptSpans.push(s);
      keptIds.add(key);
    }
    const seenCalls = new Set<string>();
    batch.calls = batch.calls.filter((c) => {
      const key = c.traceId + c.spanId;
      if (!keptIds.has(key) || seenCalls.has(key)) return false;
      seenCalls.add(key);
      return true;
    });
    batch.spans = keptSpans;
    return batch;
  }
}
