/**
 * Decodes an OTLP ExportTraceServiceRequest (protobuf wire format) into the pipeline's `Span`s.
 *
 *   decodeTraceRequestProtobuf(body: Uint8Array): DecodedTraceRequest   // throws OtlpDecodeError
 *
 * Why hand-written: nothing on npm decodes ExportTraceServiceRequest into plain objects
 * (@opentelemetry/otlp-transformer only encodes requests), and a generic protobuf runtime needs
 * the .proto files at run time and builds intermediate message objects that we would then copy
 * into `Span`s. Decoding the handful of trace messages straight into the model is both simpler
 * and several times faster, and decoding is on the ingest hot path.
 *
 * Shape of the output: every span of one ResourceSpans shares one `Resource` object and every
 * span of one ScopeSpans shares one `Scope` object. Ids are lower-case hex; timestamps are bigint
 * nanoseconds; int64 attribute values are numbers when they fit in 2^53 and bigint otherwise.
 * Which fields each message has, and their wire types, come from trace-fields.ts: unknown fields
 * are skipped by wire type (newer producers stay compatible); a known field with the wrong wire
 * type, a truncated value or a length past its message is an OtlpDecodeError. protobuf-scan.ts
 * walks the same messages from the same tables without building spans; a change to what is
 * accepted here belongs there too (the scan tests compare both on damaged input).
 */
import { Buffer } from 'node:buffer';
import type { AttrValue, Attributes, Resource, Scope, Span, SpanEvent, SpanLink } from '../model.ts';
import { normalizeParentSpanId, RejectionTally, spanIdProblem } from './span-validation.ts';
import type { DecodedTraceRequest } from './types.ts';
import { TRACE_MESSAGES } from './trace-fields.ts';
import { WireReader } from './wire-reader.ts';
import { AttributeCollector, setAttribute } from './attribute-shapes.ts';

/** Keys up to this many bytes go through the key cache (see cachedKey). */
const CACHED_KEY_MAX = 64;
const STRING_CACHE_SLOTS = 4096;
/**
 * Shared by all decodes: the same keys recur across requests. Bounded at 4096 short keys. Each
 * slot's bytes sit at `slot * CACHED_KEY_MAX` in one buffer, so a hit is confirmed four bytes at a
 * time; a length of -1 marks an empty slot.
 */
const keyCacheBytes = new Uint8Array(STRING_CACHE_SLOTS * CACHED_KEY_MAX);
const keyCacheView = new DataView(keyCacheBytes.buffer);
const keyCacheLengths = new Int32Array(STRING_CACHE_SLOTS).fill(-1);
const keyCacheValues: (string | undefined)[] = new Array(STRING_CACHE_SLOTS).fill(undefined);
/** String attribute values up to this many bytes go through the value cache (see cachedValue). */
const CACHED_VALUE_MAX = 32;
/** Shared by all decodes, like the key cache, but apart from it so values never evict keys. */
const valueCache: (string | undefined)[] = new Array(STRING_CACHE_SLOTS).fill(undefined);
/** A span's attributes until its end, where the decoded ones replace it (never mutated). */
const NO_ATTRIBUTES: Attributes = Object.freeze({});

class ProtobufTraceDecoder extends WireReader {
  /**
   * `utf8Slice` is the method `Buffer#toString('utf8', start, end)` calls after checking its
   * arguments; the decoder has already checked them, and this call sits on the hottest path.
   */
  private readonly nodeBuf: Buffer & { utf8Slice(start: number, end: number): string };
  private readonly view: DataView;
  private readonly messages = TRACE_MESSAGES;
  readonly spans: Span[] = [];
  readonly rejections = new RejectionTally();
  /** The span being decoded's attributes, built into one object when the span ends. */
  private readonly spanAttributes = new AttributeCollector();
  /** The key-cache slot of the key `readKey` returned last; -1 when it did not go through the cache. */
  private keySlot = -1;
  /** The key of the KeyValue `readKeyValue` read last. */
  private keyValueKey = '';

  constructor(body: Uint8Array) {
    super(body);
    this.nodeBuf = Buffer.from(body.buffer, body.byteOffset, body.byteLength) as Buffer & { utf8Slice(start: number, end: number): string };
    this.view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  }

