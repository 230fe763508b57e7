/**
 * Decodes an OTLP/JSON ExportTraceServiceRequest into the pipeline's `Span`s, producing exactly
 * what the protobuf decoder produces for the same request.
 *
 *   decodeTraceRequestJson(body: Uint8Array | string): DecodedTraceRequest   // throws OtlpDecodeError
 *
 * OTLP's JSON mapping differs from the generic protobuf JSON mapping, and receivers must follow it:
 * trace and span ids are hex strings (not base64), enums are integers, field names are
 * lowerCamelCase, unknown fields are ignored. Also accepted, because producers in the wild send
 * them: snake_case field names, 64-bit integers as strings or numbers, enum value names, and
 * upper-case hex. `bytesValue` is base64. A value of the wrong JSON type is an OtlpDecodeError
 * naming the path of the offending field.
 */
import { Buffer } from 'node:buffer';
import type { AttrValue, Attributes, Resource, Scope, Span, SpanEvent, SpanLink } from '../model.ts';
import { OtlpDecodeError } from './errors.ts';
import { setAttribute } from './attribute-shapes.ts';
import { normalizeParentSpanId, RejectionTally, spanIdProblem } from './span-validation.ts';
import type { DecodedTraceRequest } from './types.ts';

type JsonObject = { [key: string]: unknown };

const utf8 = new TextDecoder();
const MAX_ANY_VALUE_DEPTH = 64;
const UNSIGNED_DECIMAL = /^[0-9]+$/;
const SIGNED_DECIMAL = /^-?[0-9]+$/;
const HEX = /^[0-9a-fA-F]*$/;
const NOT_HEX = 'not-hex';

const SPAN_KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODE_NAMES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

export function decodeTraceRequestJson(body: Uint8Array | string): DecodedTraceRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : utf8.decode(body));
  } catch (error) {
    throw new OtlpDecodeError(`invalid JSON: ${(error as Error).message}`);
  }
  try {
    return decodeRequest(parsed);
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error;
    // Field paths are only built when something is wrong: decode again, tracking them, so the
    // error names the offending field without slowing down every valid request.
    trackingPaths = true;
    try {
      decodeRequest(parsed);
    } finally {
      trackingPaths = false;
    }
    throw error;
  }
}

/** While false (the normal case), `at` and `idx` return '' instead of building path strings. */
let trackingPaths = false;

function at(path: string, name: string): string {
  return trackingPaths ? path + name : '';
}

function idx(path: string, index: number): string {
  return trackingPaths ? `${path}[${index}]` : '';
}

function decodeRequest(parsed: unknown): DecodedTraceRequest {
  const request = asObject(parsed, '$');
  const spans: Span[] = [];
  const rejections = new RejectionTally();
  const resourceSpansList = asArray(field(request, 'resourceSpans', 'resource_spans'), 'resourceSpans');
  for (let r = 0; r < resourceSpansList.length; r++) {
    decodeResourceSpans(asObject(resourceSpansList[r], idx('resourceSpans', r)), idx('resourceSpans', r), spans, rejections);
  }
  return { spans, rejectedSpans: rejections.count, rejectionMessage: rejections.message() };
}

