import { SpanStatusCode } from '@opentelemetry/api';
import { beforeEach, describe, expect, it } from 'vitest';
import { errorTypeOf, GenAIRecorder, GenAIResponseError, hookAPIPromise, observeStream, setCostAttributes } from '../src/core/index.ts';
import type { GenAICallOutcome } from '../src/core/index.ts';
import { onlySpan, setupTelemetry } from './helpers.ts';

const telemetry = setupTelemetry();
const recorder = new GenAIRecorder({
  tracer: () => telemetry.tracerProvider.getTracer('core-test'),
  meter: () => telemetry.meterProvider.getMeter('core-test'),
  config: () => ({}),
});
beforeEach(() => telemetry.reset());

const start = () => recorder.start({ operation: 'chat', provider: 'openai', requestModel: 'gpt-4o-mini', stream: true })!;

async function* chunks(values: number[], failAfter?: number): AsyncGenerator<number> {
  for (const [i, value] of values.entries()) {
    if (failAfter !== undefined && i === failAfter) throw new RangeError('cut');
    yield value;
  }
}

/** Wraps an async generator as an SDK-like stream object. */
function sdkStream(source: AsyncGenerator<number>) {
  return { controller: new AbortController(), extra: 'kept', [Symbol.asyncIterator]: () => source };
}

