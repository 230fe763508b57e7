import { BoundedMap, OrderedMap } from '../bounded-map.ts';
import { IdTable, packHexId } from '../id-table.ts';
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_WORKFLOW_NAME,
  ATTR_WORKFLOW_CACHE_READ_TOKENS,
  ATTR_WORKFLOW_CACHE_WRITE_TOKENS,
  ATTR_WORKFLOW_CALLS,
  ATTR_WORKFLOW_COST,
  ATTR_WORKFLOW_DURATION_NS,
  ATTR_WORKFLOW_ERRORS,
  ATTR_WORKFLOW_INPUT_TOKENS,
  ATTR_WORKFLOW_MODELS,
  ATTR_WORKFLOW_OUTPUT_TOKENS,
  ATTR_WORKFLOW_REASONING_TOKENS,
  ATTR_WORKFLOW_TOOLS,
  GEN_AI_OPERATION,
  OPENINFERENCE,
  OPENLLMETRY,
} from '@spendtrace/semconv';
import { StatusCode, type GenAICall, type PipelineBatch, type Processor, type Span, type WorkflowRow } from '../model.ts';
import { firstString, readString } from './attributes.ts';
import { readAttribution, type CallAttribution } from './normalize/attribution.ts';
import type { CollectorMetrics } from '../telemetry/collector-metrics.ts';

export interface WorkflowOptions {
  /** Flush a trace this long after its last span arrived, once its root span has ended. */
  quietWindowMs: number;
  /** Flush a trace this long after its first span arrived, root or not. */
  maxWaitMs: number;
  /** Traces buffered at once; the oldest is flushed early past this. */
  maxTraces: number;
  /** Spans per trace; a trace past this is flushed early and later spans become delta rows. */
  maxSpansPerTrace: number;
  /** Flushed trace ids remembered so that late spans produce delta rows (oldest forgotten first). */
  maxFlushedTraces: number;
  /**
   * Keep each open trace's root span until the trace flushes, to put the totals on it then (for an
   * exporter that holds roots until their totals are known: OTLP forwarding). Otherwise a root is
   * annotated only when its trace flushes within the batch that brought it; later the root has
   * already been exported, and holding it would keep a whole span alive per open trace.
   */
  holdRoots?: boolean;
  /** Milliseconds clock; injectable for tests. */
  now?: () => number;
}

export const DEFAULT_WORKFLOW_OPTIONS: WorkflowOptions = {
  quietWindowMs: 5_000,
  maxWaitMs: 60_000,
  maxTraces: 50_000,
  maxSpansPerTrace: 10_000,
  maxFlushedTraces: 200_000,
  holdRoots: true,
};

/** What is remembered of a flushed trace: enough to number delta rows and keep their sums exact. */
interface FlushedTrace {
  revisions: number;
  /** -1n when unknown (rows written by a previous run). */
  first: bigint;
  last: bigint;
  identity: Identity;
}

/** The fields of an Identity, in the order FlushedTraces stores them. */
const IDENTITY_FIELDS = ['rootSpanName', 'serviceName', 'environment', 'workflowName', 'agentName', 'feature', 'userId', 'customerId'] as const;

/**
 * Flushed traces by trace id, least recently flushed forgotten first: an IdTable (see id-table.ts
 * for why not a Map of objects) whose payload is the revision count, the first and last timestamps
 * as 32-bit halves and the identity's strings. Trace ids of another shape, which the receiver rejects
 * before any processor, are kept in a small map of their own.
 */
class FlushedTraces {
  private readonly table: IdTable;
  private readonly oddIds: BoundedMap<string, FlushedTrace>;

  constructor(maxEntries: number) {
    this.table = new IdTable({ maxEntries, keyWords: 4, valueWords: 5, stringsPerEntry: IDENTITY_FIELDS.length });
    this.oddIds = new BoundedMap(Math.min(maxEntries, 10_000));
  }