  decodeRequest(): void {
    const end = this.buf.length;
    while (this.pos < end) {
      if (this.nextField(this.messages.exportTraceServiceRequest, end) === 1) this.decodeResourceSpans(this.readMessageEnd(end));
    }
  }

  // ---- messages ---------------------------------------------------------------------------

  private decodeResourceSpans(end: number): void {
    // Resource is filled in place so spans decoded before it (fields may come in any order) still
    // share the final object.
    const resource: Resource = { attributes: {}, droppedAttributesCount: 0, schemaUrl: '' };
    const firstSpan = this.spans.length;
    let schemaUrl = '';
    while (this.pos < end) {
      const field = this.nextField(this.messages.resourceSpans, end);
      switch (field) {
        case 1:
          this.decodeResource(resource, this.readMessageEnd(end));
          break;
        case 2:
          this.decodeScopeSpans(resource, this.readMessageEnd(end));
          break;
        case 3:
          schemaUrl = this.readString(end);
          break;
        default:
          this.skipFieldValue(this.messages.resourceSpans, field, end);
      }
    }
    if (schemaUrl !== '') {
      resource.schemaUrl = schemaUrl;
      for (let i = firstSpan; i < this.spans.length; i++) this.spans[i]!.resourceSchemaUrl = schemaUrl;
    }
  }

  private decodeResource(resource: Resource, end: number): void {
    while (this.pos < end) {
      const field = this.nextField(this.messages.resource, end);
      switch (field) {
        case 1:
          this.decodeKeyValue(resource.attributes, this.readMessageEnd(end), 0);
          break;
        case 2:
          resource.droppedAttributesCount = this.readVarint32(end);
          break;
        default:
          this.skipFieldValue(this.messages.resource, field, end);
      }
    }
  }

  private decodeScopeSpans(resource: Resource, end: number): void {
    const scope: Scope = { name: '', version: '', attributes: {} };
    const firstSpan = this.spans.length;
    let schemaUrl = '';
    while (this.pos < end) {
      const field = this.nextField(this.messages.scopeSpans, end);
      switch (field) {
        case 1:
          this.decodeScope(scope, this.readMessageEnd(end));
          break;
        case 2:
          this.decodeSpan(resource, scope, this.readMessageEnd(end));
          break;
        case 3:
          schemaUrl = this.readString(end);
          break;
        default:
          this.skipFieldValue(this.messages.scopeSpans, field, end);
      }
    }
    if (schemaUrl !== '') {
      for (let i = firstSpan; i < this.spans.length; i++) this.spans[i]!.scopeSchemaUrl = schemaUrl;
    }
  }

  private decodeScope(scope: Scope, end: number): void {
    while (this.pos < end) {
      const field = this.nextField(this.messages.instrumentationScope, end);
      switch (field) {
        case 1:
          scope.name = this.readString(end);
          break;
        case 2:
          scope.version = this.readString(end);
          break;
        case 3:
          this.decodeKeyValue(scope.attributes, this.readMessageEnd(end), 0);
          break;
        default:
          this.skipFieldValue(this.messages.instrumentationScope, field, end);
      }
    }
  }

