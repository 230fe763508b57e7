/**
 * Encodes pipeline `Span`s as an OTLP ExportTraceServiceRequest (protobuf wire format), the inverse
 * of the receiver's decoder (collector/src/otlp/protobuf-decode.ts) and with the same field numbers
 * (opentelemetry-proto trace/v1, common/v1, resource/v1).
 *
 * Protobuf rather than OTLP/JSON: every OTLP/HTTP receiver must accept it, it is several times
 * smaller for attribute-heavy spans, and it keeps int64/double and bytes values exact where JSON
 * would turn them into strings. Hand-written because the model is already the shape of the
 * message: no intermediate objects, one growable buffer, nested lengths patched in place.
 */
import type { AttrValue, Attributes, Resource, Scope, Span, SpanEvent, SpanLink } from '../../model.ts';

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const encoder = new TextEncoder();

class Writer {
  buf = new Uint8Array(64 * 1024);
  view = new DataView(this.buf.buffer);
  pos = 0;
  private readonly starts: number[] = [];

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  varint(v: number): void {
    this.ensure(10);
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  varint64(v: bigint): void {
    this.ensure(10);
    let x = BigInt.asUintN(64, v);
    while (x > 0x7fn) {
      this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.pos++] = Number(x);
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  fixed64(field: number, v: bigint): void {
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, v), true);
    this.pos += 8;
  }

  fixed32(field: number, v: number): void {
    this.tag(field, WIRE_FIXED32);
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }

  double(field: number, v: number): void {
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  bytes(field: number, b: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  string(field: number, s: string): void {
    this.tag(field, WIRE_LEN);
    // Worst case 3 bytes per UTF-16 unit; the length prefix is patched like a nested message.
    this.ensure(s.length * 3 + 5);
    this.begin();
    const { written } = encoder.encodeInto(s, this.buf.subarray(this.pos));
    this.pos += written;
    this.end();
  }

  hexId(field: number, hex: string): void {
    if (hex === '') return;
    this.tag(field, WIRE_LEN);
    const n = hex.length >> 1;
    this.varint(n);
    this.ensure(n);
    for (let i = 0; i < n; i++) this.buf[this.pos++] = parseInt(hex.substr(i * 2, 2), 16);
  }

  /** Starts a length-delimited value whose length is written by `end`. */
  begin(): void {
    this.starts.push(this.pos);
  }

  end(): void {
    const start = this.starts.pop()!;
    const len = this.pos - start;
    let lenBytes = 1;
    for (let v = len; v > 0x7f; v = Math.floor(v / 128)) lenBytes++;
    this.ensure(lenBytes);
    this.buf.copyWithin(start + lenBytes, start, this.pos);
    let v = len;
    let at = start;
    while (v > 0x7f) {
      this.buf[at++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[at] = v;
    this.pos += lenBytes;
  }

  message(field: number, body: () => void): void {
    this.tag(field, WIRE_LEN);
    this.begin();
    body();
    this.end();
  }
}

function anyValue(w: Writer, v: AttrValue): void {
  if (typeof v === 'string') w.string(1, v);
  else if (typeof v === 'boolean') {
    w.tag(2, WIRE_VARINT);
    w.varint(v ? 1 : 0);
  } else if (typeof v === 'bigint') {
    w.tag(3, WIRE_VARINT);
    w.varint64(v);
  } else if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) {
      w.tag(3, WIRE_VARINT);
      w.varint64(BigInt(v));
    } else w.double(4, v);
  } else if (v instanceof Uint8Array) w.bytes(7, v);
  else if (Array.isArray(v)) w.message(5, () => v.forEach((item) => w.message(1, () => anyValue(w, item))));
  else if (v !== null) w.message(6, () => attributes(w, 1, v));
  // null: an empty AnyValue
}

function attributes(w: Writer, field: number, attrs: Attributes): void {
  for (const key in attrs) {
    const value = attrs[key]!;
    w.message(field, () => {
      w.string(1, key);
      w.message(2, () => anyValue(w, value));
    });
  }
}

function uint(w: Writer, field: number, v: number): void {
  if (v === 0) return;
  w.tag(field, WIRE_VARINT);
  w.varint(v);
}

function resource(w: Writer, r: Resource): void {
  attributes(w, 1, r.attributes);
  uint(w, 2, r.droppedAttributesCount);
}

function scope(w: Writer, s: Scope): void {
  if (s.name !== '') w.string(1, s.name);
  if (s.version !== '') w.string(2, s.version);
  attributes(w, 3, s.attributes);
}

function event(w: Writer, e: SpanEvent): void {
  w.fixed64(1, e.timeUnixNano);
  w.string(2, e.name);
  attributes(w, 3, e.attributes);
  uint(w, 4, e.droppedAttributesCount);
}

function link(w: Writer, l: SpanLink): void {
  w.hexId(1, l.traceId);
  w.hexId(2, l.spanId);
  if (l.traceState !== '') w.string(3, l.traceState);
  attributes(w, 4, l.attributes);
  uint(w, 5, l.droppedAttributesCount);
  if (l.flags !== 0) w.fixed32(6, l.flags);
}

function span(w: Writer, s: Span): void {
  w.hexId(1, s.traceId);
  w.hexId(2, s.spanId);
  if (s.traceState !== '') w.string(3, s.traceState);
  w.hexId(4, s.parentSpanId);
  w.string(5, s.name);
  uint(w, 6, s.kind);
  w.fixed64(7, s.startTimeUnixNano);
  w.fixed64(8, s.endTimeUnixNano);
  attributes(w, 9, s.attributes);
  uint(w, 10, s.droppedAttributesCount);
  for (const e of s.events) w.message(11, () => event(w, e));
  uint(w, 12, s.droppedEventsCount);
  for (const l of s.links) w.message(13, () => link(w, l));
  uint(w, 14, s.droppedLinksCount);
  if (s.status.code !== 0 || s.status.message !== '') {
    w.message(15, () => {
      if (s.status.message !== '') w.string(2, s.status.message);
      uint(w, 3, s.status.code);
    });
  }
  if (s.flags !== 0) w.fixed32(16, s.flags);
}

/**
 * Encodes spans, grouping them back under their shared Resource and Scope objects (the decoder
 * shares one object per ResourceSpans / ScopeSpans), so a forwarded request keeps its structure.
 */
export function encodeTraceRequestProtobuf(spans: readonly Span[]): Uint8Array {
  const byResource = new Map<Resource, Map<Scope, Span[]>>();
  for (const s of spans) {
    let scopes = byResource.get(s.resource);
    if (!scopes) byResource.set(s.resource, (scopes = new Map()));
    let list = scopes.get(s.scope);
    if (!list) scopes.set(s.scope, (list = []));
    list.push(s);
  }
  const w = new Writer();
  for (const [res, scopes] of byResource) {
    w.message(1, () => {
      w.message(1, () => resource(w, res));
      let schemaUrl = '';
      for (const [sc, list] of scopes) {
        schemaUrl ||= list[0]!.resourceSchemaUrl;
        w.message(2, () => {
          w.message(1, () => scope(w, sc));
          for (const s of list) w.message(2, () => span(w, s));
          if (list[0]!.scopeSchemaUrl !== '') w.string(3, list[0]!.scopeSchemaUrl);
        });
      }
      if (schemaUrl !== '') w.string(3, schemaUrl);
    });
  }
  return w.buf.slice(0, w.pos);
}
