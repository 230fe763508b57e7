import { ATTR_ERROR_TYPE } from '@spendtrace/semconv';
import { StatusCode, type GenAICall, type PipelineBatch, type Processor, type Span } from '../../model.ts';
import { IdTable, packHexId, packSpanIdOrEmpty, packStringHash } from '../../id-table.ts';
import { readString } from '../attributes.ts';
import { readAttribution } from './attribution.ts';
import { readCall, type CallReading } from './dialects.ts';
import { canonicalTokens } from './providers.ts';

/**
 * normalize: every span that is one LLM call, in whatever dialect, becomes one canonical `GenAICall`
 * (OTel token semantics, canonical provider name, attribution). Cost is left to the price processor,
 * except a reported cost, which is carried as `costSource = 'provider'`.
 */
export class NormalizeProcessor implements Processor {
  readonly name = 'normalize';
  /** Calls dropped because another instrumentation's span described the same call. */
  duplicateCalls = 0;
  /**
   * Calls with a response id from earlier batches (bounded, least recently seen forgotten first).
   * The two spans of a doubly instrumented call end at different times, so an SDK's batch exporter
   * may send them in different requests; the first one seen is kept.
   *
   * Keyed by the trace id and a 64-bit hash of the response id (two response ids of one trace
   * would have to hash alike and their spans be parent and child for a call to be lost), with the
   * span and parent span ids as payload; see id-table.ts for why not a Map of strings.
   */
  private readonly recent: IdTable;

  constructor(options: { maxRecentCalls?: number } = {}) {
    this.recent = new IdTable({ maxEntries: options.maxRecentCalls ?? 100_000, keyWords: 6, valueWords: 4 });
  }

  process(batch: PipelineBatch): PipelineBatch {
    const calls: GenAICall[] = [];
    for (const span of batch.spans) {
      const reading = readCall(span.attributes);
      if (reading?.kind === 'call') calls.push(toCall(span, reading));
    }
    const collapsed = doublyInstrumented(calls, responseKeys(calls));
    let kept = 0;
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i]!;
      if (collapsed?.has(c) || this.seenEarlier(c)) continue;
      batch.calls.push(c);
      kept++;
    }
    this.duplicateCalls += calls.length - kept;
    return batch;
  }

  /** Whether `c` describes a call already seen in an earlier batch; otherwise remembers it. */
  private seenEarlier(c: GenAICall): boolean {
    if (c.responseId === '') return false;
    const recent = this.recent;
    // Ids of another shape never get past the receiver; such a call is kept.
    if (!packHexId(c.traceId, 4, recent.key, 0)) return false;
    packStringHash(c.responseId, recent.key, 4);
    const ids = scratchIds;
    if (!packHexId(c.spanId, 2, ids, 0) || !packSpanIdOrEmpty(c.parentSpanId, ids, 2)) return false;
    // One probe for both the lookup and the insert: `set` keeps a present entry's payload (the
    // first call seen), so it can still be compared.
    const present = recent.set();
    const entry = recent.newest;
    if (present) {
      // Span ids are never zero, so an empty parent (zeros) matches no span.
      const earlierIsParent = recent.value(entry, 0) === ids[2] && recent.value(entry, 1) === ids[3];
      const earlierIsChild = recent.value(entry, 2) === ids[0] && recent.value(entry, 3) === ids[1];
      return earlierIsParent || earlierIsChild;
    }
    for (let w = 0; w < 4; w++) recent.setValue(entry, w, ids[w]!);
    return false;
  }
}

/** Each call's trace and response id as one key; '' for a call without a response id. */
function responseKeys(calls: readonly GenAICall[]): string[] {
  const keys = new Array<string>(calls.length);
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i]!;
    keys[i] = c.responseId === '' ? '' : `${c.traceId}/${c.responseId}`;
  }
  return keys;
}

/** A call's span id and parent span id as words (see `seenEarlier`). */
const scratchIds = new Uint32Array(4);