  private decodeSpan(resource: Resource, scope: Scope, end: number): void {
    // One literal with every field keeps all spans on one hidden class.
    const span: Span = {
      traceId: '',
      spanId: '',
      parentSpanId: '',
      traceState: '',
      flags: 0,
      name: '',
      kind: 0,
      startTimeUnixNano: 0n,
      endTimeUnixNano: 0n,
      attributes: NO_ATTRIBUTES,
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: 0, message: '' },
      resource,
      resourceSchemaUrl: '',
      scope,
      scopeSchemaUrl: '',
    };
    this.spanAttributes.reset();
    while (this.pos < end) {
      const field = this.nextField(this.messages.span, end);
      switch (field) {
        case 1:
          span.traceId = this.readHex(end);
          break;
        case 2:
          span.spanId = this.readHex(end);
          break;
        case 3:
          span.traceState = this.readString(end);
          break;
        case 4:
          span.parentSpanId = this.readHex(end);
          break;
        case 5:
          span.name = this.readString(end);
          break;
        case 6:
          span.kind = this.readVarint32(end) | 0; // int32 enum: negative values stay negative
          break;
        case 7:
          span.startTimeUnixNano = this.readFixed64(end);
          break;
        case 8:
          span.endTimeUnixNano = this.readFixed64(end);
          break;
        case 9:
          this.decodeSpanAttribute(this.readMessageEnd(end));
          break;
        case 10:
          span.droppedAttributesCount = this.readVarint32(end);
          break;
        case 11:
          span.events.push(this.decodeEvent(this.readMessageEnd(end)));
          break;
        case 12:
          span.droppedEventsCount = this.readVarint32(end);
          break;
        case 13:
          span.links.push(this.decodeLink(this.readMessageEnd(end)));
          break;
        case 14:
          span.droppedLinksCount = this.readVarint32(end);
          break;
        case 15:
          this.decodeStatus(span.status, this.readMessageEnd(end));
          break;
        case 16:
          span.flags = this.readFixed32(end);
          break;
        default:
          this.skipFieldValue(this.messages.span, field, end);
      }
    }
    span.attributes = this.spanAttributes.build();
    span.parentSpanId = normalizeParentSpanId(span.parentSpanId);
    const problem = spanIdProblem(span.traceId, span.spanId);
    if (problem === '') this.spans.push(span);
    else this.rejections.reject(span, problem);
  }

  private decodeEvent(end: number): SpanEvent {
    const event: SpanEvent = { timeUnixNano: 0n, name: '', attributes: {}, droppedAttributesCount: 0 };
    while (this.pos < end) {
      const field = this.nextField(this.messages.spanEvent, end);
      switch (field) {
        case 1:
          event.timeUnixNano = this.readFixed64(end);
          break;
        case 2:
          event.name = this.readString(end);
          break;
        case 3:
          this.decodeKeyValue(event.attributes, this.readMessageEnd(end), 0);
          break;
        case 4:
          event.droppedAttributesCount = this.readVarint32(end);
          break;
        default:
          this.skipFieldValue(this.messages.spanEvent, field, end);
      }
    }
    return event;
  }

  private decodeLink(end: number): SpanLink {
    const link: SpanLink = { traceId: '', spanId: '', traceState: '', attributes: {}, droppedAttributesCount: 0, flags: 0 };
    while (this.pos < end) {
      const field = this.nextField(this.messages.spanLink, end);
      switch (field) {
        case 1:
          link.traceId = this.readHex(end);
          break;
        case 2:
          link.spanId = this.readHex(end);
          break;
        case 3:
          link.traceState = this.readString(end);
          break;
        case 4:
          this.decodeKeyValue(link.attributes, this.readMessageEnd(end), 0);
          break;
        case 5:
          link.droppedAttributesCount = this.readVarint32(end);
          break;
        case 6:
          link.flags = this.readFixed32(end);
          break;
        default:
          this.skipFieldValue(this.messages.spanLink, field, end);
      }
    }
    return link;
  }

  private decodeStatus(status: { code: number; message: string }, end: number): void {
    while (this.pos < end) {
      const field = this.nextField(this.messages.status, end);
      switch (field) {
        case 2:
          status.message = this.readString(end);
          break;
        case 3:
          status.code = this.readVarint32(end) | 0;
          break;
        default:
          this.skipFieldValue(this.messages.status, field, end);
      }
    }
  }

  /** Decodes one KeyValue message and stores it into `into` (a later duplicate key wins). */
  private decodeKeyValue(into: Attributes, end: number, depth: number): void {
    const value = this.readKeyValue(end, depth);
    setAttribute(into, this.keyValueKey, value);
  }

  /** Decodes one KeyValue of a span's attributes into the span's attribute collector. */
  private decodeSpanAttribute(end: number): void {
    const value = this.readKeyValue(end, 0);
    this.spanAttributes.add(this.keyValueKey, value, this.keySlot);
  }

  /**
   * Reads one KeyValue message: returns its value and leaves its key in `keyValueKey` and the key's
   * cache slot in `keySlot`. Both are set after the value is read, which may hold KeyValues of its own.
   */
  private readKeyValue(end: number, depth: number): AttrValue {
    let key = '';
    let slot = -1;
    let value: AttrValue = null;
    while (this.pos < end) {
      const field = this.nextField(this.messages.keyValue, end);
      switch (field) {
        case 1:
          key = this.readKey(end);
          slot = this.keySlot;
          break;
        case 2:
          value = this.decodeAnyValue(this.readMessageEnd(end), depth);
          break;
        default:
          this.skipFieldValue(this.messages.keyValue, field, end);
      }
    }
    this.keyValueKey = key;
    this.keySlot = slot;
    return value;
  }

  /** An AnyValue with no field set decodes to null; with several set, the last one wins. */
  private decodeAnyValue(end: number, depth: number): AttrValue {
    let value: AttrValue = null;
    while (this.pos < end) {
      const field = this.nextField(this.messages.anyValue, end);
      switch (field) {
        case 1:
          value = this.readStringValue(end);
          break;
        case 2:
          value = this.readVarint32(end) !== 0;
          break;
        case 3:
          value = this.readInt64(end);
          break;
        case 4:
          value = this.readDouble(end);
          break;
        case 5:
          value = this.decodeArrayValue(this.readMessageEnd(end), depth + 1);
          break;
        case 6:
          value = this.decodeKeyValueList(this.readMessageEnd(end), depth + 1);
          break;
        case 7:
          value = this.readBytesCopy(end);
          break;
        default:
          this.skipFieldValue(this.messages.anyValue, field, end);
      }
    }
    return value;
  }

  private decodeArrayValue(end: number, depth: number): AttrValue[] {
    this.checkAnyValueDepth(depth);
    const values: AttrValue[] = [];
    while (this.pos < end) {
      if (this.nextField(this.messages.repeatedValues, end) === 1) values.push(this.decodeAnyValue(this.readMessageEnd(end), depth));
    }
    return values;
  }

  private decodeKeyValueList(end: number, depth: number): { [key: string]: AttrValue } {
    this.checkAnyValueDepth(depth);
    const values: { [key: string]: AttrValue } = {};
    while (this.pos < end) {
      if (this.nextField(this.messages.repeatedValues, end) === 1) this.decodeKeyValue(values, this.readMessageEnd(end), depth);
    }
    return values;
  }

  // ---- scalars ----------------------------------------------------------------------------

  /** int64 as a number when it is exactly representable, as a bigint otherwise. */
  private readInt64(end: number): number | bigint {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let i = 0;
    for (; ; i++) {
      if (i >= 10) this.fail('varint longer than 10 bytes', pos);
      if (pos >= end) this.fail('truncated varint', pos);
      const b = buf[pos++]!;
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= bits << 28;
        hi = bits >>> 4;
      } else hi |= bits << (7 * i - 32);
      if (b < 0x80) break;
    }
    this.pos = pos;
    lo >>>= 0;
    hi >>>= 0;
    if (hi < 0x200000) return hi * 0x100000000 + lo; // below 2^53
    if (hi >= 0xffe00000) {
      // Negative with magnitude at most 2^53: two's complement back to a number.
      const value = -((~hi >>> 0) * 0x100000000 + (~lo >>> 0) + 1);
      if (Number.isSafeInteger(value)) return value;
    }
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  private readFixed64(end: number): bigint {
    const pos = this.pos;
    if (pos + 8 > end) this.fail('truncated fixed64', pos);
    this.pos = pos + 8;
    return this.view.getBigUint64(pos, true);
  }

  private readFixed32(end: number): number {
    const pos = this.pos;
    if (pos + 4 > end) this.fail('truncated fixed32', pos);
    this.pos = pos + 4;
    return this.view.getUint32(pos, true);
  }

  private readDouble(end: number): number {
    const pos = this.pos;
    if (pos + 8 > end) this.fail('truncated double', pos);
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /** Steps over a length-delimited value; returns where it starts (it ends at the new position). */
  private skipBytes(end: number): number {
    const stop = this.readMessageEnd(end);
    const start = this.pos;
    this.pos = stop;
    return start;
  }

  private readString(end: number): string {
    const start = this.skipBytes(end);
    return start === this.pos ? '' : this.nodeBuf.utf8Slice(start, this.pos);
  }

  /** A string attribute value: short ones go through the value cache. */
  private readStringValue(end: number): string {
    const start = this.skipBytes(end);
    const stop = this.pos;
    if (stop === start) return '';
    if (stop - start <= CACHED_VALUE_MAX) return this.cachedValue(start, stop);
    return this.nodeBuf.utf8Slice(start, stop);
  }

  /**
   * Short string values repeat too (operation and provider names, models, finish reasons, feature
   * and team names). Reusing the string decoded last time for the same bytes skips a native call and
   * an allocation. Only ASCII strings are kept, so a hit is confirmed by comparing character codes
   * with bytes, and a miss stores no copy of the bytes.
   */
  private cachedValue(start: number, stop: number): string {
    const buf = this.buf;
    const length = stop - start;
    const slot = cacheSlot(buf, start, stop);
    const cached = valueCache[slot];
    if (cached !== undefined && cached.length === length) {
      let i = 0;
      while (i < length && cached.charCodeAt(i) === buf[start + i]) i++;
      if (i === length) return cached;
    }
    const value = this.nodeBuf.utf8Slice(start, stop);
    // One UTF-16 unit per byte only when every byte is ASCII (or invalid, decoding to U+FFFD, which
    // no byte compares equal to): such a string can be matched against bytes later.
    if (value.length === length) valueCache[slot] = value;
    return value;
  }

  /** An attribute key: short ones go through the key cache. */
  private readKey(end: number): string {
    const start = this.skipBytes(end);
    const stop = this.pos;
    this.keySlot = -1;
    if (stop === start) return '';
    if (stop - start <= CACHED_KEY_MAX) return this.cachedKey(start, stop);
    return this.nodeBuf.utf8Slice(start, stop);
  }

  /**
   * Attribute keys repeat from span to span. Returning the same string instance for the same bytes
   * skips a native decode, an allocation, and V8 having to internalize a fresh string on every
   * property store, which otherwise dominates decoding. A hit is confirmed by comparing the bytes.
   */
  private cachedKey(start: number, stop: number): string {
    const buf = this.buf;
    const length = stop - start;
    const slot = cacheSlot(buf, start, stop);
    this.keySlot = slot;
    const at = slot * CACHED_KEY_MAX;
    if (keyCacheLengths[slot] === length && this.matchesCachedKey(start, length, at)) return keyCacheValues[slot]!;
    const value = this.nodeBuf.utf8Slice(start, stop);
    keyCacheBytes.set(buf.subarray(start, stop), at);
    keyCacheLengths[slot] = length;
    keyCacheValues[slot] = value;
    return value;
  }

  /** Whether `length` bytes of the body at `start` equal those of the key cache at `at`. */
  private matchesCachedKey(start: number, length: number, at: number): boolean {
    const view = this.view;
    let i = 0;
    for (; i + 4 <= length; i += 4) if (view.getUint32(start + i, true) !== keyCacheView.getUint32(at + i, true)) return false;
    const buf = this.buf;
    for (; i < length; i++) if (buf[start + i] !== keyCacheBytes[at + i]) return false;
    return true;
  }

  private readHex(end: number): string {
    const start = this.skipBytes(end);
    return this.hex(start, this.pos);
  }

  /** Copies bytes values out so an attribute never keeps the whole request body alive. */
  private readBytesCopy(end: number): Uint8Array {
    const start = this.skipBytes(end);
    return this.buf.slice(start, this.pos);
  }
}