function decodeResourceSpans(json: JsonObject, path: string, spans: Span[], rejections: RejectionTally): void {
  const resourceJson = optionalObject(json.resource, at(path, '.resource'));
  const schemaUrl = asString(field(json, 'schemaUrl', 'schema_url'), at(path, '.schemaUrl'));
  const resource: Resource = {
    attributes: resourceJson ? decodeAttributes(resourceJson.attributes, at(path, '.resource.attributes')) : {},
    droppedAttributesCount: resourceJson
      ? asUint32(field(resourceJson, 'droppedAttributesCount', 'dropped_attributes_count'), at(path, '.resource.droppedAttributesCount'))
      : 0,
    schemaUrl,
  };
  const scopeSpansList = asArray(field(json, 'scopeSpans', 'scope_spans'), at(path, '.scopeSpans'));
  for (let s = 0; s < scopeSpansList.length; s++) {
    const scopePath = idx(at(path, '.scopeSpans'), s);
    const scopeSpans = asObject(scopeSpansList[s], scopePath);
    const scopeJson = optionalObject(scopeSpans.scope, at(scopePath, '.scope'));
    const scope: Scope = {
      name: scopeJson ? asString(scopeJson.name, at(scopePath, '.scope.name')) : '',
      version: scopeJson ? asString(scopeJson.version, at(scopePath, '.scope.version')) : '',
      attributes: scopeJson ? decodeAttributes(scopeJson.attributes, at(scopePath, '.scope.attributes')) : {},
    };
    const scopeSchemaUrl = asString(field(scopeSpans, 'schemaUrl', 'schema_url'), at(scopePath, '.schemaUrl'));
    const spanList = asArray(scopeSpans.spans, at(scopePath, '.spans'));
    for (let i = 0; i < spanList.length; i++) {
      const spanPath = idx(at(scopePath, '.spans'), i);
      const span = decodeSpan(asObject(spanList[i], spanPath), spanPath, resource, scope);
      span.resourceSchemaUrl = schemaUrl;
      span.scopeSchemaUrl = scopeSchemaUrl;
      const problem =
        span.traceId === NOT_HEX || span.spanId === NOT_HEX || span.parentSpanId === NOT_HEX
          ? 'ids must be hex strings'
          : spanIdProblem(span.traceId, span.spanId);
      if (problem === '') spans.push(span);
      else rejections.reject(span, problem);
    }
  }
}

function decodeSpan(json: JsonObject, path: string, resource: Resource, scope: Scope): Span {
  const statusJson = optionalObject(json.status, at(path, '.status'));
  return {
    traceId: asHexId(field(json, 'traceId', 'trace_id'), at(path, '.traceId')),
    spanId: asHexId(field(json, 'spanId', 'span_id'), at(path, '.spanId')),
    parentSpanId: normalizeParentSpanId(asHexId(field(json, 'parentSpanId', 'parent_span_id'), at(path, '.parentSpanId'))),
    traceState: asString(field(json, 'traceState', 'trace_state'), at(path, '.traceState')),
    flags: asUint32(json.flags, at(path, '.flags')),
    name: asString(json.name, at(path, '.name')),
    kind: asEnum(json.kind, SPAN_KIND_NAMES, at(path, '.kind')),
    startTimeUnixNano: asUint64(field(json, 'startTimeUnixNano', 'start_time_unix_nano'), at(path, '.startTimeUnixNano')),
    endTimeUnixNano: asUint64(field(json, 'endTimeUnixNano', 'end_time_unix_nano'), at(path, '.endTimeUnixNano')),
    attributes: decodeAttributes(json.attributes, at(path, '.attributes')),
    droppedAttributesCount: asUint32(field(json, 'droppedAttributesCount', 'dropped_attributes_count'), at(path, '.droppedAttributesCount')),
    events: asArray(json.events, at(path, '.events')).map((event, i) => decodeEvent(asObject(event, idx(at(path, '.events'), i)), idx(at(path, '.events'), i))),
    droppedEventsCount: asUint32(field(json, 'droppedEventsCount', 'dropped_events_count'), at(path, '.droppedEventsCount')),
    links: asArray(json.links, at(path, '.links')).map((link, i) => decodeLink(asObject(link, idx(at(path, '.links'), i)), idx(at(path, '.links'), i))),
    droppedLinksCount: asUint32(field(json, 'droppedLinksCount', 'dropped_links_count'), at(path, '.droppedLinksCount')),
    status: {
      code: statusJson ? asEnum(statusJson.code, STATUS_CODE_NAMES, at(path, '.status.code')) : 0,
      message: statusJson ? asString(statusJson.message, at(path, '.status.message')) : '',
    },
    resource,
    resourceSchemaUrl: '',
    scope,
    scopeSchemaUrl: '',
  };
}