  has(traceId: string): boolean {
    return packHexId(traceId, 4, this.table.key, 0) ? this.table.has() : this.oddIds.has(traceId);
  }

  get(traceId: string): FlushedTrace | undefined {
    const t = this.table;
    if (!packHexId(traceId, 4, t.key, 0)) return this.oddIds.get(traceId);
    const e = t.find();
    if (e < 0) return undefined;
    const identity = {} as Identity;
    for (let i = 0; i < IDENTITY_FIELDS.length; i++) identity[IDENTITY_FIELDS[i]!] = t.string(e, i);
    return { revisions: t.value(e, 0), first: joinWords(t.value(e, 1), t.value(e, 2)), last: joinWords(t.value(e, 3), t.value(e, 4)), identity };
  }

  set(traceId: string, entry: FlushedTrace): void {
    const t = this.table;
    if (!packHexId(traceId, 4, t.key, 0)) {
      this.oddIds.set(traceId, entry);
      return;
    }
    t.set();
    const e = t.newest;
    t.setValue(e, 0, entry.revisions);
    t.setValue(e, 1, highWord(entry.first));
    t.setValue(e, 2, lowWord(entry.first));
    t.setValue(e, 3, highWord(entry.last));
    t.setValue(e, 4, lowWord(entry.last));
    for (let i = 0; i < IDENTITY_FIELDS.length; i++) t.setString(e, i, entry.identity[IDENTITY_FIELDS[i]!]);
  }
}

/** Timestamps are below 2^63, so the unknown timestamp -1n is stored as all ones. */
function highWord(ns: bigint): number {
  return ns < 0n ? 0xffffffff : Number(ns >> 32n);
}

function lowWord(ns: bigint): number {
  return ns < 0n ? 0xffffffff : Number(ns & 0xffffffffn);
}

function joinWords(high: number, low: number): bigint {
  return high === 0xffffffff && low === 0xffffffff ? -1n : (BigInt(high) << 32n) | BigInt(low);
}

const NO_IDENTITY: Identity = { rootSpanName: '', serviceName: '', environment: '', workflowName: '', agentName: '', feature: '', userId: '', customerId: '' };

interface Identity {
  rootSpanName: string;
  serviceName: string;
  environment: string;
  workflowName: string;
  agentName: string;
  feature: string;
  userId: string;
  customerId: string;
}

/** What a trace's identity needs of its earliest call (the call itself is not kept). */
type FirstCall = Omit<Identity, 'rootSpanName'> & { timestampNs: bigint };

/** Where a span may name its workflow, the GenAI attribute first. */
const WORKFLOW_NAMES = [ATTR_GEN_AI_WORKFLOW_NAME, OPENLLMETRY.WORKFLOW_NAME];

/** The running sums of one open trace (or of the late spans of a flushed one). */
class TraceSums {
  readonly traceId: string;
  readonly firstSeenMs: number;
  /** The processor's batch sequence number when this trace first appeared. */
  readonly firstSequence: number;
  lastActivityMs: number;
  /** Whether the root span has arrived. */
  rootSeen = false;
  rootName = '';
  rootAttribution: CallAttribution | undefined;
  /** The root span itself, while it may still be annotated (see `WorkflowOptions.holdRoots`). */
  root: Span | undefined;
  /** Set once the sums have been flushed; later spans of the trace start new sums. */
  flushed = false;
  first = 0n;
  last = 0n;
  spans = 0;
  calls = 0;
  errors = 0;
  inputTokens = 0;
  outputTokens = 0;
  cacheReadTokens = 0;
  cacheWriteTokens = 0;
  reasoningTokens = 0;
  costUsd = 0;
  unpricedCalls = 0;
  /** Whether any span is GenAI (call, agent, tool, workflow): traces without any get no row. */
  genai = false;
  readonly models = new Set<string>();
  readonly tools = new Set<string>();
  firstCall: FirstCall | undefined;
  agentName = '';
  workflowName = '';

