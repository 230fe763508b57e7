import { describe, expect, it } from 'vitest';
import type { Resource, Scope, Span } from '../src/model.ts';
import { decodeTraceRequestJson } from '../src/otlp/json-decode.ts';
import { decodeTraceRequestProtobuf } from '../src/otlp/protobuf-decode.ts';
import { OtlpDecodeError } from '../src/otlp/errors.ts';
import { encodeJson, encodeProtobuf, genAiSpans, readableSpan } from './fixtures/otlp-fixtures.ts';
import type { FixtureResource, FixtureScope } from './fixtures/otlp-fixtures.ts';

const TRACE_A = '5b8efff798038103d269b633813fc60c';
const TRACE_B = '0af7651916cd43dd8448eb211c80319c';
const SPAN_1 = 'eee19b7ec3c1b174';
const SPAN_2 = 'b7ad6b7169203331';
const SPAN_3 = '00f067aa0ba902b7';
const HUGE = 'x'.repeat(1024 * 1024);
const HUGE_BYTES = Uint8Array.from({ length: 1024 * 1024 }, (_, i) => i % 251);

const resourceA: FixtureResource = {
  attributes: { 'service.name': 'checkout', 'deployment.environment.name': 'prod', 'process.pid': 77 },
  schemaUrl: 'https://opentelemetry.io/schemas/1.37.0',
};
const resourceB: FixtureResource = { attributes: { 'service.name': 'billing' } };
const scopeA1: FixtureScope = { name: 'openai-instrumentation', version: '1.2.3', schemaUrl: 'https://opentelemetry.io/schemas/1.30.0', attributes: { 'scope.kind': 'llm' } };
const scopeA2: FixtureScope = { name: 'http' };
const scopeB: FixtureScope = { name: 'billing-jobs', version: '0.0.1' };

/** One attribute of every AnyValue kind, with the edge values of each. */
const EDGE_CASE_ATTRIBUTES = {
  string: 'héllo wörld ✓ 🚀',
  empty: '',
  ascii: 'plain',
  huge: HUGE,
  true: true,
  false: false,
  zero: 0,
  int: 42,
  negative: -42,
  maxSafe: Number.MAX_SAFE_INTEGER,
  minSafe: Number.MIN_SAFE_INTEGER,
  big: 2 ** 60,
  bigNegative: -(2 ** 60),
  double: 0.25,
  negativeDouble: -1.5e-300,
  bytes: Uint8Array.of(0, 1, 254, 255),
  emptyBytes: new Uint8Array(0),
  hugeBytes: HUGE_BYTES,
  strings: ['a', 'b', ''],
  mixed: ['x', 1, 2.5, true, null],
  nested: [[1, [2, [3]]], { deep: { deeper: ['y'] } }],
  emptyArray: [],
  map: { model: 'gpt-4o', tokens: 12, inner: { list: [1, 'two'], flag: false } },
  emptyMap: {},
  nothing: null,
};

/** Spans covering every field and AnyValue kind, across two resources and three scopes. */
function edgeCaseSpans() {
  return [
    readableSpan({
      traceId: TRACE_A,
      spanId: SPAN_1,
      traceState: 'vendor=abc,other=1',
      name: 'chat gpt-4o',
      kind: 2,
      startTime: [1_760_000_000, 123_456_789],
      endTime: [1_760_000_001, 999_999_999],
      resource: resourceA,
      scope: scopeA1,
      attributes: EDGE_CASE_ATTRIBUTES,
      events: [
        { name: 'first-token', time: [1_760_000_000, 500_000_001], attributes: { 'ttft.ms': 120.5 }, droppedAttributesCount: 2 },
        { name: 'empty', time: [1_760_000_001, 0] },
      ],
      links: [
        { traceId: TRACE_B, spanId: SPAN_3, traceFlags: 1, isRemote: true, traceState: 'k=v', attributes: { reason: 'retry' }, droppedAttributesCount: 1 },
      ],
      status: { code: 2, message: 'rate limited' },
      droppedAttributesCount: 3,
      droppedEventsCount: 4,
      droppedLinksCount: 5,
    }),
    readableSpan({
      traceId: TRACE_A,
      spanId: SPAN_2,
      parentSpanId: SPAN_1,
      parentIsRemote: true,
      name: 'POST /v1/chat',
      kind: 0,
      startTime: [0, 1],
      endTime: [18_446_744_073, 709_551_615],
      resource: resourceA,
      scope: scopeA2,
      status: { code: 1 },
    }),
    readableSpan({
      traceId: TRACE_B,
      spanId: SPAN_3,
      parentSpanId: SPAN_1,
      traceFlags: 0,
      name: '',
      kind: 4,
      startTime: [1_700_000_000, 0],
      endTime: [1_700_000_000, 1],
      resource: resourceB,
      scope: scopeB,
    }),
  ];
}