function decodeEvent(json: JsonObject, path: string): SpanEvent {
  return {
    timeUnixNano: asUint64(field(json, 'timeUnixNano', 'time_unix_nano'), at(path, '.timeUnixNano')),
    name: asString(json.name, at(path, '.name')),
    attributes: decodeAttributes(json.attributes, at(path, '.attributes')),
    droppedAttributesCount: asUint32(field(json, 'droppedAttributesCount', 'dropped_attributes_count'), at(path, '.droppedAttributesCount')),
  };
}

function decodeLink(json: JsonObject, path: string): SpanLink {
  return {
    traceId: hexOrEmpty(asHexId(field(json, 'traceId', 'trace_id'), at(path, '.traceId'))),
    spanId: hexOrEmpty(asHexId(field(json, 'spanId', 'span_id'), at(path, '.spanId'))),
    traceState: asString(field(json, 'traceState', 'trace_state'), at(path, '.traceState')),
    attributes: decodeAttributes(json.attributes, at(path, '.attributes')),
    droppedAttributesCount: asUint32(field(json, 'droppedAttributesCount', 'dropped_attributes_count'), at(path, '.droppedAttributesCount')),
    flags: asUint32(json.flags, at(path, '.flags')),
  };
}

function decodeAttributes(json: unknown, path: string, depth = 0): Attributes {
  const attributes: Attributes = {};
  const list = asArray(json, path);
  for (let i = 0; i < list.length; i++) {
    const keyValue = asObject(list[i], idx(path, i));
    const key = asString(keyValue.key, at(idx(path, i), '.key'));
    setAttribute(attributes, key, decodeAnyValue(keyValue.value, at(idx(path, i), '.value'), depth));
  }
  return attributes;
}

/** An AnyValue with no known field set (or absent) decodes to null, as in protobuf. */
function decodeAnyValue(json: unknown, path: string, depth: number): AttrValue {
  if (json === undefined || json === null) return null;
  const value = asObject(json, path);
  const stringValue = field(value, 'stringValue', 'string_value');
  if (stringValue !== undefined) return asString(stringValue, at(path, '.stringValue'));
  const boolValue = field(value, 'boolValue', 'bool_value');
  if (boolValue !== undefined) {
    if (typeof boolValue !== 'boolean') fail(at(path, '.boolValue'), 'expected a boolean');
    return boolValue;
  }
  const intValue = field(value, 'intValue', 'int_value');
  if (intValue !== undefined) return asInt64(intValue, at(path, '.intValue'));
  const doubleValue = field(value, 'doubleValue', 'double_value');
  if (doubleValue !== undefined) return asDouble(doubleValue, at(path, '.doubleValue'));
  const arrayValue = field(value, 'arrayValue', 'array_value');
  if (arrayValue !== undefined) {
    if (depth >= MAX_ANY_VALUE_DEPTH) fail(path, `AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
    const items = asArray(asObject(arrayValue, at(path, '.arrayValue')).values, at(path, '.arrayValue.values'));
    return items.map((item, i) => decodeAnyValue(item, idx(at(path, '.arrayValue.values'), i), depth + 1));
  }
  const kvlistValue = field(value, 'kvlistValue', 'kvlist_value');
  if (kvlistValue !== undefined) {
    if (depth >= MAX_ANY_VALUE_DEPTH) fail(path, `AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
    return decodeAttributes(asObject(kvlistValue, at(path, '.kvlistValue')).values, at(path, '.kvlistValue.values'), depth + 1);
  }
  const bytesValue = field(value, 'bytesValue', 'bytes_value');
  if (bytesValue !== undefined) {
    const text = asString(bytesValue, at(path, '.bytesValue'));
    // Node's base64 decoder also takes the URL-safe alphabet, which the protobuf JSON mapping allows.
    const decoded = Buffer.from(text, 'base64');
    const bytes = new Uint8Array(decoded.byteLength);
    bytes.set(decoded);
    return bytes;
  }
  return null;
}

// ---- field access and scalar conversions ---------------------------------------------------

/** The field under its lowerCamelCase or snake_case name; null counts as absent, as in proto3 JSON. */
function field(json: JsonObject, camel: string, snake: string): unknown {
  const value = json[camel] ?? json[snake];
  return value === null ? undefined : value;
}

function fail(path: string, problem: string): never {
  throw new OtlpDecodeError(`invalid ExportTraceServiceRequest JSON: ${path}: ${problem}`);
}

function asObject(json: unknown, path: string): JsonObject {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(path, 'expected an object');
  return json as JsonObject;
}

function optionalObject(json: unknown, path: string): JsonObject | undefined {
  return json === undefined || json === null ? undefined : asObject(json, path);
}

/** Absent and null mean the empty list, as an unset repeated field does in protobuf. */
function asArray(json: unknown, path: string): unknown[] {
  if (json === undefined || json === null) return [];
  if (!Array.isArray(json)) fail(path, 'expected an array');
  return json;
}

function asString(json: unknown, path: string): string {
  if (json === undefined || json === null) return '';
  if (typeof json !== 'string') fail(path, 'expected a string');
  return json;
}

/**
 * A non-hex id becomes NOT_HEX, which the span check rejects (one span lost, not the request),
 * just as a wrong-length id in protobuf is.
 */
function asHexId(json: unknown, path: string): string {
  const text = asString(json, path);
  if (!HEX.test(text) || text.length % 2 !== 0) return NOT_HEX;
  return text.toLowerCase();
}

/** A link is kept even when its ids are unusable; it simply points nowhere. */
function hexOrEmpty(id: string): string {
  return id === NOT_HEX ? '' : id;
}

function asUint32(json: unknown, path: string): number {
  if (json === undefined || json === null) return 0;
  const value = typeof json === 'string' && UNSIGNED_DECIMAL.test(json) ? Number(json) : json;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    fail(path, 'expected an unsigned 32-bit integer');
  }
  return value;
}