  constructor(traceId: string, nowMs: number, sequence: number) {
    this.traceId = traceId;
    this.firstSequence = sequence;
    this.firstSeenMs = nowMs;
    this.lastActivityMs = nowMs;
  }

  addSpan(span: Span, call: GenAICall | undefined, nowMs: number): void {
    this.lastActivityMs = nowMs;
    if (this.spans === 0 || span.startTimeUnixNano < this.first) this.first = span.startTimeUnixNano;
    const end = span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano : span.startTimeUnixNano;
    if (this.spans === 0 || end > this.last) this.last = end;
    this.spans++;
    if (span.parentSpanId === '') {
      this.rootSeen = true;
      this.rootName = span.name;
      this.rootAttribution = readAttribution(span);
      this.root = span;
    }
    const a = span.attributes;
    const operation = readString(a, ATTR_GEN_AI_OPERATION_NAME);
    const tool = toolName(span, operation);
    if (tool !== undefined) {
      this.genai = true;
      if (tool !== '') this.tools.add(tool);
      if (span.status.code === StatusCode.ERROR) this.errors++;
    }
    if (operation === GEN_AI_OPERATION.INVOKE_AGENT || operation === GEN_AI_OPERATION.CREATE_AGENT) this.genai = true;
    if (this.agentName === '') this.agentName = readString(a, ATTR_GEN_AI_AGENT_NAME);
    if (this.workflowName === '') this.workflowName = firstString(a, WORKFLOW_NAMES);
    if (this.workflowName !== '' || operation === GEN_AI_OPERATION.INVOKE_WORKFLOW) this.genai = true;
    if (call) this.addCall(call);
  }

  private addCall(call: GenAICall): void {
    this.genai = true;
    this.calls++;
    if (call.errorType !== '') this.errors++;
    this.inputTokens += call.inputTokens;
    this.outputTokens += call.outputTokens;
    this.cacheReadTokens += call.cacheReadTokens;
    this.cacheWriteTokens += call.cacheWriteTokens;
    this.reasoningTokens += call.reasoningTokens;
    this.costUsd += call.costUsd;
    if (call.pricingStatus !== '') this.unpricedCalls++;
    const model = call.responseModel || call.requestModel;
    if (model !== '') this.models.add(model);
    if (!this.firstCall || call.timestampNs < this.firstCall.timestampNs) {
      const { timestampNs, serviceName, environment, workflowName, agentName, feature, userId, customerId } = call;
      this.firstCall = { timestampNs, serviceName, environment, workflowName, agentName, feature, userId, customerId };
    }
  }

  identity(): Identity {
    const root = this.rootAttribution;
    const c = this.firstCall;
    return {
      rootSpanName: this.rootName,
      serviceName: root?.serviceName || c?.serviceName || '',
      environment: root?.environment || c?.environment || '',
      workflowName: root?.workflowName || this.workflowName || c?.workflowName || '',
      agentName: root?.agentName || this.agentName || c?.agentName || '',
      feature: root?.feature || c?.feature || '',
      userId: root?.userId || c?.userId || '',
      customerId: root?.customerId || c?.customerId || '',
    };
  }
}

/** `''` for a tool span without a name, undefined for a span that is not a tool execution. */
function toolName(span: Span, operation: string): string | undefined {
  const a = span.attributes;
  if (operation === GEN_AI_OPERATION.EXECUTE_TOOL) return readString(a, ATTR_GEN_AI_TOOL_NAME) || span.name;
  if (readString(a, OPENLLMETRY.SPAN_KIND) === 'tool') return readString(a, OPENLLMETRY.ENTITY_NAME) || span.name;
  if (readString(a, OPENINFERENCE.SPAN_KIND).toUpperCase() === 'TOOL') return readString(a, OPENINFERENCE.TOOL_NAME) || span.name;
  return undefined;
}

/**
 * The calls of one batch by the span they describe (the last call when several do). Keyed by span id
 * alone, whose string the span and its call share, so no trace+span key is built and hashed for every
 * span; the trace id is compared on lookup. Only if calls of different traces share a span id are
 * they keyed by both.
 */