function expectedEdgeCaseSpans(): Span[] {
  const resA: Resource = {
    attributes: { 'service.name': 'checkout', 'deployment.environment.name': 'prod', 'process.pid': 77 },
    droppedAttributesCount: 0,
    schemaUrl: 'https://opentelemetry.io/schemas/1.37.0',
  };
  const resB: Resource = { attributes: { 'service.name': 'billing' }, droppedAttributesCount: 0, schemaUrl: '' };
  const sA1: Scope = { name: 'openai-instrumentation', version: '1.2.3', attributes: { 'scope.kind': 'llm' } };
  const sA2: Scope = { name: 'http', version: '', attributes: {} };
  const sB: Scope = { name: 'billing-jobs', version: '0.0.1', attributes: {} };
  return [
    {
      traceId: TRACE_A,
      spanId: SPAN_1,
      parentSpanId: '',
      traceState: 'vendor=abc,other=1',
      flags: 0x101,
      name: 'chat gpt-4o',
      kind: 3,
      startTimeUnixNano: 1_760_000_000_123_456_789n,
      endTimeUnixNano: 1_760_000_001_999_999_999n,
      // Every value decodes to itself, except int64s beyond 2^53, which come back as bigints.
      attributes: { ...EDGE_CASE_ATTRIBUTES, big: 1_152_921_504_606_846_976n, bigNegative: -1_152_921_504_606_846_976n },
      droppedAttributesCount: 3,
      events: [
        { timeUnixNano: 1_760_000_000_500_000_001n, name: 'first-token', attributes: { 'ttft.ms': 120.5 }, droppedAttributesCount: 2 },
        { timeUnixNano: 1_760_000_001_000_000_000n, name: 'empty', attributes: {}, droppedAttributesCount: 0 },
      ],
      droppedEventsCount: 4,
      links: [{ traceId: TRACE_B, spanId: SPAN_3, traceState: 'k=v', attributes: { reason: 'retry' }, droppedAttributesCount: 1, flags: 0x301 }],
      droppedLinksCount: 5,
      status: { code: 2, message: 'rate limited' },
      resource: resA,
      resourceSchemaUrl: 'https://opentelemetry.io/schemas/1.37.0',
      scope: sA1,
      scopeSchemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
    },
    {
      traceId: TRACE_A,
      spanId: SPAN_2,
      parentSpanId: SPAN_1,
      traceState: '',
      flags: 0x301,
      name: 'POST /v1/chat',
      kind: 1,
      startTimeUnixNano: 1n,
      endTimeUnixNano: 18_446_744_073_709_551_615n,
      attributes: {},
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: 1, message: '' },
      resource: resA,
      resourceSchemaUrl: 'https://opentelemetry.io/schemas/1.37.0',
      scope: sA2,
      scopeSchemaUrl: '',
    },
    {
      traceId: TRACE_B,
      spanId: SPAN_3,
      parentSpanId: SPAN_1,
      traceState: '',
      flags: 0x100,
      name: '',
      kind: 5,
      startTimeUnixNano: 1_700_000_000_000_000_000n,
      endTimeUnixNano: 1_700_000_000_000_000_001n,
      attributes: {},
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: 0, message: '' },
      resource: resB,
      resourceSchemaUrl: '',
      scope: sB,
      scopeSchemaUrl: '',
    },
  ];
}

/**
 * The 1 MiB values are compared with Buffer.equals and then swapped for a marker, because a deep
 * equality walk over a million array elements takes seconds.
 */
