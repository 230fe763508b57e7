import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AttributeCollector, compiledShapeCount } from '../src/otlp/attribute-shapes.ts';
import { decodeTraceRequestProtobuf } from '../src/otlp/protobuf-decode.ts';
import { encodeProtobuf, readableSpan, type FixtureAttributes } from './fixtures/otlp-fixtures.ts';

const resource = { attributes: { 'service.name': 'shapes' } };
const scope = { name: 'shapes-test' };

function request(attributes: FixtureAttributes[]): Uint8Array {
  return encodeProtobuf(
    attributes.map((a, i) =>
      readableSpan({ traceId: '5b8efff798038103d269b633813fc60c', spanId: (i + 1).toString(16).padStart(16, '0'), name: `span ${i}`, startTime: [1, 0], endTime: [2, 0], attributes: a, resource, scope }),
    ),
  );
}

/** Keys in enumeration order with their values, and the object's prototype. */
function observed(a: object): { entries: [string, unknown][]; prototype: unknown } {
  return { entries: Object.entries(a), prototype: Object.getPrototypeOf(a) };
}

describe('span attributes built by shape', () => {
  it('gives the same keys, values and order on the compiled path as on the first (plain) decodes', () => {
    const sameKeys = [
      { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 10, 'gen_ai.request.temperature': 0.5, 'gen_ai.response.finish_reasons': ['stop'], flag: true },
      { 'gen_ai.operation.name': 'embeddings', 'gen_ai.usage.input_tokens': 99, 'gen_ai.request.temperature': 1.25, 'gen_ai.response.finish_reasons': [], flag: false },
    ];
    const body = request([...sameKeys, ...sameKeys, ...sameKeys]);
    const first = decodeTraceRequestProtobuf(body).spans.map((s) => observed(s.attributes));
    expect(first[0]).toEqual({
      entries: [
        ['gen_ai.operation.name', 'chat'],
        ['gen_ai.usage.input_tokens', 10],
        ['gen_ai.request.temperature', 0.5],
        ['gen_ai.response.finish_reasons', ['stop']],
        ['flag', true],
      ],
      prototype: Object.prototype,
    });
    expect(first[1]!.entries.map(([, v]) => v)).toEqual(['embeddings', 99, 1.25, [], false]);
    // Six spans per request, ten requests: the sequence is compiled early and used for the rest.
    for (let round = 0; round < 10; round++) {
      expect(decodeTraceRequestProtobuf(body).spans.map((s) => observed(s.attributes))).toEqual(first);
    }
  });

  it('keeps the plain path for keys a literal would mistreat or the key cache does not hold', () => {
    const long = `k.${'x'.repeat(80)}`;
    const spans: FixtureAttributes[] = [
      { before: 1, ['__proto__']: 'not a prototype', after: 2 },
      { '': 'empty key', 7: 'integer-like', z: 'last' },
      { [long]: 'long key', short: 's' },
    ];
    const body = request(spans);
    for (let round = 0; round < 8; round++) {
      const [proto, odd, longKey] = decodeTraceRequestProtobuf(body).spans.map((s) => s.attributes);
      expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
      expect(Object.entries(proto!)).toEqual([
        ['before', 1],
        ['__proto__', 'not a prototype'],
        ['after', 2],
      ]);
      // Integer-like keys enumerate first, whichever way the object was built.
      expect(Object.entries(odd!)).toEqual([
        ['7', 'integer-like'],
        ['', 'empty key'],
        ['z', 'last'],
      ]);
      expect(Object.entries(longKey!)).toEqual([
        [long, 'long key'],
        ['short', 's'],
      ]);
    }
  });

  it('resolves a repeated key to its last value at its first position, on every path', () => {
    const collector = new AttributeCollector();
    const results: [string, unknown][][] = [];
    for (let round = 0; round < 6; round++) {
      collector.reset();
      collector.add('a', 1, 10);
      collector.add('b', 2, 11);
      collector.add('a', 3, 10);
      results.push(Object.entries(collector.build()));
    }
    expect(results).toEqual(Array.from({ length: 6 }, () => [['a', 3], ['b', 2]]));
  });

  it('tells apart sequences whose slots collide, and stays exact past the compiled-shape limit', () => {
    const collector = new AttributeCollector();
    const build = (keys: string[], slots: number[]) => {
      collector.reset();
      keys.forEach((key, i) => collector.add(key, `${key}-value`, slots[i]!));
      return Object.entries(collector.build());
    };
    // Same slots, different key strings (a slot reused by another key): never the other's shape, and
    // each is compiled once instead of the two replacing each other.
    const compiledBefore = compiledShapeCount();
    for (let round = 0; round < 40; round++) {
      expect(build(['x', 'y'], [1, 2])).toEqual([['x', 'x-value'], ['y', 'y-value']]);
      expect(build(['p', 'q'], [1, 2])).toEqual([['p', 'p-value'], ['q', 'q-value']]);
    }
    expect(compiledShapeCount() - compiledBefore).toBe(2);
    // Far more distinct sequences than factories are kept, each seen often enough to be compiled.
    for (let shape = 0; shape < 1500; shape++) {
      const keys = [`k${shape}`, 'common'];
      for (let round = 0; round < 5; round++) expect(build(keys, [20_000 + shape, 5])).toEqual([[`k${shape}`, `k${shape}-value`], ['common', 'common-value']]);
    }
    expect(compiledShapeCount()).toBe(1024);
  });

  it('builds an empty object for a span without attributes', () => {
    const [span] = decodeTraceRequestProtobuf(request([{}])).spans;
    expect(observed(span!.attributes)).toEqual({ entries: [], prototype: Object.prototype });
    span!.attributes['added'] = 1;
    expect(span!.attributes).toEqual({ added: 1 });
  });

  it('decodes alike in a runtime that forbids compiling code', () => {
    const decoder = fileURLToPath(new URL('../src/otlp/protobuf-decode.ts', import.meta.url));
    const fixtures = fileURLToPath(new URL('./fixtures/otlp-fixtures.ts', import.meta.url));
    const script = `
      const { decodeTraceRequestProtobuf } = await import(${JSON.stringify(decoder)});
      const { genAiTraceRequest } = await import(${JSON.stringify(fixtures)});
      const body = genAiTraceRequest(20, { seed: 5 });
      const rounds = [];
      for (let i = 0; i < 6; i++) rounds.push(decodeTraceRequestProtobuf(body).spans.map((s) => Object.entries(s.attributes)));
      process.stdout.write(JSON.stringify(rounds));`;
    const run = (flags: string[]) => {
      const result = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      return JSON.parse(result.stdout) as [string, unknown][][][];
    };
    const forbidden = run(['--disallow-code-generation-from-strings']);
    const allowed = run([]);
    expect(forbidden).toEqual(allowed);
    expect(forbidden.every((round) => JSON.stringify(round) === JSON.stringify(forbidden[0]))).toBe(true);
    expect(forbidden[0]!.length).toBe(20);
  });
});
