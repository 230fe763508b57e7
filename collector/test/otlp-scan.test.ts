import { describe, expect, it } from 'vitest';
import { decodeTraceRequestProtobuf } from '../src/otlp/protobuf-decode.ts';
import { scanTraceRequestProtobuf } from '../src/otlp/protobuf-scan.ts';
import { encodeProtobuf, genAiSpans, readableSpan } from './fixtures/otlp-fixtures.ts';

/** Runs both and reports what each did, so they can be compared as values. */
function outcome(bytes: Uint8Array): { scan: string; decode: string } {
  let scan: string;
  let decode: string;
  try {
    const s = scanTraceRequestProtobuf(bytes);
    scan = `ok ${s.spanCount} ${s.rejectedSpans} ${s.rejectionMessage}`;
  } catch (error) {
    scan = `error ${(error as Error).message}`;
  }
  try {
    const d = decodeTraceRequestProtobuf(bytes);
    decode = `ok ${d.spans.length} ${d.rejectedSpans} ${d.rejectionMessage}`;
  } catch (error) {
    decode = `error ${(error as Error).message}`;
  }
  return { scan, decode };
}

describe('scanTraceRequestProtobuf', () => {
  it('counts the spans decoding produces', () => {
    const spans = genAiSpans(50);
    expect(scanTraceRequestProtobuf(encodeProtobuf(spans))).toStrictEqual({ spanCount: 50, rejectedSpans: 0, rejectionMessage: '' });
  });

  it('rejects the same spans with the same message as decoding', () => {
    const resource = { attributes: { 'service.name': 's' } };
    const scope = { name: 'x' };
    const base = { name: 'n', startTime: [1, 0] as [number, number], endTime: [2, 0] as [number, number], resource, scope };
    const bytes = encodeProtobuf([
      readableSpan({ ...base, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' }),
      readableSpan({ ...base, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '0000000000000000' }),
      readableSpan({ ...base, traceId: '00000000000000000000000000000000', spanId: 'b7ad6b7169203331' }),
    ]);
    expect(scanTraceRequestProtobuf(bytes)).toStrictEqual({
      spanCount: 1,
      rejectedSpans: 2,
      rejectionMessage:
        'rejected 2 spans with invalid ids; first: span 0000000000000000 of trace 0af7651916cd43dd8448eb211c80319c: span id is all zeros (and 1 more)',
    });
    const { scan, decode } = outcome(bytes);
    expect(scan).toBe(decode);
  });

  it('accepts exactly what decoding accepts, with the same errors, on 3000 damaged requests', () => {
    let state = 2024;
    const random = (): number => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state;
    };
    const base = encodeProtobuf(genAiSpans(4));
    let errors = 0;
    for (let round = 0; round < 3000; round++) {
      const bytes = Uint8Array.from(round % 2 === 0 ? base : base.subarray(0, random() % base.length));
      const flips = round % 3;
      for (let f = 0; f < flips; f++) bytes[random() % bytes.length] = random() & 0xff;
      const { scan, decode } = outcome(bytes);
      expect(scan).toBe(decode);
      if (scan.startsWith('error')) errors++;
    }
    // The damage must actually exercise both outcomes.
    expect(errors).toBeGreaterThan(500);
    expect(errors).toBeLessThan(2900);
  });
});
