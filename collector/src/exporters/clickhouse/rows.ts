/**
 * Pipeline records → TabSeparated lines for the spendtrace tables. Each mapper returns one line
 * (without its line feed) whose fields follow the table's `*_COLUMNS` list, which the INSERT names
 * explicitly, so a column added to a table later (with a default) does not shift the fields.
 *
 * The lines are built as strings directly from the records, without intermediate objects or
 * JSON.stringify, because row encoding is a large share of ingest time: a GenAI span carries ~40
 * attributes. Value encoding and escaping live in ./tsv.ts.
 *
 * Timestamps: DateTime64(9) values are written as "<seconds>.<9-digit nanoseconds>" from the
 * bigint's digits, read by ClickHouse as a Unix time independent of any server time zone and
 * without the precision a double would lose (2^53 ns is only ~104 days).
 */
import type { AttrValue, Attributes, GenAICall, Span, WorkflowRow } from '../../model.ts';
import { dateTime64, flat, float64, quotedString, stringArray, tsvString, uint64 } from './tsv.ts';

const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/**
 * An attribute value as the string the contrib ClickHouse exporter stores in its Map(String, String)
 * columns: strings as is, numbers and booleans in decimal/`true`, bytes base64, arrays and maps as JSON.
 */
export function attributeToString(value: AttrValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return '';
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return JSON.stringify(toJsonValue(value));
}

function toJsonValue(value: AttrValue): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJsonValue(v);
    return out;
  }
  return value;
}

/**
 * Attribute keys come from a small vocabulary (semantic conventions), so their quoted form is
 * remembered instead of escaped and allocated again for every span. Bounded, so a sender with
 * unbounded key names cannot grow it without limit.
 */
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 10_000;

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = quotedString(key) + ':';
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/** A Map(LowCardinality(String), String) field: `{'key':'value',...}`. */
export function attributesMap(attributes: Attributes): string {
  let out = '';
  for (const key in attributes) {
    out += (out === '' ? '{' : ',') + quotedKey(key) + quotedString(attributeToString(attributes[key] as AttrValue));
  }
  return out === '' ? '{}' : out + '}';
}

/** Column order of `spanRow`'s fields. */
export const SPAN_COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'ParentSpanId',
  'TraceState',
  'SpanName',
  'SpanKind',
  'ServiceName',
  'ResourceAttributes',
  'ScopeName',
  'ScopeVersion',
  'SpanAttributes',
  'Duration',
  'StatusCode',
  'StatusMessage',
  'Events.Timestamp',
  'Events.Name',
  'Events.Attributes',
  'Links.TraceId',
  'Links.SpanId',
  'Links.TraceState',
  'Links.Attributes',
] as const;

/**
 * Encodes spans, remembering the encoded resource of each resource object: the spans of one
 * request share one resource, so its attributes are encoded once per batch instead of per span.
 * Use one encoder per batch (records are not expected to change while they are being exported).
 */
export class SpanEncoder {
  readonly #resources = new Map<Span['resource'], string>();

  /** One `otel_traces` row, in the contrib exporter's representation. */
  row(span: Span): string {
    let resource = this.#resources.get(span.resource);
    if (resource === undefined) {
      const serviceName = span.resource.attributes['service.name'];
      resource = tsvString(serviceName === undefined ? '' : attributeToString(serviceName)) + '\t' + attributesMap(span.resource.attributes);
      this.#resources.set(span.resource, resource);
    }
    const duration = span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n;
    let line =
      dateTime64(span.startTimeUnixNano) +
      '\t' + tsvString(span.traceId) +
      '\t' + tsvString(span.spanId) +
      '\t' + tsvString(span.parentSpanId) +
      '\t' + tsvString(span.traceState) +
      '\t' + tsvString(span.name) +
      '\t' + (SPAN_KINDS[span.kind] ?? '') +
      '\t' + resource +
      '\t' + tsvString(span.scope.name) +
      '\t' + tsvString(span.scope.version) +
      '\t' + attributesMap(span.attributes) +
      '\t' + duration.toString() +
      '\t' + (STATUS_CODES[span.status.code] ?? '') +
      '\t' + tsvString(span.status.message);
    line += span.events.length === 0 ? '\t[]\t[]\t[]' : eventFields(span.events);
    line += span.links.length === 0 ? '\t[]\t[]\t[]\t[]' : linkFields(span.links);
    return flat(line);
  }
}

function eventFields(events: Span['events']): string {
  let timestamps = '';
  let names = '';
  let attributes = '';
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const sep = i === 0 ? '' : ',';
    timestamps += sep + "'" + dateTime64(event.timeUnixNano) + "'";
    names += sep + quotedString(event.name);
    attributes += sep + attributesMap(event.attributes);
  }
  return `\t[${timestamps}]\t[${names}]\t[${attributes}]`;
}

function linkFields(links: Span['links']): string {
  let traceIds = '';
  let spanIds = '';
  let traceStates = '';
  let attributes = '';
  for (let i = 0; i < links.length; i++) {
    const link = links[i]!;
    const sep = i === 0 ? '' : ',';
    traceIds += sep + quotedString(link.traceId);
    spanIds += sep + quotedString(link.spanId);
    traceStates += sep + quotedString(link.traceState);
    attributes += sep + attributesMap(link.attributes);
  }
  return `\t[${traceIds}]\t[${spanIds}]\t[${traceStates}]\t[${attributes}]`;
}