class CallsBySpan {
  private readonly bySpanId = new Map<string, GenAICall>();
  private byTraceAndSpanId: Map<string, GenAICall> | undefined;

  constructor(calls: readonly GenAICall[]) {
    for (const c of calls) {
      const other = this.bySpanId.get(c.spanId);
      if (other !== undefined && other.traceId !== c.traceId) {
        this.byTraceAndSpanId = new Map();
        for (const call of calls) this.byTraceAndSpanId.set(call.traceId + call.spanId, call);
        return;
      }
      this.bySpanId.set(c.spanId, c);
    }
  }

  get(span: Span): GenAICall | undefined {
    if (this.byTraceAndSpanId) return this.byTraceAndSpanId.get(span.traceId + span.spanId);
    const call = this.bySpanId.get(span.spanId);
    return call !== undefined && call.traceId === span.traceId ? call : undefined;
  }
}

/**
 * workflow: trace-level sums (one agent workflow = one trace). Spans are buffered as running sums per
 * trace id; a trace is flushed when its root span has ended and no span arrived for the quiet window,
 * or when it has waited the max wait. Spans of a trace already flushed produce delta rows (revision
 * 1, 2, ...) holding only their own contribution, so `sum(...) GROUP BY trace_id` stays exact.
 * Memory is bounded: past `maxTraces` the oldest trace, past `maxSpansPerTrace` the trace itself, is
 * flushed early and counted as evicted, never dropped.
 *
 * Timed flushes happen when a batch passes through, so the pipeline sends an empty batch on a tick.
 */
export class WorkflowProcessor implements Processor {
  readonly name = 'workflow';
  private readonly options: WorkflowOptions;
  private readonly now: () => number;
  private readonly metrics: CollectorMetrics | undefined;
  /** Open traces in creation order (the oldest is found in constant time, see bounded-map.ts). */
  private readonly open = new OrderedMap<string, TraceSums>();
  private readonly flushed: FlushedTraces;
  private bufferedSpans = 0;
  private lastSweepMs = -Infinity;
  private readonly sweepIntervalMs: number;
  evicted = 0;
  /** Counts batches processed; lets the consumer tell which batches still feed an open trace. */
  sequence = 0;
  /** Queue position of the batch being processed (undefined outside a queue). */
  private position: number | undefined;
  /** Traces whose rows a previous run exported: spans from records before `position` are already counted. */
  private readonly alreadyCounted = new Map<string, { position: number }>();

  constructor(options: Partial<WorkflowOptions> = {}, metrics?: CollectorMetrics) {
    this.options = { ...DEFAULT_WORKFLOW_OPTIONS, ...options };
    for (const key of ['quietWindowMs', 'maxWaitMs', 'maxTraces', 'maxSpansPerTrace', 'maxFlushedTraces'] as const) {
      const v = this.options[key];
      if (!(typeof v === 'number' && v >= (key.endsWith('Ms') ? 0 : 1))) throw new Error(`workflow: ${key} must be a number >= ${key.endsWith('Ms') ? 0 : 1}`);
    }
    this.now = options.now ?? Date.now;
    this.metrics = metrics;
    this.flushed = new FlushedTraces(Math.floor(this.options.maxFlushedTraces));
    // Checking every open trace on every batch would cost O(traces) per request at high ingest rates.
    this.sweepIntervalMs = Math.min(250, this.options.quietWindowMs);
  }

  get openTraces(): number {
    return this.open.size;
  }

  /**
   * Before replaying the queue after a restart: the traces whose rows were already exported, with the
   * queue position their sums cover. Replayed spans from before that position are not counted again;
   * later ones add delta rows numbered after the exported revisions.
   */
  preloadExported(exported: ReadonlyMap<string, { revisions: number; position: number }>): void {
    for (const [traceId, e] of exported) {
      this.alreadyCounted.set(traceId, { position: e.position });
      this.remember(traceId, { revisions: e.revisions, first: -1n, last: -1n, identity: NO_IDENTITY });
    }
  }

