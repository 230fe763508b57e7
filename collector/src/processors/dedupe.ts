import { BoundedMap } from '../bounded-map.ts';
import { IdTable, packHexId } from '../id-table.ts';
import type { PipelineBatch, Processor, Span } from '../model.ts';
import type { CollectorMetrics } from '../telemetry/collector-metrics.ts';

/**
 * dedupe: a span delivered twice (an SDK retrying after a lost response, a client resending) is
 * processed once. The seen-set is bounded by count and forgets the least recently seen span ids
 * first. With `persist`, the keys it accepts or refreshes are handed out through `takeSeen()` so the
 * consumer can write them to the seen log (pipeline/seen-log.ts); `preload` restores the keys of
 * acknowledged records at start, so a span sent again after a restart is still recognised. A
 * replayed (unacknowledged) queue record is covered by the ClickHouse exporter's idempotent inserts.
 *
 * The seen-set keeps the 24 bytes of each trace id + span id in an IdTable (see id-table.ts for why
 * not a Map of strings). Ids of another shape, which the receiver rejects before any processor,
 * are remembered in a small map of their own.
 */
export class DedupeProcessor implements Processor {
  readonly name = 'dedupe';
  private readonly seen: IdTable;
  private readonly oddKeys: BoundedMap<string, true>;
  private readonly metrics: CollectorMetrics | undefined;
  /** Keys seen since the last `takeSeen()`, in order; null when nothing persists them. */
  private fresh: string[] | null;
  duplicates = 0;

  constructor(options: { maxEntries: number; persist?: boolean }, metrics?: CollectorMetrics) {
    if (!(options.maxEntries >= 1)) throw new Error('dedupe: max_entries must be at least 1');
    this.seen = new IdTable({ maxEntries: Math.floor(options.maxEntries), keyWords: 6 });
    this.oddKeys = new BoundedMap(Math.min(Math.floor(options.maxEntries), 10_000));
    this.metrics = metrics;
    this.fresh = options.persist ? [] : null;
  }

  /** Remembers keys from a previous run, oldest first; a repeated key counts as seen again. */
  preload(keys: Iterable<string>): void {
    for (const key of keys) this.remember(key.slice(0, 32), key.slice(32));
  }

  /** The keys accepted or refreshed since the last call, oldest first. */
  takeSeen(): string[] {
    if (!this.fresh || this.fresh.length === 0) return [];
    const keys = this.fresh;
    this.fresh = [];
    return keys;
  }

  get size(): number {
    return this.seen.size + this.oddKeys.size;
  }

  process(batch: PipelineBatch): PipelineBatch {
    let dropped: Set<Span> | undefined;
    for (const span of batch.spans) {
      // A repeat is refreshed, so a span being retried repeatedly stays remembered.
      if (this.remember(span.traceId, span.spanId)) (dropped ??= new Set()).add(span);
      this.fresh?.push(span.traceId + span.spanId);
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

  /** Marks the span id as the most recently seen; true when it was already known. */
  private remember(traceId: string, spanId: string): boolean {
    const key = this.seen.key;
    if (packHexId(traceId, 4, key, 0) && packHexId(spanId, 2, key, 4)) return this.seen.set();
    return this.oddKeys.set(traceId + spanId, true);
  }
}
