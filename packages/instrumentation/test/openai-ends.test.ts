/**
 * Every way a caller can consume an openai call ends its span exactly once: the raw response
 * (`asResponse()`) with the body never parsed, a body that fails to parse, a stream split with
 * `tee()`, and Responses streams that report a failure in their events. Run on openai 7 and 4.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import * as openaiV7 from 'openai';
import * as openaiV4 from 'openai-v4';
import { describe, expect, it } from 'vitest';
import { OpenAIInstrumentation } from '../src/openai/index.ts';
import { onlySpan } from './helpers.ts';
import { scenario, useProviderServer } from './helpers/provider-server.ts';

const instrumentation = new OpenAIInstrumentation({ enabled: false });
const { telemetry, server } = useProviderServer({ instrumentation });

const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));
const messages = [{ role: 'user' as const, content: 'x' }];

/** A fetch that answers every request with `body` as `contentType`, for responses the local server does not produce. */
function fixedFetch(body: string, contentType: string): typeof fetch {
  return async () => new Response(body, { status: 200, headers: { 'content-type': contentType } });
}

function sse(events: object[]): string {
  return events.map((event) => `event: ${(event as { type: string }).type}\ndata: ${JSON.stringify(event)}\n\n`).join('');
}

const failedResponse = {
  id: 'resp_failed',
  object: 'response',
  model: 'gpt-4o-mini',
  status: 'failed',
  output: [],
  error: { code: 'server_error', message: 'The model failed to generate a response.' },
  usage: { input_tokens: 12, output_tokens: 0, total_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
};

describe.each([
  ['openai 7', openaiV7 as unknown as typeof openaiV7],
  ['openai 4', openaiV4 as unknown as typeof openaiV7],
])('%s: a span ends exactly once', (_label, sdk) => {
  const client = (fetchImpl?: typeof fetch) =>
    instrumentation.instrument(new sdk.OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0, ...(fetchImpl ? { fetch: fetchImpl } : {}) }));

  it('asResponse() without reading the parsed body: ends when the response arrives, without usage', async () => {
    const response = await client()
      .chat.completions.create({ model: 'gpt-4o-mini', messages }, scenario({ id: 'chatcmpl-raw', usage: { input: 9, output: 2 } }))
      .asResponse();
    expect(response.status).toBe(200);
    await nextMacrotask();
    const span = onlySpan(telemetry.spans(), 'chat gpt-4o-mini');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
    expect(span.attributes['gen_ai.response.id']).toBeUndefined();
    // The body is untouched and still the caller's to read.
    expect(((await response.json()) as { id: string }).id).toBe('chatcmpl-raw');
    await nextMacrotask();
    expect(telemetry.spans()).toHaveLength(1);
  });

  it('asResponse() then the parsed result: one span with the full outcome', async () => {
    const promise = client().chat.completions.create({ model: 'gpt-4o-mini', messages }, scenario({ id: 'chatcmpl-both', usage: { input: 9, output: 2 } }));
    const response = await promise.asResponse();
    const data = await promise;
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(data.id).toBe('chatcmpl-both');
    await nextMacrotask();
    const span = onlySpan(telemetry.spans(), 'chat gpt-4o-mini');
    expect(span.attributes['gen_ai.response.id']).toBe('chatcmpl-both');
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(9);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(2);
  });

  it('withResponse(): one span with the full outcome', async () => {
    const { data } = await client()
      .chat.completions.create({ model: 'gpt-4o-mini', messages }, scenario({ id: 'chatcmpl-with', usage: { input: 5, output: 1 } }))
      .withResponse();
    expect(data.id).toBe('chatcmpl-with');
    await nextMacrotask();
    const span = onlySpan(telemetry.spans(), 'chat gpt-4o-mini');
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(5);
  });

  it('a body that fails to parse: ends as failed with the parse error, which the caller still gets', async () => {
    let caught: unknown;
    try {
      await client(fixedFetch('{"id": "chatcmpl-cut', 'application/json')).chat.completions.create({ model: 'gpt-4o-mini', messages });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SyntaxError);
    const span = onlySpan(telemetry.spans(), 'chat gpt-4o-mini');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('SyntaxError');
    expect(telemetry.spans()).toHaveLength(1);
  });

  it('a stream split with tee(): observed once below both branches, ends once with usage', async () => {
    const stream = await client().chat.completions.create(
      { model: 'gpt-4o-mini', messages, stream: true },
      scenario({ chunks: 5, usage: { input: 20, output: 5 }, id: 'chatcmpl-tee' }),
    );
    const [left, right] = stream.tee();
    const read = async (branch: AsyncIterable<{ choices: { delta: { content?: string | null } }[]; usage?: unknown }>) => {
      const seen: unknown[] = [];
      for await (const chunk of branch) seen.push(chunk);
      return seen;
    };
    const [a, b] = await Promise.all([read(left), read(right)]);
    const plain = new sdk.OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const untraced = await read(
      await plain.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }, scenario({ chunks: 5, usage: { input: 20, output: 5 }, id: 'chatcmpl-tee' })),
    );
    // Both branches see what an uninstrumented stream yields: the usage-only chunk the
    // instrumentation asked for is hidden from both.
    expect(a).toHaveLength(7);
    expect(JSON.stringify(a)).toBe(JSON.stringify(untraced));
    expect(JSON.stringify(b)).toBe(JSON.stringify(untraced));
    const span = onlySpan(telemetry.spans(), 'chat gpt-4o-mini');
    expect(telemetry.spans()).toHaveLength(1);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes['gen_ai.response.id']).toBe('chatcmpl-tee');
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(20);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(5);
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
  });

  it('a Responses stream ending in response.failed: status ERROR, error.type from the error code, usage kept', async () => {
    const body = sse([
      { type: 'response.created', sequence_number: 0, response: { ...failedResponse, status: 'in_progress', error: null, usage: null } },
      { type: 'response.failed', sequence_number: 1, response: failedResponse },
    ]);
    const stream = await client(fixedFetch(body, 'text/event-stream')).responses.create({ model: 'gpt-4o-mini', input: 'x', stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(['response.created', 'response.failed']);
    const span = onlySpan(telemetry.spans(), 'chat gpt-4o-mini');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'The model failed to generate a response.' });
    expect(span.attributes['error.type']).toBe('server_error');
    expect(span.attributes['gen_ai.response.id']).toBe('resp_failed');
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['failed']);
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(12);
  });

  it('a Responses stream with an error event the SDK passes through: status ERROR with its code', async () => {
    // Without an `event:` line the SDK yields the error object as an ordinary event.
    const body = `data: ${JSON.stringify({ type: 'error', code: 'rate_limit_exceeded', message: 'Slow down.', param: null, sequence_number: 0 })}\n\n`;
    const stream = await client(fixedFetch(body, 'text/event-stream')).responses.create({ model: 'gpt-4o-mini', input: 'x', stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(['error']);
    const span = onlySpan(telemetry.spans(), 'chat gpt-4o-mini');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Slow down.' });
    expect(span.attributes['error.type']).toBe('rate_limit_exceeded');
  });

  it('a Responses stream with a named error event: the SDK throws and the span fails with its error', async () => {
    const body = `event: error\ndata: ${JSON.stringify({ type: 'error', code: 'server_error', message: 'Boom.', param: null, sequence_number: 0 })}\n\n`;
    const stream = await client(fixedFetch(body, 'text/event-stream')).responses.create({ model: 'gpt-4o-mini', input: 'x', stream: true });
    let caught: unknown;
    try {
      for await (const _ of stream) void _;
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(sdk.APIError);
    const span = onlySpan(telemetry.spans(), 'chat gpt-4o-mini');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('APIError');
  });
});