export function toCall(span: Span, reading: CallReading): GenAICall {
  const attribution = readAttribution(span);
  const tokens = canonicalTokens(reading.provider, reading.usage);
  const reported = reading.reportedCostUsd;
  return {
    timestampNs: span.startTimeUnixNano,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    spanName: span.name,
    serviceName: attribution.serviceName,
    environment: attribution.environment,
    provider: reading.provider,
    operation: reading.operation,
    requestModel: reading.requestModel,
    responseModel: reading.responseModel,
    responseId: reading.responseId,
    pricingModel: '',
    pricingVersion: '',
    pricingStatus: '',
    feature: attribution.feature,
    userId: attribution.userId,
    customerId: attribution.customerId,
    team: attribution.team,
    promptName: attribution.promptName,
    promptVersion: attribution.promptVersion,
    workflowName: attribution.workflowName,
    agentName: attribution.agentName,
    conversationId: attribution.conversationId,
    // Field by field rather than spread: a spread in the middle of a literal builds the object
    // through the runtime, and every later read of every call row pays for the slower shape.
    inputTokens: tokens.inputTokens,
    outputTokens: tokens.outputTokens,
    cacheReadTokens: tokens.cacheReadTokens,
    cacheWriteTokens: tokens.cacheWriteTokens,
    reasoningTokens: tokens.reasoningTokens,
    costUsd: reported ?? 0,
    costInputUsd: 0,
    costCacheReadUsd: 0,
    costCacheWriteUsd: 0,
    costOutputUsd: 0,
    costReasoningUsd: 0,
    costSource: reported === undefined ? '' : 'provider',
    durationNs: span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n,
    timeToFirstChunkNs: reading.timeToFirstChunkNs,
    streaming: reading.streaming,
    errorType: readString(span.attributes, ATTR_ERROR_TYPE) || (span.status.code === StatusCode.ERROR ? '_OTHER' : ''),
    finishReasons: reading.finishReasons,
    scopeName: span.scope.name,
  };
}

/** How much a call row says; the richer of two descriptions of one call is kept. */
function richness(c: GenAICall): number {
  let score = 0;
  for (const n of [c.inputTokens, c.outputTokens, c.cacheReadTokens, c.cacheWriteTokens, c.reasoningTokens]) if (n > 0) score += 4;
  for (const s of [c.provider, c.requestModel, c.responseModel, c.feature, c.userId, c.customerId, c.team, c.workflowName, c.agentName])
    if (s !== '') score += 1;
  if (c.costSource === 'provider') score += 2;
  return score;
}

const FILLABLE = ['feature', 'userId', 'customerId', 'team', 'promptName', 'promptVersion', 'workflowName', 'agentName', 'conversationId', 'requestModel', 'responseModel', 'provider'] as const;

/**
 * One call seen by two instrumentations (an SDK's built-in span plus an instrumentation's, or a
 * framework span around a client-library span): same trace, same response id, one the parent of the
 * other. The richer row is kept and any attribution only the other one had is copied over, so the
 * call is counted once and loses nothing.
 */
export function collapseDoubleInstrumentation(calls: GenAICall[]): GenAICall[] {
  const dropped = doublyInstrumented(calls, responseKeys(calls));
  return dropped ? calls.filter((c) => !dropped.has(c)) : calls;
}

/**
 * The calls dropped as the poorer description of a doubly instrumented call (after filling the
 * kept one), or undefined when none is. `keys` are the calls' response keys.
 */
function doublyInstrumented(calls: readonly GenAICall[], keys: readonly string[]): Set<GenAICall> | undefined {
  if (calls.length < 2) return undefined;
  // Almost every key is unique, so a group is only made for a key seen a second time. Groups share
  // no call, so the order they are collapsed in does not matter.
  const firstByKey = new Map<string, GenAICall>();
  let groups: Map<string, GenAICall[]> | undefined;
  for (let i = 0; i < calls.length; i++) {
    const key = keys[i]!;
    if (key === '') continue;
    const c = calls[i]!;
    const first = firstByKey.get(key);
    if (first === undefined) {
      firstByKey.set(key, c);
      continue;
    }
    groups ??= new Map();
    const group = groups.get(key);
    if (group) group.push(c);
    else groups.set(key, [first, c]);
  }
  if (!groups) return undefined;
  const dropped = new Set<GenAICall>();
  for (const group of groups.values()) collapseGroup(group, dropped);
  return dropped.size === 0 ? undefined : dropped;
}

/** Collapses each parent/child pair within one group of calls sharing a response key. */
function collapseGroup(group: GenAICall[], dropped: Set<GenAICall>): void {
  for (const child of group) {
    const parent = group.find((p) => p.spanId === child.parentSpanId && !dropped.has(p));
    if (!parent || dropped.has(child)) continue;
    const [keep, drop] = richness(child) > richness(parent) ? [child, parent] : [parent, child];
    for (const field of FILLABLE) if (keep[field] === '') keep[field] = drop[field];
    dropped.add(drop);
  }
}