function withHugeValuesChecked(spans: Span[]): Span[] {
  const attributes = spans[0]!.attributes;
  expect(attributes.huge === HUGE).toBe(true);
  expect(Buffer.from(attributes.hugeBytes as Uint8Array).equals(Buffer.from(HUGE_BYTES))).toBe(true);
  expect(attributes.hugeBytes).toBeInstanceOf(Uint8Array);
  attributes.huge = '<1 MiB string>';
  attributes.hugeBytes = '<1 MiB bytes>';
  return spans;
}

function expectedWithMarkers(): Span[] {
  const spans = expectedEdgeCaseSpans();
  spans[0]!.attributes.huge = '<1 MiB string>';
  spans[0]!.attributes.hugeBytes = '<1 MiB bytes>';
  return spans;
}

describe('decoding requests encoded by @opentelemetry/otlp-transformer', () => {
  it('decodes protobuf to exactly the expected spans, every field and AnyValue kind', () => {
    const decoded = decodeTraceRequestProtobuf(encodeProtobuf(edgeCaseSpans()));
    expect(decoded.rejectedSpans).toBe(0);
    expect(decoded.rejectionMessage).toBe('');
    expect(withHugeValuesChecked(decoded.spans)).toStrictEqual(expectedWithMarkers());
  });

  it('decodes OTLP/JSON to exactly the same spans', () => {
    const decoded = decodeTraceRequestJson(encodeJson(edgeCaseSpans()));
    expect(decoded.rejectedSpans).toBe(0);
    expect(withHugeValuesChecked(decoded.spans)).toStrictEqual(expectedWithMarkers());
  });

  it('shares one resource object and one scope object between the spans that belong to them', () => {
    for (const { spans } of [decodeTraceRequestProtobuf(encodeProtobuf(edgeCaseSpans())), decodeTraceRequestJson(encodeJson(edgeCaseSpans()))]) {
      expect(spans[0]!.resource).toBe(spans[1]!.resource);
      expect(spans[0]!.resource).not.toBe(spans[2]!.resource);
      expect(spans[0]!.scope).not.toBe(spans[1]!.scope);
    }
    const many = decodeTraceRequestProtobuf(encodeProtobuf(genAiSpans(20))).spans;
    expect(new Set(many.map((s) => s.resource)).size).toBe(1);
    expect(new Set(many.map((s) => s.scope)).size).toBe(1);
  });

  it('decodes 500 generated GenAI spans identically from protobuf and JSON', () => {
    const spans = genAiSpans(500, { spansPerTrace: 5, seed: 9 });
    const fromProtobuf = decodeTraceRequestProtobuf(encodeProtobuf(spans));
    const fromJson = decodeTraceRequestJson(encodeJson(spans));
    expect(fromProtobuf.spans).toHaveLength(500);
    expect(fromJson).toStrictEqual(fromProtobuf);
    const span = fromProtobuf.spans[7]!;
    expect(span.traceId).toBe('00000009000000000000000000000002');
    expect(span.spanId).toBe('0000000900000008');
    expect(span.parentSpanId).toBe('0000000900000006');
    expect(span.startTimeUnixNano).toBe(1_760_000_000_007_123_457n);
    expect(span.endTimeUnixNano).toBe(1_760_000_001_007_123_464n);
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(1207);
    expect(span.attributes['gen_ai.response.finish_reasons']).toStrictEqual(['stop']);
    expect(span.attributes['gen_ai.request.temperature']).toBe(0.2);
    expect(Object.keys(span.attributes)).toHaveLength(30);
    expect(span.resource.attributes['service.name']).toBe('support-bot');
  });

  it('decodes an empty request to no spans', () => {
    expect(decodeTraceRequestProtobuf(new Uint8Array(0))).toStrictEqual({ spans: [], rejectedSpans: 0, rejectionMessage: '' });
    expect(decodeTraceRequestJson('{}')).toStrictEqual({ spans: [], rejectedSpans: 0, rejectionMessage: '' });
  });
});

// ---- a minimal protobuf writer for hand-built messages --------------------------------------

