/**
 * Pipeline records → JSONEachRow lines for the spendtrace tables. Each mapper returns one
 * serialized line, so the batcher can count bytes without serializing twice.
 *
 * Timestamps: DateTime64(9) values are written as "<seconds>.<9-digit nanoseconds>" computed from
 * the bigint, which ClickHouse reads as a Unix time independent of any server time zone and
 * without the precision a double would lose (2^53 ns is only ~104 days).
 * UInt64 values that may exceed 2^53 (nanosecond durations) are written as JSON numbers from their
 * exact decimal digits.
 */
import type { AttrValue, Attributes, GenAICall, Span, WorkflowRow } from '../../model.ts';

const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** "<seconds>.<nanoseconds>" for a Unix time in nanoseconds. */
export function formatDateTime64(ns: bigint): string {
  if (ns < 0n) ns = 0n;
  const seconds = ns / 1_000_000_000n;
  const fraction = ns % 1_000_000_000n;
  return `${seconds}.${fraction.toString().padStart(9, '0')}`;
}

/** A non-negative integer as exact JSON digits (negative values, never valid here, become 0). */
function uint(value: bigint | number): string {
  if (typeof value === 'bigint') return value < 0n ? '0' : value.toString();
  if (!Number.isFinite(value) || value < 0) return '0';
  return Math.trunc(value).toString();
}

/** A JSON number for a Float64 column; NaN and infinities are not representable in JSON. */
function float(value: number): string {
  return Number.isFinite(value) ? String(value) : '0';
}

const str = (value: string): string => JSON.stringify(value);
const strArray = (values: string[]): string => JSON.stringify(values);

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

function attributesMap(attributes: Attributes): string {
  const out: Record<string, string> = {};
  for (const key of Object.keys(attributes)) out[key] = attributeToString(attributes[key] as AttrValue);
  return JSON.stringify(out);
}

/** One `otel_traces` row, in the contrib exporter's representation. */
export function spanRow(span: Span): string {
  const serviceName = span.resource.attributes['service.name'];
  const duration = span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n;
  const events = span.events;
  const links = span.links;
  return (
    `{"Timestamp":"${formatDateTime64(span.startTimeUnixNano)}"` +
    `,"TraceId":${str(span.traceId)}` +
    `,"SpanId":${str(span.spanId)}` +
    `,"ParentSpanId":${str(span.parentSpanId)}` +
    `,"TraceState":${str(span.traceState)}` +
    `,"SpanName":${str(span.name)}` +
    `,"SpanKind":${str(SPAN_KINDS[span.kind] ?? '')}` +
    `,"ServiceName":${str(serviceName === undefined ? '' : attributeToString(serviceName))}` +
    `,"ResourceAttributes":${attributesMap(span.resource.attributes)}` +
    `,"ScopeName":${str(span.scope.name)}` +
    `,"ScopeVersion":${str(span.scope.version)}` +
    `,"SpanAttributes":${attributesMap(span.attributes)}` +
    `,"Duration":${uint(duration)}` +
    `,"StatusCode":${str(STATUS_CODES[span.status.code] ?? '')}` +
    `,"StatusMessage":${str(span.status.message)}` +
    `,"Events.Timestamp":[${events.map((e) => `"${formatDateTime64(e.timeUnixNano)}"`).join(',')}]` +
    `,"Events.Name":${strArray(events.map((e) => e.name))}` +
    `,"Events.Attributes":[${events.map((e) => attributesMap(e.attributes)).join(',')}]` +
    `,"Links.TraceId":${strArray(links.map((l) => l.traceId))}` +
    `,"Links.SpanId":${strArray(links.map((l) => l.spanId))}` +
    `,"Links.TraceState":${strArray(links.map((l) => l.traceState))}` +
    `,"Links.Attributes":[${links.map((l) => attributesMap(l.attributes)).join(',')}]}`
  );
}

