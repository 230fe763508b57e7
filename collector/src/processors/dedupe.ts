import { BoundedMap } from '../bounded-map.ts';
import { IdTable, packHexId, readSpanKey, SPAN_KEY_BYTES, SPAN_KEY_WORDS, writeSpanKey } from '../id-table.ts';
import type { PipelineBatch, Processor, Span } from '../model.ts';
import type { CollectorMetrics } from '../telemetry/collector-metrics.ts';

/**
 * dedupe: a span delivered twice (an SDK retrying after a lost response, a client resending) is
 * processed once. The seen-set is bounded by count and forgets the least recently seen span ids
 * first. With `persist`, the keys it accepts or refreshes are handed out through `takeSeen()` so the
 * consumer can write them to the seen log (pipeline/seen-log.ts); `preload` restores the keys of
 * acknowledged records at start, so a span sent again after a restart is still recognised. Those
 * keys are the ids' bytes (SPAN_KEY_BYTES each), not strings: a batch's keys wait for its export,
 * long enough for strings to be promoted to V8's old generation and collected from there. A
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
  /** Keys seen since the last `takeSeen()`, in order (`freshBytes` of it); null when nothing persists them. */
  private fresh: Buffer | null;
  private freshBytes = 0;
  duplicates = 0;

  constructor(options: { maxEntries: number; persist?: boolean }, metrics?: CollectorMetrics) {
    if (!(options.maxEntries >= 1)) throw new Error('dedupe: max_entries must be at least 1');
    this.seen = new IdTable({ maxEntries: Math.floor(options.maxEntries), keyWords: SPAN_KEY_WORDS });
    this.oddKeys = new BoundedMap(Math.min(Math.floor(options.maxEntries), 10_000));
    this.metrics = metrics;
    this.fresh = options.persist ? Buffer.allocUnsafe(1024 * SPAN_KEY_BYTES) : null;
  }

  /** Remembers keys from a previous run (SPAN_KEY_BYTES each), oldest first; a repeated key counts as seen again. */
  preload(keys: Buffer): void {
    for (let at = 0; at + SPAN_KEY_BYTES <= keys.length; at += SPAN_KEY_BYTES) {
      readSpanKey(keys, at, this.seen.key);
      this.seen.set();
    }
  }

  /** The keys (SPAN_KEY_BYTES each) accepted or refreshed since the last call, oldest first. */
  takeSeen(): Buffer {
    const fresh = this.fresh;
    if (!fresh || this.freshBytes === 0) return EMPTY;
    const keys = fresh.subarray(0, this.freshBytes);
    // The next batch's keys go to a new buffer: these wait for their batch's export.
    this.fresh = Buffer.allocUnsafe(Math.max(1024 * SPAN_KEY_BYTES, this.freshBytes));
    this.freshBytes = 0;
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

  /**
   * Marks the span id as the most recently seen; true when it was already known. Ids of the usual
   * shape are also added to the keys for the seen log; others stay deduplicated in memory only.
   */
  private remember(traceId: string, spanId: string): boolean {
    const key = this.seen.key;
    if (!(packHexId(traceId, 4, key, 0) && packHexId(spanId, 2, key, 4))) return this.oddKeys.set(traceId + spanId, true);
    const fresh = this.fresh;
    if (fresh) {
      if (this.freshBytes + SPAN_KEY_BYTES > fresh.length) {
        const grown = Buffer.allocUnsafe(2 * fresh.length);
        fresh.copy(grown, 0, 0, this.freshBytes);
        this.fresh = grown;
      }
      writeSpanKey(key, this.fresh!, this.freshBytes);
      this.freshBytes += SPAN_KEY_BYTES;
    }
    return this.seen.set();
  }
}

const EMPTY = Buffer.alloc(0);