function varint(value: bigint | number): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const tag = (field: number, wire: number): number[] => varint((field << 3) | wire);
const len = (field: number, body: number[]): number[] => [...tag(field, 2), ...varint(body.length), ...body];
const str = (field: number, text: string): number[] => len(field, [...new TextEncoder().encode(text)]);
const vint = (field: number, value: bigint | number): number[] => [...tag(field, 0), ...varint(value)];
const fixed64 = (field: number, value: bigint): number[] => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, true);
  return [...tag(field, 1), ...bytes];
};
const fixed32 = (field: number, value: number): number[] => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return [...tag(field, 5), ...bytes];
};
const hex = (id: string): number[] => [...Buffer.from(id, 'hex')];
/** Unknown fields of every wire type, numbered above anything OTLP defines. */
const unknownFields = (): number[] => [
  ...vint(900, 12345678901234n),
  ...fixed64(901, 7n),
  ...str(902, 'future'),
  ...fixed32(903, 9),
  ...tag(904, 3),
  ...vint(1, 5),
  ...str(2, 'in a group'),
  ...tag(904, 4),
];

function handBuiltRequest(withUnknown: boolean): Uint8Array {
  const u = withUnknown ? unknownFields() : [];
  const anyString = [...u, ...str(1, 'v')];
  const keyValue = [...str(1, 'k'), ...u, ...len(2, anyString)];
  const kvlist = len(6, [...len(1, [...str(1, 'inner'), ...len(2, [...vint(3, -7), ...u])]), ...u]);
  const array = len(5, [...u, ...len(1, [...vint(2, 1)]), ...len(1, [])]);
  const span = [
    ...u,
    ...len(1, hex(TRACE_A)),
    ...len(2, hex(SPAN_1)),
    ...str(5, 'hand'),
    ...vint(6, 2),
    ...fixed64(7, 10n),
    ...fixed64(8, 20n),
    ...len(9, keyValue),
    ...len(9, [...str(1, 'map'), ...len(2, kvlist)]),
    ...len(9, [...str(1, 'list'), ...len(2, array)]),
    ...len(11, [...fixed64(1, 15n), ...u, ...str(2, 'ev')]),
    ...len(13, [...len(1, hex(TRACE_B)), ...u, ...len(2, hex(SPAN_2)), ...fixed32(6, 1)]),
    ...len(15, [...u, ...vint(3, 2), ...str(2, 'boom')]),
    ...fixed32(16, 1),
  ];
  // schema_url fields placed before the content they describe: order must not matter.
  const scopeSpans = [...str(3, 'scope-schema'), ...len(1, [...str(1, 'lib'), ...u, ...str(2, '9')]), ...u, ...len(2, span)];
  const resourceSpans = [...str(3, 'res-schema'), ...len(2, scopeSpans), ...u, ...len(1, [...u, ...len(1, keyValue), ...vint(2, 4)])];
  return Uint8Array.from([...u, ...len(1, resourceSpans), ...u]);
}