  /** The queue position (end) of the batch about to be processed. */
  setBatchPosition(position: number | undefined): void {
    this.position = position;
  }

  /**
   * The sequence number of the oldest batch that contributed to a still-open trace (Infinity when
   * none). Traces are kept in creation order, so this is the first entry. The consumer acknowledges
   * queue records only below it: after a crash, every span of an open trace is replayed.
   */
  oldestOpenSequence(): number {
    const first = this.open.oldestKey();
    return first === undefined ? Infinity : this.open.get(first)!.firstSequence;
  }

  process(batch: PipelineBatch): PipelineBatch {
    const nowMs = this.now();
    const sequence = ++this.sequence;
    const callsBySpan = batch.calls.length > 0 ? new CallsBySpan(batch.calls) : undefined;
    let sums: TraceSums | undefined;
    let rootsOfBatch: TraceSums[] | undefined;
    for (const span of batch.spans) {
      if (this.alreadyCounted.size > 0 && this.isAlreadyCounted(span.traceId)) continue;
      // Spans of one trace mostly arrive one after another: the previous span's sums are tried first.
      if (sums === undefined || sums.flushed || sums.traceId !== span.traceId) sums = this.open.get(span.traceId);
      if (!sums) {
        sums = new TraceSums(span.traceId, nowMs, sequence);
        this.open.set(span.traceId, sums);
        if (this.open.size > this.options.maxTraces) this.evictOldest(batch);
      }
      sums.addSpan(span, callsBySpan?.get(span), nowMs);
      if (span.parentSpanId === '' && !this.options.holdRoots) (rootsOfBatch ??= []).push(sums);
      this.bufferedSpans++;
      if (sums.spans >= this.options.maxSpansPerTrace) {
        this.evict(sums, 'max_spans', batch);
      }
    }
    this.flushDue(nowMs, batch);
    if (rootsOfBatch) for (const sums of rootsOfBatch) sums.root = undefined;
    this.updateGauges();
    return batch;
  }

  private isAlreadyCounted(traceId: string): boolean {
    const counted = this.alreadyCounted.get(traceId);
    if (!counted) return false;
    if (this.position !== undefined && this.position <= counted.position) return true;
    this.alreadyCounted.delete(traceId);
    return false;
  }

  flush(): PipelineBatch {
    const batch: PipelineBatch = { spans: [], calls: [], workflows: [] };
    for (const sums of [...this.open.values()]) this.flushTrace(sums, batch);
    this.updateGauges();
    return batch;
  }

  private flushDue(nowMs: number, batch: PipelineBatch): void {
    if (nowMs - this.lastSweepMs < this.sweepIntervalMs) return;
    this.lastSweepMs = nowMs;
    const { quietWindowMs, maxWaitMs } = this.options;
    for (const sums of this.open.values()) {
      // Late spans of a flushed trace have no root to wait for: the quiet window alone closes them.
      const rootDone = sums.rootSeen || this.flushed.has(sums.traceId);
      if ((rootDone && nowMs - sums.lastActivityMs >= quietWindowMs) || nowMs - sums.firstSeenMs >= maxWaitMs) {
        this.flushTrace(sums, batch);
      }
    }
  }

  private evictOldest(batch: PipelineBatch): void {
    const oldest = this.open.oldestKey();
    if (oldest !== undefined) this.evict(this.open.get(oldest)!, 'max_traces', batch);
  }

  private evict(sums: TraceSums, reason: string, batch: PipelineBatch): void {
    this.evicted++;
    this.metrics?.evictedTraces.inc(1, { reason });
    this.flushTrace(sums, batch);
  }