function asUint64(json: unknown, path: string): bigint {
  if (json === undefined || json === null) return 0n;
  if (typeof json === 'string' && UNSIGNED_DECIMAL.test(json)) {
    const value = BigInt(json);
    if (value <= 0xffffffffffffffffn) return value;
  }
  if (typeof json === 'number' && Number.isSafeInteger(json) && json >= 0) return BigInt(json);
  return fail(path, 'expected an unsigned 64-bit integer (a decimal string or an exact number)');
}

function asInt64(json: unknown, path: string): number | bigint {
  if (typeof json === 'number' && Number.isInteger(json)) {
    if (Number.isSafeInteger(json)) return json;
    // Not exactly representable as sent; keep the integer JSON.parse produced.
    return BigInt(json);
  }
  if (typeof json === 'string' && SIGNED_DECIMAL.test(json)) {
    const asNumber = Number(json);
    if (Number.isSafeInteger(asNumber)) return asNumber;
    const value = BigInt(json);
    if (value >= -(2n ** 63n) && value < 2n ** 63n) return value;
  }
  return fail(path, 'expected a signed 64-bit integer (a decimal string or an integer number)');
}

function asDouble(json: unknown, path: string): number {
  if (typeof json === 'number') return json;
  if (json === 'NaN') return Number.NaN;
  if (json === 'Infinity') return Number.POSITIVE_INFINITY;
  if (json === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof json === 'string' && json.trim() !== '' && Number.isFinite(Number(json))) return Number(json);
  return fail(path, 'expected a number');
}

function asEnum(json: unknown, names: Record<string, number>, path: string): number {
  if (json === undefined || json === null) return 0;
  if (typeof json === 'number' && Number.isInteger(json)) return json;
  if (typeof json === 'string') {
    const byName = names[json];
    if (byName !== undefined) return byName;
    if (/^-?[0-9]+$/.test(json)) return Number(json);
  }
  return fail(path, 'expected an enum value (an integer)');
}
