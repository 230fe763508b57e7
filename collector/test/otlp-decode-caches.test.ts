import { describe, expect, it } from 'vitest';
import { decodeTraceRequestProtobuf } from '../src/otlp/protobuf-decode.ts';
import { encodeProtobuf, readableSpan, type FixtureAttributes } from './fixtures/otlp-fixtures.ts';

const resource = { attributes: { 'service.name': 'caches' } };
const scope = { name: 'caches-test' };

/** Deterministic pseudo-random strings over an alphabet of ASCII, accented, CJK and astral characters. */
function strings(count: number, seed: number): string[] {
  const alphabet = ['a', 'b', 'Z', '0', '-', '.', ' ', 'é', 'ß', '中', '✓', '🚀', '\u0000', '"'];
  let state = seed;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  return Array.from({ length: count }, () => Array.from({ length: next() % 40 }, () => alphabet[next() % alphabet.length]).join(''));
}

describe('decoder key and value caches', () => {
  it('decode every short and long key and value exactly, however often they repeat', () => {
    const values = strings(400, 7);
    const keys = strings(400, 11).map((k, i) => `${k}#${i}`);
    // Ten attributes per span, keys and values drawn so that many repeat across spans and rounds.
    const attributes: FixtureAttributes[] = Array.from({ length: 120 }, (_, s) => Object.fromEntries(Array.from({ length: 10 }, (_, a) => [keys[(s * 7 + a * 13) % 60]!, values[(s * 11 + a * 17) % values.length]!])));
    const body = encodeProtobuf(
      attributes.map((a, i) => readableSpan({ traceId: '5b8efff798038103d269b633813fc60c', spanId: (i + 1).toString(16).padStart(16, '0'), name: 'n', startTime: [1, 0], endTime: [2, 0], attributes: a, resource, scope })),
    );
    for (let round = 0; round < 5; round++) {
      const decoded = decodeTraceRequestProtobuf(body).spans.map((s) => Object.entries(s.attributes));
      expect(decoded).toEqual(attributes.map((a) => Object.entries(a)));
    }
  });
});