/**
 * A cache slot for the bytes [start, stop), from the length and a few bytes (strings share prefixes,
 * so the last bytes matter most).
 */
function cacheSlot(buf: Uint8Array, start: number, stop: number): number {
  const length = stop - start;
  let hash = Math.imul(length, 0x9e3779b1);
  hash = Math.imul(hash ^ buf[stop - 1]!, 0x01000193);
  hash = Math.imul(hash ^ buf[stop - 2 >= start ? stop - 2 : start]!, 0x01000193);
  hash = Math.imul(hash ^ buf[start + (length >>> 1)]!, 0x01000193);
  hash = Math.imul(hash ^ buf[start + (length >>> 2)]!, 0x01000193);
  hash = Math.imul(hash ^ buf[stop - 1 - (length >>> 2)]!, 0x01000193);
  return (hash ^ (hash >>> 15)) & (STRING_CACHE_SLOTS - 1);
}


/** Decodes a protobuf ExportTraceServiceRequest. Throws OtlpDecodeError on malformed input. */
export function decodeTraceRequestProtobuf(body: Uint8Array): DecodedTraceRequest {
  const decoder = new ProtobufTraceDecoder(body);
  decoder.decodeRequest();
  return {
    spans: decoder.spans,
    rejectedSpans: decoder.rejections.count,
    rejectionMessage: decoder.rejections.message(),
  };
}