/** One `genai_calls` row. */
export function callRow(call: GenAICall): string {
  return (
    `{"timestamp":"${formatDateTime64(call.timestampNs)}"` +
    `,"trace_id":${str(call.traceId)}` +
    `,"span_id":${str(call.spanId)}` +
    `,"parent_span_id":${str(call.parentSpanId)}` +
    `,"span_name":${str(call.spanName)}` +
    `,"service_name":${str(call.serviceName)}` +
    `,"environment":${str(call.environment)}` +
    `,"provider":${str(call.provider)}` +
    `,"operation":${str(call.operation)}` +
    `,"request_model":${str(call.requestModel)}` +
    `,"response_model":${str(call.responseModel)}` +
    `,"response_id":${str(call.responseId)}` +
    `,"pricing_model":${str(call.pricingModel)}` +
    `,"pricing_version":${str(call.pricingVersion)}` +
    `,"pricing_status":${str(call.pricingStatus)}` +
    `,"feature":${str(call.feature)}` +
    `,"user_id":${str(call.userId)}` +
    `,"customer_id":${str(call.customerId)}` +
    `,"team":${str(call.team)}` +
    `,"prompt_name":${str(call.promptName)}` +
    `,"prompt_version":${str(call.promptVersion)}` +
    `,"workflow_name":${str(call.workflowName)}` +
    `,"agent_name":${str(call.agentName)}` +
    `,"conversation_id":${str(call.conversationId)}` +
    `,"input_tokens":${uint(call.inputTokens)}` +
    `,"output_tokens":${uint(call.outputTokens)}` +
    `,"cache_read_tokens":${uint(call.cacheReadTokens)}` +
    `,"cache_write_tokens":${uint(call.cacheWriteTokens)}` +
    `,"reasoning_tokens":${uint(call.reasoningTokens)}` +
    `,"cost_usd":${float(call.costUsd)}` +
    `,"cost_input_usd":${float(call.costInputUsd)}` +
    `,"cost_cache_read_usd":${float(call.costCacheReadUsd)}` +
    `,"cost_cache_write_usd":${float(call.costCacheWriteUsd)}` +
    `,"cost_output_usd":${float(call.costOutputUsd)}` +
    `,"cost_reasoning_usd":${float(call.costReasoningUsd)}` +
    `,"cost_source":${str(call.costSource)}` +
    `,"duration_ns":${uint(call.durationNs)}` +
    `,"time_to_first_chunk_ns":${uint(call.timeToFirstChunkNs)}` +
    `,"streaming":${call.streaming ? 'true' : 'false'}` +
    `,"error_type":${str(call.errorType)}` +
    `,"finish_reasons":${strArray(call.finishReasons)}` +
    `,"scope_name":${str(call.scopeName)}}`
  );
}

/** One `genai_workflows` row. */
export function workflowRow(row: WorkflowRow): string {
  return (
    `{"trace_id":${str(row.traceId)}` +
    `,"revision":${uint(row.revision)}` +
    `,"first_timestamp":"${formatDateTime64(row.firstTimestampNs)}"` +
    `,"last_timestamp":"${formatDateTime64(row.lastTimestampNs)}"` +
    `,"duration_ns":${uint(row.durationNs)}` +
    `,"root_span_name":${str(row.rootSpanName)}` +
    `,"service_name":${str(row.serviceName)}` +
    `,"environment":${str(row.environment)}` +
    `,"workflow_name":${str(row.workflowName)}` +
    `,"agent_name":${str(row.agentName)}` +
    `,"feature":${str(row.feature)}` +
    `,"user_id":${str(row.userId)}` +
    `,"customer_id":${str(row.customerId)}` +
    `,"calls":${uint(row.calls)}` +
    `,"errors":${uint(row.errors)}` +
    `,"input_tokens":${uint(row.inputTokens)}` +
    `,"output_tokens":${uint(row.outputTokens)}` +
    `,"cache_read_tokens":${uint(row.cacheReadTokens)}` +
    `,"cache_write_tokens":${uint(row.cacheWriteTokens)}` +
    `,"reasoning_tokens":${uint(row.reasoningTokens)}` +
    `,"cost_usd":${float(row.costUsd)}` +
    `,"unpriced_calls":${uint(row.unpricedCalls)}` +
    `,"models":${strArray(row.models)}` +
    `,"tools":${strArray(row.tools)}` +
    `,"spans":${uint(row.spans)}}`
  );
}