/** One `otel_traces` row (a one-off; batches use a SpanEncoder). */
export function spanRow(span: Span): string {
  return new SpanEncoder().row(span);
}

/** Column order of `callRow`'s fields. */
export const CALL_COLUMNS = [
  'timestamp',
  'trace_id',
  'span_id',
  'parent_span_id',
  'span_name',
  'service_name',
  'environment',
  'provider',
  'operation',
  'request_model',
  'response_model',
  'response_id',
  'pricing_model',
  'pricing_version',
  'pricing_status',
  'feature',
  'user_id',
  'customer_id',
  'team',
  'prompt_name',
  'prompt_version',
  'workflow_name',
  'agent_name',
  'conversation_id',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_usd',
  'cost_input_usd',
  'cost_cache_read_usd',
  'cost_cache_write_usd',
  'cost_output_usd',
  'cost_reasoning_usd',
  'cost_source',
  'duration_ns',
  'time_to_first_chunk_ns',
  'streaming',
  'error_type',
  'finish_reasons',
  'scope_name',
] as const;

/**
 * One `genai_calls` row. This and the other row mappers repeat one concatenation per column on
 * purpose, rather than walking a column table of encoders: they run for every row ingested.
 */
export function callRow(call: GenAICall): string {
  return flat(
    dateTime64(call.timestampNs) +
    '\t' + tsvString(call.traceId) +
    '\t' + tsvString(call.spanId) +
    '\t' + tsvString(call.parentSpanId) +
    '\t' + tsvString(call.spanName) +
    '\t' + tsvString(call.serviceName) +
    '\t' + tsvString(call.environment) +
    '\t' + tsvString(call.provider) +
    '\t' + tsvString(call.operation) +
    '\t' + tsvString(call.requestModel) +
    '\t' + tsvString(call.responseModel) +
    '\t' + tsvString(call.responseId) +
    '\t' + tsvString(call.pricingModel) +
    '\t' + tsvString(call.pricingVersion) +
    '\t' + tsvString(call.pricingStatus) +
    '\t' + tsvString(call.feature) +
    '\t' + tsvString(call.userId) +
    '\t' + tsvString(call.customerId) +
    '\t' + tsvString(call.team) +
    '\t' + tsvString(call.promptName) +
    '\t' + tsvString(call.promptVersion) +
    '\t' + tsvString(call.workflowName) +
    '\t' + tsvString(call.agentName) +
    '\t' + tsvString(call.conversationId) +
    '\t' + uint64(call.inputTokens) +
    '\t' + uint64(call.outputTokens) +
    '\t' + uint64(call.cacheReadTokens) +
    '\t' + uint64(call.cacheWriteTokens) +
    '\t' + uint64(call.reasoningTokens) +
    '\t' + float64(call.costUsd) +
    '\t' + float64(call.costInputUsd) +
    '\t' + float64(call.costCacheReadUsd) +
    '\t' + float64(call.costCacheWriteUsd) +
    '\t' + float64(call.costOutputUsd) +
    '\t' + float64(call.costReasoningUsd) +
    '\t' + tsvString(call.costSource) +
    '\t' + uint64(call.durationNs) +
    '\t' + uint64(call.timeToFirstChunkNs) +
    '\t' + (call.streaming ? 'true' : 'false') +
    '\t' + tsvString(call.errorType) +
    '\t' + stringArray(call.finishReasons) +
    '\t' + tsvString(call.scopeName)
  );
}

/** Column order of `workflowRow`'s fields. */
export const WORKFLOW_COLUMNS = [
  'trace_id',
  'revision',
  'first_timestamp',
  'last_timestamp',
  'duration_ns',
  'root_span_name',
  'service_name',
  'environment',
  'workflow_name',
  'agent_name',
  'feature',
  'user_id',
  'customer_id',
  'calls',
  'errors',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_usd',
  'unpriced_calls',
  'models',
  'tools',
  'spans',
] as const;

/** One `genai_workflows` row. */
export function workflowRow(row: WorkflowRow): string {
  return flat(
    tsvString(row.traceId) +
    '\t' + uint64(row.revision) +
    '\t' + dateTime64(row.firstTimestampNs) +
    '\t' + dateTime64(row.lastTimestampNs) +
    '\t' + uint64(row.durationNs) +
    '\t' + tsvString(row.rootSpanName) +
    '\t' + tsvString(row.serviceName) +
    '\t' + tsvString(row.environment) +
    '\t' + tsvString(row.workflowName) +
    '\t' + tsvString(row.agentName) +
    '\t' + tsvString(row.feature) +
    '\t' + tsvString(row.userId) +
    '\t' + tsvString(row.customerId) +
    '\t' + uint64(row.calls) +
    '\t' + uint64(row.errors) +
    '\t' + uint64(row.inputTokens) +
    '\t' + uint64(row.outputTokens) +
    '\t' + uint64(row.cacheReadTokens) +
    '\t' + uint64(row.cacheWriteTokens) +
    '\t' + uint64(row.reasoningTokens) +
    '\t' + float64(row.costUsd) +
    '\t' + uint64(row.unpricedCalls) +
    '\t' + stringArray(row.models) +
    '\t' + stringArray(row.tools) +
    '\t' + uint64(row.spans)
  );
}