describe('protobuf wire-format robustness', () => {
  it('skips unknown fields of every wire type at every message level', () => {
    const plain = decodeTraceRequestProtobuf(handBuiltRequest(false));
    const withUnknown = decodeTraceRequestProtobuf(handBuiltRequest(true));
    expect(withUnknown).toStrictEqual(plain);
    expect(plain.spans).toStrictEqual([
      {
        traceId: TRACE_A,
        spanId: SPAN_1,
        parentSpanId: '',
        traceState: '',
        flags: 1,
        name: 'hand',
        kind: 2,
        startTimeUnixNano: 10n,
        endTimeUnixNano: 20n,
        attributes: { k: 'v', map: { inner: -7 }, list: [true, null] },
        droppedAttributesCount: 0,
        events: [{ timeUnixNano: 15n, name: 'ev', attributes: {}, droppedAttributesCount: 0 }],
        droppedEventsCount: 0,
        links: [{ traceId: TRACE_B, spanId: SPAN_2, traceState: '', attributes: {}, droppedAttributesCount: 0, flags: 1 }],
        droppedLinksCount: 0,
        status: { code: 2, message: 'boom' },
        resource: { attributes: { k: 'v' }, droppedAttributesCount: 4, schemaUrl: 'res-schema' },
        resourceSchemaUrl: 'res-schema',
        scope: { name: 'lib', version: '9', attributes: {} },
        scopeSchemaUrl: 'scope-schema',
      },
    ]);
  });

  it('skips unknown fields spliced around an otlp-transformer request', () => {
    const encoded = encodeProtobuf(edgeCaseSpans());
    const spliced = Uint8Array.from([...unknownFields(), ...encoded, ...unknownFields()]);
    expect(withHugeValuesChecked(decodeTraceRequestProtobuf(spliced).spans)).toStrictEqual(expectedWithMarkers());
  });

  it.each([
    ['a truncated varint', [0x0a, 0x80], 'truncated varint (at byte 2)'],
    ['a length past the end', [0x0a, 0x05, 0x00], 'length 5 runs past the end of its message (at byte 1)'],
    ['a nested length past its parent', [0x0a, 0x03, 0x12, 0x05, 0x00], 'length 5 runs past the end of its message (at byte 3)'],
    ['a wrong wire type for resource_spans', [0x08, 0x01], 'field 1 has wire type 0, expected 2 (at byte 1)'],
    ['a wrong wire type for a span name', [...len(1, len(2, len(2, vint(5, 1))))], 'field 5 has wire type 0, expected 2 (at byte 7)'],
    ['a truncated fixed64 timestamp', [...len(1, len(2, len(2, [...tag(7, 1), 1, 2, 3])))], 'truncated fixed64 (at byte 7)'],
    ['an invalid wire type', [0x16], 'invalid wire type 6 (at byte 1)'],
    ['an overlong varint', [0x10, ...Array(10).fill(0xff), 0x01], 'varint longer than 10 bytes (at byte 11)'],
    ['an unterminated group', [0x13, 0x08, 0x01], 'unterminated group (at byte 3)'],
  ])('rejects %s with an OtlpDecodeError', (_name, bytes, message) => {
    let thrown: unknown;
    try {
      decodeTraceRequestProtobuf(Uint8Array.from(bytes));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OtlpDecodeError);
    expect((thrown as Error).message).toBe(`invalid ExportTraceServiceRequest: ${message}`);
  });

  it('rejects every truncation of a real request with an OtlpDecodeError', () => {
    const encoded = encodeProtobuf(genAiSpans(3));
    let failures = 0;
    for (let cut = 1; cut < encoded.length; cut++) {
      try {
        decodeTraceRequestProtobuf(encoded.subarray(0, cut));
      } catch (error) {
        expect(error).toBeInstanceOf(OtlpDecodeError);
        failures++;
      }
    }
    // One ResourceSpans wraps everything, so every strict prefix is cut inside it.
    expect(failures).toBe(encoded.length - 1);
  });

  it('never throws anything but OtlpDecodeError on random bytes', () => {
    let state = 12345;
    const random = (): number => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state;
    };
    const base = encodeProtobuf(genAiSpans(3));
    for (let round = 0; round < 2000; round++) {
      const bytes = Uint8Array.from(base.subarray(0, 1 + (random() % base.length)));
      for (let flips = 0; flips < 4; flips++) bytes[random() % bytes.length] = random() & 0xff;
      try {
        decodeTraceRequestProtobuf(bytes);
      } catch (error) {
        if (!(error instanceof OtlpDecodeError)) throw error;
      }
    }
  });

  it('refuses AnyValue nesting deeper than 64 levels', () => {
    let value: number[] = vint(3, 1);
    for (let i = 0; i < 70; i++) value = len(5, len(1, value));
    const request = len(1, len(2, len(2, [...len(1, hex(TRACE_A)), ...len(2, hex(SPAN_1)), ...len(9, [...str(1, 'deep'), ...len(2, value)])])));
    expect(() => decodeTraceRequestProtobuf(Uint8Array.from(request))).toThrow(/nested deeper than 64 levels/);
  });

  it('does not let an attribute named __proto__ change the attributes object', () => {
    const request = len(1, len(2, len(2, [...len(1, hex(TRACE_A)), ...len(2, hex(SPAN_1)), ...len(9, [...str(1, '__proto__'), ...len(2, str(1, 'x'))])])));
    const [span] = decodeTraceRequestProtobuf(Uint8Array.from(request)).spans;
    expect(Object.getPrototypeOf(span!.attributes)).toBe(Object.prototype);
    expect(Object.keys(span!.attributes)).toStrictEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(span!.attributes, '__proto__')?.value).toBe('x');
  });
});