  private flushTrace(sums: TraceSums, batch: PipelineBatch): void {
    sums.flushed = true;
    this.open.delete(sums.traceId);
    this.bufferedSpans -= sums.spans;
    const previous = this.flushed.get(sums.traceId);
    if (!sums.genai && !previous) return;
    const identity = sums.identity();
    let row: WorkflowRow;
    if (!previous) {
      row = makeRow(sums, 0, identity, sums.first, sums.last, sums.last - sums.first);
      this.remember(sums.traceId, { revisions: 1, first: sums.first, last: sums.last, identity });
    } else {
      const known = previous.first >= 0n;
      const first = known && previous.first < sums.first ? previous.first : sums.first;
      const last = known && previous.last > sums.last ? previous.last : sums.last;
      // Each delta carries how much the trace's duration grew, so the durations sum to the total.
      const growth = known ? last - first - (previous.last - previous.first) : 0n;
      const merged = mergeIdentity(previous.identity, identity);
      row = makeRow(sums, previous.revisions, merged, first, last, growth);
      this.remember(sums.traceId, { revisions: previous.revisions + 1, first, last, identity: merged });
    }
    if (!previous && sums.root) annotateRoot(sums.root, row);
    batch.workflows.push(row);
    this.metrics?.workflowRows.inc(1, { kind: row.revision === 0 ? 'final' : 'delta' });
  }

  private remember(traceId: string, entry: FlushedTrace): void {
    this.flushed.set(traceId, entry);
  }

  private updateGauges(): void {
    this.metrics?.workflowBufferTraces.set(this.open.size);
    this.metrics?.workflowBufferSpans.set(this.bufferedSpans);
  }
}

function mergeIdentity(before: Identity, late: Identity): Identity {
  const out = { ...before };
  for (const key of Object.keys(out) as (keyof Identity)[]) if (out[key] === '') out[key] = late[key];
  return out;
}

function makeRow(sums: TraceSums, revision: number, id: Identity, first: bigint, last: bigint, durationNs: bigint): WorkflowRow {
  return {
    traceId: sums.traceId,
    revision,
    firstTimestampNs: first,
    lastTimestampNs: last,
    durationNs,
    // Field by field rather than spread: a spread in the middle of a literal builds the row through
    // the runtime, field by field anyway and into a slower shape.
    rootSpanName: id.rootSpanName,
    serviceName: id.serviceName,
    environment: id.environment,
    workflowName: id.workflowName,
    agentName: id.agentName,
    feature: id.feature,
    userId: id.userId,
    customerId: id.customerId,
    calls: sums.calls,
    errors: sums.errors,
    inputTokens: sums.inputTokens,
    outputTokens: sums.outputTokens,
    cacheReadTokens: sums.cacheReadTokens,
    cacheWriteTokens: sums.cacheWriteTokens,
    reasoningTokens: sums.reasoningTokens,
    costUsd: sums.costUsd,
    unpricedCalls: sums.unpricedCalls,
    models: [...sums.models].sort(),
    tools: [...sums.tools].sort(),
    spans: sums.spans,
  };
}

/** Puts the trace totals on its root span, which the OTLP exporter forwards once they are known. */
export function annotateRoot(root: Span, row: WorkflowRow): void {
  const a = root.attributes;
  a[ATTR_WORKFLOW_COST] = row.costUsd;
  a[ATTR_WORKFLOW_CALLS] = row.calls;
  a[ATTR_WORKFLOW_INPUT_TOKENS] = row.inputTokens;
  a[ATTR_WORKFLOW_OUTPUT_TOKENS] = row.outputTokens;
  a[ATTR_WORKFLOW_CACHE_READ_TOKENS] = row.cacheReadTokens;
  a[ATTR_WORKFLOW_CACHE_WRITE_TOKENS] = row.cacheWriteTokens;
  a[ATTR_WORKFLOW_REASONING_TOKENS] = row.reasoningTokens;
  a[ATTR_WORKFLOW_ERRORS] = row.errors;
  a[ATTR_WORKFLOW_MODELS] = row.models;
  a[ATTR_WORKFLOW_TOOLS] = row.tools;
  a[ATTR_WORKFLOW_DURATION_NS] = row.durationNs;
}
