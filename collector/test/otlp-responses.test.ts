import { describe, expect, it } from 'vitest';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { contentTypeOf, encodeExportTraceResponse, encodeRpcStatus } from '../src/otlp/responses.ts';

const bytes = (...parts: (number | string)[]): number[] =>
  parts.flatMap((part) => (typeof part === 'number' ? [part] : [...Buffer.from(part)]));

describe('OTLP response encoders', () => {
  it('encodes a full success as the empty message', () => {
    expect([...encodeExportTraceResponse('protobuf')]).toStrictEqual([]);
    expect([...encodeExportTraceResponse('protobuf', { rejectedSpans: 0, errorMessage: '' })]).toStrictEqual([]);
    expect(Buffer.from(encodeExportTraceResponse('json')).toString()).toBe('{}');
  });

  it('encodes partial_success field by field (field 1 { rejected_spans = 1, error_message = 2 })', () => {
    const encoded = encodeExportTraceResponse('protobuf', { rejectedSpans: 300, errorMessage: 'bad ids' });
    expect([...encoded]).toStrictEqual(bytes(0x0a, 12, 0x08, 0xac, 0x02, 0x12, 7, 'bad ids'));
    expect(ProtobufTraceSerializer.deserializeResponse(encoded)).toStrictEqual({ partialSuccess: { rejectedSpans: 300, errorMessage: 'bad ids' } });
    expect(JSON.parse(Buffer.from(encodeExportTraceResponse('json', { rejectedSpans: 300, errorMessage: 'bad ids' })).toString())).toStrictEqual({
      partialSuccess: { rejectedSpans: '300', errorMessage: 'bad ids' },
    });
  });

  it('encodes google.rpc.Status (code = 1, message = 2)', () => {
    expect([...encodeRpcStatus('protobuf', { code: 3, message: 'nope ✓' })]).toStrictEqual(bytes(0x08, 3, 0x12, 8, 'nope ✓'));
    expect([...encodeRpcStatus('protobuf', { code: 0, message: '' })]).toStrictEqual([]);
    expect(Buffer.from(encodeRpcStatus('json', { code: 14, message: 'later' })).toString()).toBe('{"code":14,"message":"later"}');
  });

  it('names the content type of each encoding', () => {
    expect([contentTypeOf('protobuf'), contentTypeOf('json')]).toStrictEqual(['application/x-protobuf', 'application/json']);
  });
});