describe('rejected spans', () => {
  const spanBytes = (traceId: number[], spanId: number[], parent: number[] = []): number[] =>
    len(2, [...len(1, traceId), ...len(2, spanId), ...(parent.length ? len(4, parent) : []), ...str(5, 'n')]);

  it('leaves out spans with missing, short or all-zero ids and counts them', () => {
    const request = len(
      1,
      len(2, [
        ...spanBytes(hex(TRACE_A), hex(SPAN_1), Array(8).fill(0)),
        ...spanBytes(Array(16).fill(0), hex(SPAN_1)),
        ...spanBytes(hex(TRACE_A), hex(SPAN_1).slice(0, 4)),
        ...spanBytes(hex(TRACE_A), Array(8).fill(0)),
        ...spanBytes([], hex(SPAN_2)),
      ]),
    );
    const decoded = decodeTraceRequestProtobuf(Uint8Array.from(request));
    expect(decoded.spans.map((s) => [s.spanId, s.parentSpanId])).toStrictEqual([[SPAN_1, '']]);
    expect(decoded.rejectedSpans).toBe(4);
    expect(decoded.rejectionMessage).toBe(
      `rejected 4 spans with invalid ids; first: span ${SPAN_1} of trace 00000000000000000000000000000000: trace id is all zeros (and 3 more)`,
    );
  });

  it('rejects the same spans from JSON, including ids that are not hex', () => {
    const json = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                { traceId: TRACE_A, spanId: SPAN_1, parentSpanId: '0000000000000000', name: 'ok' },
                { traceId: '0'.repeat(32), spanId: SPAN_1 },
                { traceId: TRACE_A, spanId: 'eee19b7e' },
                { traceId: TRACE_A, spanId: 'zzzzzzzzzzzzzzzz' },
                { spanId: SPAN_2 },
              ],
            },
          ],
        },
      ],
    };
    const decoded = decodeTraceRequestJson(JSON.stringify(json));
    expect(decoded.spans.map((s) => [s.spanId, s.parentSpanId, s.name])).toStrictEqual([[SPAN_1, '', 'ok']]);
    expect(decoded.rejectedSpans).toBe(4);
    expect(decoded.rejectionMessage).toBe(
      `rejected 4 spans with invalid ids; first: span ${SPAN_1} of trace 00000000000000000000000000000000: trace id is all zeros (and 3 more)`,
    );
  });
});

