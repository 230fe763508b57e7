import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { agent, contextWithAttribution, currentAttribution, tool, withAttribution, workflow } from '../src/attribution.ts';
import { OpenAIInstrumentation } from '../src/openai/index.ts';
import { onlySpan } from './helpers.ts';
import { useProviderServer } from './helpers/provider-server.ts';

const instrumentation = new OpenAIInstrumentation({ enabled: false });
const { telemetry, server } = useProviderServer({ instrumentation });
let client: OpenAI;

beforeAll(() => {
  client = instrumentation.instrument(new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0 }));
});

const chat = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });

describe('withAttribution', () => {
  it('reaches calls across awaits and merges nested scopes, inner keys winning', async () => {
    await withAttribution({ feature: 'search', customerId: 'acme', team: 'core' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await chat();
      await withAttribution({ feature: 'rerank', userId: 'u-7', team: undefined }, async () => {
        expect(currentAttribution()).toEqual({ feature: 'rerank', customerId: 'acme', team: 'core', userId: 'u-7' });
        await chat();
      });
      await chat();
    });
    const [outer, inner, after] = telemetry.spans();
    expect(outer!.attributes).toMatchObject({ 'spendtrace.feature': 'search', 'spendtrace.customer.id': 'acme', 'spendtrace.team': 'core' });
    expect(inner!.attributes).toMatchObject({ 'spendtrace.feature': 'rerank', 'spendtrace.customer.id': 'acme', 'spendtrace.team': 'core', 'user.id': 'u-7' });
    expect(after!.attributes['spendtrace.feature']).toBe('search');
    expect(after!.attributes['user.id']).toBeUndefined();
  });

  it('has a non-callback form that returns a context', async () => {
    const ctx = contextWithAttribution({ promptName: 'summary', promptVersion: 'v3', conversationId: 'conv-1' });
    await context.with(ctx, chat);
    expect(telemetry.spans()[0]!.attributes).toMatchObject({
      'gen_ai.prompt.name': 'summary',
      'spendtrace.prompt.version': 'v3',
      'gen_ai.conversation.id': 'conv-1',
    });
    expect(currentAttribution()).toEqual({});
  });

  it('rejects unknown keys and non-string values with a clear error, leaving the outer context as it was', () => {
    withAttribution({ feature: 'outer' }, () => {
      expect(() => withAttribution({ featur: 'typo' } as never, () => 1)).toThrow("unknown attribution key 'featur'");
      expect(() => withAttribution({ customerId: 42 } as never, () => 1)).toThrow("attribution 'customerId' must be a string, got number");
      expect(currentAttribution()).toEqual({ feature: 'outer' });
    });
  });

  it('crosses an HTTP hop between two services through W3C baggage', async () => {
    // Service B: extracts the propagated context, as an HTTP server instrumentation does, and calls the LLM.
    const serviceB = createServer((req, res) => {
      const ctx = propagation.extract(context.active(), req.headers);
      context.with(ctx, async () => {
        await chat();
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => serviceB.listen(0, '127.0.0.1', resolve));
    const { port } = serviceB.address() as AddressInfo;
    try {
      const tracer = telemetry.tracerProvider.getTracer('service-a');
      await withAttribution({ feature: 'checkout-assistant', customerId: 'globex' }, () =>
        tracer.startActiveSpan('GET /assist', { kind: SpanKind.CLIENT }, async (span) => {
          const headers: Record<string, string> = {};
          propagation.inject(context.active(), headers);
          expect(headers.baggage).toContain('spendtrace.feature=checkout-assistant');
          await new Promise<void>((resolve, reject) => {
            request({ host: '127.0.0.1', port, path: '/assist', headers }, (res) => {
              res.resume();
              res.on('end', resolve);
            })
              .on('error', reject)
              .end();
          });
          span.end();
        }),
      );
    } finally {
      await new Promise((resolve) => serviceB.close(resolve));
    }
    const llm = onlySpan(telemetry.spans(), 'chat gpt-4o-mini');
    const hop = onlySpan(telemetry.spans(), 'GET /assist');
    expect(llm.attributes['spendtrace.feature']).toBe('checkout-assistant');
    expect(llm.attributes['spendtrace.customer.id']).toBe('globex');
    expect(llm.spanContext().traceId).toBe(hop.spanContext().traceId);
    expect(llm.parentSpanContext?.spanId).toBe(hop.spanContext().spanId);
  });
});

describe('workflow, agent and tool spans', () => {
  it('builds one readable trace whose LLM calls carry the workflow and agent names', async () => {
    const result = await workflow('support-ticket', () =>
      agent('triage', async () => {
        await chat();
        const found = await tool('search_kb', async () => 'article-12');
        return found;
      }),
    );
    expect(result).toBe('article-12');
    const spans = telemetry.spans();
    const wf = onlySpan(spans, 'invoke_workflow support-ticket');
    const ag = onlySpan(spans, 'invoke_agent triage');
    const tl = onlySpan(spans, 'execute_tool search_kb');
    const llm = onlySpan(spans, 'chat gpt-4o-mini');
    expect(wf.kind).toBe(SpanKind.INTERNAL);
    expect(wf.attributes).toEqual({ 'gen_ai.operation.name': 'invoke_workflow', 'gen_ai.workflow.name': 'support-ticket' });
    expect(ag.attributes).toEqual({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'triage', 'gen_ai.workflow.name': 'support-ticket' });
    expect(tl.attributes).toEqual({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'search_kb',
      'gen_ai.agent.name': 'triage',
      'gen_ai.workflow.name': 'support-ticket',
    });
    expect(llm.attributes).toMatchObject({ 'gen_ai.workflow.name': 'support-ticket', 'gen_ai.agent.name': 'triage' });
    expect(ag.parentSpanContext?.spanId).toBe(wf.spanContext().spanId);
    expect(llm.parentSpanContext?.spanId).toBe(ag.spanContext().spanId);
    expect(tl.parentSpanContext?.spanId).toBe(ag.spanContext().spanId);
    for (const span of [wf, ag, tl]) {
      expect(Object.keys(span.attributes).filter((k) => k.startsWith('gen_ai.usage') || k.startsWith('spendtrace.cost'))).toEqual([]);
    }
  });

  it('records errors thrown synchronously or asynchronously and rethrows them', async () => {
    class ToolFailure extends Error {}
    await expect(tool('flaky', async () => Promise.reject(new ToolFailure('down')))).rejects.toThrow('down');
    expect(() => agent('sync', () => {
      throw new TypeError('bad');
    })).toThrow('bad');
    const flaky = onlySpan(telemetry.spans(), 'execute_tool flaky');
    expect(flaky.status).toEqual({ code: SpanStatusCode.ERROR, message: 'down' });
    expect(flaky.attributes['error.type']).toBe('ToolFailure');
    expect(onlySpan(telemetry.spans(), 'invoke_agent sync').attributes['error.type']).toBe('TypeError');
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
