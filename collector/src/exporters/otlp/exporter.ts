import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { BoundedMap } from '../../bounded-map.ts';
import type { Exporter, PipelineBatch, Span } from '../../model.ts';
import type { CollectorMetrics } from '../../telemetry/collector-metrics.ts';
import { encodeTraceRequestProtobuf } from './protobuf-encode.ts';

const gzip = promisify(gzipCallback);

export interface OtlpForwardOptions {
  /** Base URL of an OTLP/HTTP receiver; `/v1/traces` is appended unless the URL already ends with it. */
  endpoint: string;
  headers?: Record<string, string>;
  compression?: 'gzip' | 'none';
  timeoutMs?: number;
  retry?: { initialDelayMs: number; maxDelayMs: number; maxElapsedMs: number };
  /** Hold a GenAI trace's root span until its workflow totals are on it, at most this long (ms). 0: never hold. */
  holdRootsMs?: number;
  /** Spans waiting to be sent at most; past it new batches are dropped and counted. */
  maxQueuedSpans?: number;
  /** Spans per request at most. */
  maxSpansPerRequest?: number;
  metrics?: CollectorMetrics;
  log?: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Status codes the OTLP specification calls retryable. */
const RETRYABLE = new Set([429, 502, 503, 504]);

/** `Retry-After` as seconds or an HTTP date, in ms; undefined when absent or unusable. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

class PermanentError extends Error {}

/**
 * otlp: forwards the enriched spans (cost on call spans, workflow totals on roots) to the user's
 * existing OTLP/HTTP backend, so adding spendtrace removes nothing they had.
 *
 * Like the Collector's exporter helper with its default in-memory sending queue, `export` returns
 * once spans are queued for sending, not once the backend has them: a slow or failing backend must
 * not hold up the ClickHouse path. Sending retries with exponential backoff, honouring Retry-After;
 * a batch is dropped (and counted) when its retries run out, the backend refuses it for good (other
 * 4xx), or the sending queue is full.
 */
export class OtlpForwardExporter implements Exporter {
  readonly name = 'otlp';
  private readonly url: string;
  private readonly o: Required<Omit<OtlpForwardOptions, 'metrics' | 'log'>> & Pick<OtlpForwardOptions, 'metrics' | 'log'>;
  private readonly queue: Span[][] = [];
  private queued = 0;
  /** Root spans waiting for their workflow totals, by trace id. */
  private readonly held = new Map<string, { span: Span; since: number }>();
  /** Traces known to contain LLM calls recently (bounded): only their roots are worth holding. */
  private readonly genaiTraces = new BoundedMap<string, true>(100_000);
  private sending: Promise<void> | undefined;
  private closed = false;
  sentSpans = 0;
  droppedSpans = 0;

  constructor(options: OtlpForwardOptions) {
    const base = options.endpoint.replace(/\/+$/, '');
    this.url = base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
    this.o = {
      endpoint: options.endpoint,
      headers: options.headers ?? {},
      compression: options.compression ?? 'gzip',
      timeoutMs: options.timeoutMs ?? 10_000,
      retry: options.retry ?? { initialDelayMs: 500, maxDelayMs: 30_000, maxElapsedMs: 300_000 },
      holdRootsMs: options.holdRootsMs ?? 65_000,
      maxQueuedSpans: options.maxQueuedSpans ?? 200_000,
      maxSpansPerRequest: options.maxSpansPerRequest ?? 8192,
      metrics: options.metrics,
      log: options.log,
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      now: options.now ?? Date.now,
    };
  }

  async export(batch: PipelineBatch): Promise<void> {
    if (this.closed) throw new Error('otlp exporter: export after shutdown');
    const now = this.o.now();
    const out: Span[] = [];
    if (this.o.holdRootsMs > 0) {
      for (const c of batch.calls) this.markGenAI(c.traceId);
      for (const row of batch.workflows) {
        const held = this.held.get(row.traceId);
        if (held) {
          this.held.delete(row.traceId);
          out.push(held.span);
        }
      }
    }
    for (const s of batch.spans) {
      if (this.o.holdRootsMs > 0 && s.parentSpanId === '' && this.genaiTraces.has(s.traceId) && !batch.workflows.some((w) => w.traceId === s.traceId)) {
        this.held.set(s.traceId, { span: s, since: now });
        continue;
      }
      out.push(s);
    }
    for (const [traceId, held] of this.held) {
      if (now - held.since < this.o.holdRootsMs) break; // insertion order = age order
      this.held.delete(traceId);
      out.push(held.span);
    }
    this.enqueue(out);
  }

  private markGenAI(traceId: string): void {
    this.genaiTraces.set(traceId, true);
  }

  private enqueue(spans: Span[]): void {
    if (spans.length === 0) return;
    if (this.queued + spans.length > this.o.maxQueuedSpans) {
      this.drop(spans.length, 'sending queue full');
      return;
    }
    for (let i = 0; i < spans.length; i += this.o.maxSpansPerRequest) {
      const part = spans.slice(i, i + this.o.maxSpansPerRequest);
      this.queue.push(part);
      this.queued += part.length;
    }
    this.sending ??= this.sendLoop();
  }

  private drop(n: number, reason: string): void {
    this.droppedSpans += n;
    this.o.metrics?.droppedBatches.inc(1, { exporter: this.name });
    this.o.log?.(`spendtrace collector: otlp exporter dropped ${n} spans: ${reason}`);
  }

  private async sendLoop(): Promise<void> {
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        try {
          await this.sendWithRetry(next);
          this.sentSpans += next.length;
          this.o.metrics?.exportedRows.inc(next.length, { exporter: this.name, table: 'spans' });
        } catch (err) {
          this.drop(next.length, (err as Error).message);
        } finally {
          this.queued -= next.length;
        }
      }
    } finally {
      this.sending = undefined;
    }
  }

  private async sendWithRetry(spans: Span[]): Promise<void> {
    let body: Uint8Array = encodeTraceRequestProtobuf(spans);
    const headers: Record<string, string> = { ...this.o.headers, 'content-type': 'application/x-protobuf' };
    if (this.o.compression === 'gzip') {
      body = await gzip(body);
      headers['content-encoding'] = 'gzip';
    }
    const started = this.o.now();
    const { initialDelayMs, maxDelayMs, maxElapsedMs } = this.o.retry;
    for (let attempt = 0; ; attempt++) {
      let delay: number;
      try {
        const res = await fetch(this.url, { method: 'POST', headers, body: body as Uint8Array<ArrayBuffer>, signal: AbortSignal.timeout(this.o.timeoutMs) });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return;
        if (!RETRYABLE.has(res.status)) throw new PermanentError(`${this.url} answered ${res.status}`);
        delay = retryAfterMs(res.headers.get('retry-after'), this.o.now()) ?? Math.min(maxDelayMs, initialDelayMs * 2 ** attempt);
      } catch (err) {
        if (err instanceof PermanentError) throw err;
        delay = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt);
      }
      if (this.o.now() - started + delay > maxElapsedMs) throw new Error(`gave up after ${attempt + 1} attempts`);
      this.o.metrics?.exportRetries.inc(1, { exporter: this.name });
      await this.o.sleep(delay);
    }
  }

  /** Sends held roots and everything queued, then refuses further exports. */
  async shutdown(): Promise<void> {
    const roots = [...this.held.values()].map((h) => h.span);
    this.held.clear();
    this.enqueue(roots);
    this.closed = true;
    while (this.sending) await this.sending;
  }
}