describe('observeStream', () => {
  it('returns the same object, passes chunks through, hides what the observer hides, and ends once', async () => {
    const seen: number[] = [];
    const stream = sdkStream(chunks([1, 2, 3, 4]));
    const observed = observeStream(stream, start(), {
      onChunk: (n) => {
        seen.push(n);
        return n !== 3;
      },
      outcome: (): GenAICallOutcome => ({ responseId: `saw-${seen.length}` }),
    });
    expect(observed).toBe(stream);
    const got: number[] = [];
    for await (const n of observed) got.push(n);
    expect(got).toEqual([1, 2, 4]);
    const span = onlySpan(telemetry.spans(), 'chat gpt-4o-mini');
    expect(span.attributes['gen_ai.response.id']).toBe('saw-4');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('ends the call with the error when the stream throws, and the caller gets the same error', async () => {
    const stream = observeStream(sdkStream(chunks([1, 2, 3], 2)), start(), { onChunk: () => undefined, outcome: () => ({}) });
    const got: number[] = [];
    await expect(async () => {
      for await (const n of stream) got.push(n);
    }).rejects.toThrow(RangeError);
    expect(got).toEqual([1, 2]);
    const span = onlySpan(telemetry.spans(), 'chat gpt-4o-mini');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('RangeError');
  });

  it('survives an observer that throws', async () => {
    const stream = observeStream(sdkStream(chunks([1, 2])), start(), {
      onChunk: () => {
        throw new Error('observer bug');
      },
      outcome: () => {
        throw new Error('outcome bug');
      },
    });
    const got: number[] = [];
    for await (const n of stream) got.push(n);
    expect(got).toEqual([1, 2]);
    expect(telemetry.spans()).toHaveLength(1);
  });

  it('records an aborted stream that the SDK ended quietly as StreamAbortedError', async () => {
    const stream = sdkStream(chunks([1, 2, 3]));
    const observed = observeStream(stream, start(), { onChunk: () => undefined, outcome: () => ({}) });
    stream.controller.abort();
    for await (const _ of observed) void _;
    expect(onlySpan(telemetry.spans(), 'chat gpt-4o-mini').attributes['error.type']).toBe('StreamAbortedError');
  });
});

describe('hookAPIPromise', () => {
  it('observes a plain promise and passes its value and its rejection through', async () => {
    const results: unknown[] = [];
    await expect(hookAPIPromise(Promise.resolve(5), (v) => (results.push(v), v), () => results.push('error'))).resolves.toBe(5);
    const failure = new Error('nope');
    await expect(hookAPIPromise(Promise.reject(failure), (v) => v, (e) => results.push(e))).rejects.toBe(failure);
    expect(results).toEqual([5, failure]);
  });

  it('returns anything that is not a promise untouched', () => {
    const value = { not: 'a promise' };
    expect(hookAPIPromise(value, () => 1, () => undefined)).toBe(value);
  });
});

describe('GenAIRecorder', () => {
  it('ends a call once even when end and fail are both called', () => {
    const call = start();
    call.end({ responseId: 'first' });
    call.fail(new Error('late'));
    call.end({ responseId: 'second' });
    const span = onlySpan(telemetry.spans(), 'chat gpt-4o-mini');
    expect(span.attributes['gen_ai.response.id']).toBe('first');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('names the span after the operation alone when the model is unknown', () => {
    recorder.start({ operation: 'embeddings', provider: 'openai', requestModel: undefined })!.end({});
    expect(telemetry.spans().map((s) => s.name)).toEqual(['embeddings']);
  });
});

describe('cost and error attributes', () => {
  it('leaves zero cost parts off the span and keeps the rest exact', () => {
    const attributes: Record<string, unknown> = {};
    const total = setCostAttributes(attributes as never, {
      breakdown: { input: 0.25, cacheRead: 0, cacheWrite: 0, output: 1.5, reasoning: 0, total: 1.75 },
      pricingModel: 'openai/gpt-x',
      pricingVersion: 'v1',
      flags: { unknownModel: false, adjustments: [] },
    } as never);
    expect(total).toBe(1.75);
    expect(attributes).toEqual({
      'gen_ai.usage.cost.amount': 1.75,
      'gen_ai.usage.cost.currency': 'USD',
      'gen_ai.usage.cost.source': 'local',
      'spendtrace.cost.input': 0.25,
      'spendtrace.cost.output': 1.5,
      'spendtrace.pricing.model': 'openai/gpt-x',
      'spendtrace.pricing.version': 'v1',
    });
  });

  it('uses the provider error code of a GenAIResponseError as error.type and the class name otherwise', () => {
    expect(errorTypeOf(new GenAIResponseError('server_error', 'failed'))).toBe('server_error');
    expect(errorTypeOf(new RangeError('x'))).toBe('RangeError');
    expect(errorTypeOf('text')).toBe('_OTHER');
  });
});

describe('metric labels', () => {
  it('keeps one series per label set: the same labels reuse a series, another response model or error makes its own', async () => {
    const labelled = new GenAIRecorder({
      tracer: () => telemetry.tracerProvider.getTracer('labels-test'),
      meter: () => telemetry.meterProvider.getMeter('labels-test'),
      config: () => ({}),
    });
    const call = (responseModel: string, error?: Error) => {
      const c = labelled.start({ operation: 'chat', provider: 'openai', requestModel: 'gpt-x', serverAddress: 'api.example', serverPort: 443 })!;
      if (error) c.fail(error, { responseModel });
      else c.end({ responseModel, usage: { inputTokens: 10, outputTokens: 2 } });
    };
    call('gpt-x-1');
    call('gpt-x-1');
    call('gpt-x-2');
    call('gpt-x-1', new RangeError('bad'));
    const { resourceMetrics } = await telemetry.reader.collect();
    const scope = resourceMetrics.scopeMetrics.find((s) => s.scope.name === 'labels-test')!;
    const duration = scope.metrics.find((m) => m.descriptor.name === 'gen_ai.client.operation.duration')!;
    const series = duration.dataPoints.map((p) => [p.attributes['gen_ai.response.model'], p.attributes['error.type'], (p.value as { count: number }).count]);
    expect(series).toEqual([
      ['gpt-x-1', undefined, 2],
      ['gpt-x-2', undefined, 1],
      ['gpt-x-1', 'RangeError', 1],
    ]);
    const tokens = scope.metrics.find((m) => m.descriptor.name === 'gen_ai.client.token.usage')!;
    expect(tokens.dataPoints.map((p) => [p.attributes['gen_ai.response.model'], p.attributes['gen_ai.token.type'], (p.value as { sum: number }).sum])).toEqual([
      ['gpt-x-1', 'input', 20],
      ['gpt-x-1', 'output', 4],
      ['gpt-x-2', 'input', 10],
      ['gpt-x-2', 'output', 2],
    ]);
  });
});