describe('OTLP/JSON mapping', () => {
  it('accepts snake_case names, strings for 64-bit ints, enum names, upper-case hex and ignores unknown fields', () => {
    const json = {
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'svc' } }], dropped_attributes_count: '2', extra: 1 },
          schema_url: 'rs',
          scope_spans: [
            {
              scope: { name: 'lib', version: '1', unknown: { a: 1 } },
              schema_url: 'ss',
              spans: [
                {
                  trace_id: TRACE_A.toUpperCase(),
                  span_id: SPAN_1.toUpperCase(),
                  parent_span_id: SPAN_2,
                  trace_state: 'a=b',
                  flags: 257,
                  name: 'chat',
                  kind: 'SPAN_KIND_CLIENT',
                  start_time_unix_nano: '1760000000123456789',
                  end_time_unix_nano: 1760000000,
                  attributes: [
                    { key: 'i', value: { int_value: '9223372036854775807' } },
                    { key: 'n', value: { intValue: -5 } },
                    { key: 's', value: { intValue: '-9007199254740991' } },
                    { key: 'd', value: { double_value: 'NaN' } },
                    { key: 'inf', value: { doubleValue: '-Infinity' } },
                    { key: 'b', value: { bytes_value: 'AAH+/w==' } },
                    { key: 'u', value: { bytesValue: '_-8' } },
                    { key: 'l', value: { array_value: { values: [{ bool_value: true }, {}, null] } } },
                    { key: 'm', value: { kvlist_value: { values: [{ key: 'x', value: { stringValue: 'y' } }] } } },
                    { key: 'missing' },
                    { key: 'nulled', value: { doubleValue: null } },
                  ],
                  dropped_attributes_count: 1,
                  events: [{ time_unix_nano: '5', name: 'e', futureField: true }],
                  dropped_events_count: 2,
                  links: [{ trace_id: TRACE_B, span_id: SPAN_3, flags: 1 }],
                  dropped_links_count: 3,
                  status: { code: 'STATUS_CODE_ERROR', message: 'bad' },
                  somethingNew: [1, 2, 3],
                },
              ],
            },
          ],
        },
      ],
      futureTopLevel: 'ignored',
    };
    const [span, ...rest] = decodeTraceRequestJson(Buffer.from(JSON.stringify(json))).spans;
    expect(rest).toHaveLength(0);
    expect(span).toStrictEqual({
      traceId: TRACE_A,
      spanId: SPAN_1,
      parentSpanId: SPAN_2,
      traceState: 'a=b',
      flags: 257,
      name: 'chat',
      kind: 3,
      startTimeUnixNano: 1_760_000_000_123_456_789n,
      endTimeUnixNano: 1_760_000_000n,
      attributes: {
        i: 9_223_372_036_854_775_807n,
        n: -5,
        s: -9_007_199_254_740_991,
        d: Number.NaN,
        inf: Number.NEGATIVE_INFINITY,
        b: Uint8Array.of(0, 1, 254, 255),
        u: Uint8Array.of(0xff, 0xef),
        l: [true, null, null],
        m: { x: 'y' },
        missing: null,
        nulled: null,
      },
      droppedAttributesCount: 1,
      events: [{ timeUnixNano: 5n, name: 'e', attributes: {}, droppedAttributesCount: 0 }],
      droppedEventsCount: 2,
      links: [{ traceId: TRACE_B, spanId: SPAN_3, traceState: '', attributes: {}, droppedAttributesCount: 0, flags: 1 }],
      droppedLinksCount: 3,
      status: { code: 2, message: 'bad' },
      resource: { attributes: { 'service.name': 'svc' }, droppedAttributesCount: 2, schemaUrl: 'rs' },
      resourceSchemaUrl: 'rs',
      scope: { name: 'lib', version: '1', attributes: {} },
      scopeSchemaUrl: 'ss',
    } satisfies Span);
  });

  it.each([
    ['not JSON', '{"resourceSpans": [', /^invalid JSON: /],
    ['a top-level array', '[]', 'invalid ExportTraceServiceRequest JSON: $: expected an object'],
    ['resourceSpans not an array', '{"resourceSpans": {}}', 'invalid ExportTraceServiceRequest JSON: resourceSpans: expected an array'],
    [
      'a span name that is a number',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":5}]}]}]}',
      'invalid ExportTraceServiceRequest JSON: resourceSpans[0].scopeSpans[0].spans[0].name: expected a string',
    ],
    [
      'a timestamp that is not an integer',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"12.5"}]}]}]}',
      'invalid ExportTraceServiceRequest JSON: resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected an unsigned 64-bit integer (a decimal string or an exact number)',
    ],
    [
      'an intValue out of int64 range',
      '{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"intValue":"9223372036854775808"}}]}}]}',
      'invalid ExportTraceServiceRequest JSON: resourceSpans[0].resource.attributes[0].value.intValue: expected a signed 64-bit integer (a decimal string or an integer number)',
    ],
    [
      'attributes that are an object',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":{"k":"v"}}]}]}]}',
      'invalid ExportTraceServiceRequest JSON: resourceSpans[0].scopeSpans[0].spans[0].attributes: expected an array',
    ],
  ])('rejects %s with an OtlpDecodeError naming the field', (_name, body, message) => {
    let thrown: unknown;
    try {
      decodeTraceRequestJson(body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OtlpDecodeError);
    if (typeof message === 'string') expect((thrown as Error).message).toBe(message);
    else expect((thrown as Error).message).toMatch(message);
  });
});
