import { describe, expect, it } from 'vitest';
import { NormalizeProcessor } from '../src/processors/normalize/normalize.ts';
import { canonicalProvider } from '../src/processors/normalize/providers.ts';
import { batchOf, resource, span, TRACE_A } from './processors-spans.ts';
import type { Attributes, GenAICall } from '../src/model.ts';

function normalizeOne(attributes: Attributes, extra: Parameters<typeof span>[0] = {}): GenAICall | undefined {
  const out = new NormalizeProcessor().process(batchOf([span({ ...extra, attributes })]));
  expect(out.calls.length).toBeLessThanOrEqual(1);
  return out.calls[0];
}

function tokens(c: GenAICall | undefined) {
  if (!c) return undefined;
  return { provider: c.provider, in: c.inputTokens, out: c.outputTokens, cr: c.cacheReadTokens, cw: c.cacheWriteTokens, r: c.reasoningTokens };
}

describe('normalize: dialects', () => {
  it('reads the current GenAI conventions as given (input includes cache, output includes reasoning)', () => {
    const c = normalizeOne({
      'gen_ai.provider.name': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-5.4-mini',
      'gen_ai.response.model': 'gpt-5.4-mini-2026-01-01',
      'gen_ai.response.id': 'chatcmpl-1',
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 300,
      'gen_ai.usage.cache_read.input_tokens': 1000,
      'gen_ai.usage.reasoning.output_tokens': 100,
      'spendtrace.feature': 'search',
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(tokens(c)).toEqual({ provider: 'openai', in: 1200, out: 300, cr: 1000, cw: 0, r: 100 });
    expect(c?.requestModel).toBe('gpt-5.4-mini');
    expect(c?.responseModel).toBe('gpt-5.4-mini-2026-01-01');
    expect(c?.responseId).toBe('chatcmpl-1');
    expect(c?.operation).toBe('chat');
    expect(c?.feature).toBe('search');
    expect(c?.serviceName).toBe('checkout');
    expect(c?.environment).toBe('prod');
    expect(c?.finishReasons).toEqual(['stop']);
    expect(c?.durationNs).toBe(1_000_000_000n);
  });

  it('adds Anthropic cache to input when a canonical attribute carries the raw (smaller) count', () => {
    const c = normalizeOne({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.usage.input_tokens': 50,
      'gen_ai.usage.output_tokens': 20,
      'gen_ai.usage.cache_read.input_tokens': 400,
      'gen_ai.usage.cache_creation.input_tokens': 100,
    });
    expect(tokens(c)).toEqual({ provider: 'anthropic', in: 550, out: 20, cr: 400, cw: 100, r: 0 });
  });

  it('applies provider rules to pre-1.37 names: Anthropic input excludes cache, OpenAI includes it', () => {
    const anthropic = normalizeOne({
      'gen_ai.system': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.usage.prompt_tokens': 600,
      'gen_ai.usage.completion_tokens': 70,
      'gen_ai.usage.cache_read_input_tokens': 200,
      'gen_ai.usage.cache_creation_input_tokens': 50,
    });
    expect(tokens(anthropic)).toEqual({ provider: 'anthropic', in: 850, out: 70, cr: 200, cw: 50, r: 0 });
    const openai = normalizeOne({
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-5.4-mini',
      'gen_ai.usage.prompt_tokens': 600,
      'gen_ai.usage.completion_tokens': 70,
      'gen_ai.usage.cache_read_input_tokens': 200,
    });
    expect(tokens(openai)).toEqual({ provider: 'openai', in: 600, out: 70, cr: 200, cw: 0, r: 0 });
  });

  it('adds Gemini thinking tokens to output for provider-count dialects', () => {
    const c = normalizeOne({
      'gen_ai.system': 'gemini',
      'gen_ai.request.model': 'gemini-2.5-flash',
      'gen_ai.usage.prompt_tokens': 100,
      'gen_ai.usage.completion_tokens': 40,
      'gen_ai.usage.reasoning_tokens': 60,
    });
    expect(tokens(c)).toEqual({ provider: 'gcp.gemini', in: 100, out: 100, cr: 0, cw: 0, r: 60 });
  });

  it('reads OpenLLMetry llm.request.type and llm.usage.* spans, and skips its workflow/task spans', () => {
    const c = normalizeOne({
      'llm.request.type': 'completion',
      'gen_ai.system': 'OpenAI',
      'gen_ai.request.model': 'gpt-5.4-mini',
      'llm.usage.prompt_tokens': 11,
      'llm.usage.completion_tokens': 7,
      'traceloop.workflow.name': 'triage',
      'traceloop.association.properties.customer_id': 'acme',
    });
    expect(tokens(c)).toEqual({ provider: 'openai', in: 11, out: 7, cr: 0, cw: 0, r: 0 });
    expect(c?.operation).toBe('text_completion');
    expect(c?.workflowName).toBe('triage');
    expect(c?.customerId).toBe('acme');
    expect(normalizeOne({ 'traceloop.span.kind': 'workflow', 'traceloop.workflow.name': 'triage', 'gen_ai.system': 'openai' })).toBeUndefined();
  });

  it('reads OpenInference LLM spans with cost and skips CHAIN/AGENT spans', () => {
    const c = normalizeOne({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'claude-sonnet-4-5',
      'llm.provider': 'anthropic',
      'llm.token_count.prompt': 900,
      'llm.token_count.completion': 30,
      'llm.token_count.prompt_details.cache_read': 800,
      'llm.cost.total': 0.0123,
      'session.id': 'conv-9',
    });
    expect(tokens(c)).toEqual({ provider: 'anthropic', in: 900, out: 30, cr: 800, cw: 0, r: 0 });
    expect(c?.costUsd).toBe(0.0123);
    expect(c?.costSource).toBe('provider');
    expect(c?.conversationId).toBe('conv-9');
    expect(normalizeOne({ 'openinference.span.kind': 'AGENT', 'llm.token_count.prompt': 900 })).toBeUndefined();
  });

  it('treats only the AI SDK inner doGenerate/doStream spans as calls', () => {
    const inner = normalizeOne({
      'ai.operationId': 'ai.streamText.doStream',
      'ai.model.id': 'claude-sonnet-4-5',
      'ai.model.provider': 'anthropic.messages',
      'ai.usage.inputTokens': 100,
      'ai.usage.outputTokens': 50,
      'ai.usage.cachedInputTokens': 300,
      'ai.response.msToFirstChunk': 120.5,
      'ai.telemetry.metadata.feature': 'summarize',
      'ai.response.id': 'msg_1',
    });
    expect(tokens(inner)).toEqual({ provider: 'anthropic', in: 400, out: 50, cr: 300, cw: 0, r: 0 });
    expect(inner?.streaming).toBe(true);
    expect(inner?.timeToFirstChunkNs).toBe(120_500_000n);
    expect(inner?.feature).toBe('summarize');
    const v4 = normalizeOne({ 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.id': 'gpt-5.4-mini', 'ai.model.provider': 'openai.chat', 'ai.usage.promptTokens': 10, 'ai.usage.completionTokens': 5 });
    expect(tokens(v4)).toEqual({ provider: 'openai', in: 10, out: 5, cr: 0, cw: 0, r: 0 });
    expect(normalizeOne({ 'ai.operationId': 'ai.generateText', 'ai.model.id': 'gpt-5.4-mini', 'ai.usage.promptTokens': 10, 'gen_ai.system': 'openai' })).toBeUndefined();
  });

  it('reads OpenLIT / LiteLLM gen_ai.usage.cost as a provider cost', () => {
    const c = normalizeOne({ 'gen_ai.system': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5.4-mini', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 2, 'gen_ai.usage.cost': 0.5 });
    expect(c?.costUsd).toBe(0.5);
    expect(c?.costSource).toBe('provider');
  });

  it('ignores a locally computed cost (the collector reprices) but keeps source=provider', () => {
    const base = { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5.4-mini', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 2, 'gen_ai.usage.cost.amount': 0.25 };
    expect(normalizeOne({ ...base, 'gen_ai.usage.cost.source': 'local' })?.costSource).toBe('');
    expect(normalizeOne({ ...base, 'gen_ai.usage.cost.source': 'provider' })?.costUsd).toBe(0.25);
  });

  it('reads Langfuse generations (details apart from input/output) and their cost', () => {
    const c = normalizeOne({
      'langfuse.observation.type': 'generation',
      'langfuse.observation.model.name': 'gpt-5.4-mini',
      'gen_ai.system': 'openai',
      'langfuse.observation.usage_details': JSON.stringify({ input: 80, input_cached_tokens: 20, output: 30, output_reasoning_tokens: 10, total: 140 }),
      'langfuse.observation.cost_details': JSON.stringify({ input: 0.001, output: 0.002, total: 0.003 }),
      'langfuse.user.id': 'u-7',
    });
    expect(tokens(c)).toEqual({ provider: 'openai', in: 100, out: 40, cr: 20, cw: 0, r: 10 });
    expect(c?.costUsd).toBe(0.003);
    expect(c?.userId).toBe('u-7');
    expect(normalizeOne({ 'langfuse.observation.type': 'span', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'x' })).toBeUndefined();
  });

  it('never treats agent or workflow spans with aggregate usage as calls', () => {
    for (const op of ['invoke_agent', 'invoke_workflow', 'execute_tool', 'create_agent']) {
      expect(normalizeOne({ 'gen_ai.operation.name': op, 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 5000 })).toBeUndefined();
    }
    expect(normalizeOne({ 'http.method': 'GET' })).toBeUndefined();
  });

  it('takes attribution from span attributes first, then the resource; environment from the deprecated key too', () => {
    const res = resource({ 'service.name': 'svc', 'deployment.environment': 'staging', 'spendtrace.team': 'growth', 'spendtrace.feature': 'from-resource' });
    const c = normalizeOne({ 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'spendtrace.feature': 'from-span', 'user.id': 'u1', 'spendtrace.customer.id': 'c1' }, { resource: res });
    expect([c?.feature, c?.team, c?.userId, c?.customerId, c?.environment, c?.serviceName]).toEqual(['from-span', 'growth', 'u1', 'c1', 'staging', 'svc']);
  });

  it('marks failed calls with error.type or _OTHER', () => {
    const attrs = { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' };
    expect(normalizeOne({ ...attrs, 'error.type': 'rate_limit' }, { status: 2 })?.errorType).toBe('rate_limit');
    expect(normalizeOne(attrs, { status: 2 })?.errorType).toBe('_OTHER');
    expect(normalizeOne(attrs)?.errorType).toBe('');
  });
});

describe('normalize: one call seen by two instrumentations', () => {
  it('keeps one row (the richer) and fills attribution from the other', () => {
    const parent = span({
      spanId: 'aaaaaaaaaaaaaaaa',
      attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5.4-mini', 'gen_ai.response.id': 'r-1', 'spendtrace.feature': 'chat' },
    });
    const child = span({
      spanId: 'bbbbbbbbbbbbbbbb',
      parentSpanId: 'aaaaaaaaaaaaaaaa',
      attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5.4-mini', 'gen_ai.response.id': 'r-1', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 3 },
    });
    const other = span({ spanId: 'cccccccccccccccc', parentSpanId: 'aaaaaaaaaaaaaaaa', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5.4-mini', 'gen_ai.response.id': 'r-2', 'gen_ai.usage.input_tokens': 1 } });
    const p = new NormalizeProcessor();
    const out = p.process(batchOf([parent, child, other]));
    expect(out.calls.map((c) => [c.spanId, c.inputTokens, c.feature])).toEqual([
      ['bbbbbbbbbbbbbbbb', 10, 'chat'],
      ['cccccccccccccccc', 1, ''],
    ]);
    expect(p.duplicateCalls).toBe(1);
  });

  it('drops the second description when the two spans arrive in different batches', () => {
    const attrs = { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5.4-mini', 'gen_ai.response.id': 'r-9', 'gen_ai.usage.input_tokens': 10 };
    const p = new NormalizeProcessor();
    const child = span({ spanId: '1111111111111112', parentSpanId: '1111111111111111', attributes: attrs });
    const parent = span({ spanId: '1111111111111111', attributes: attrs });
    const unrelated = span({ spanId: '1111111111111113', attributes: attrs });
    expect(p.process(batchOf([child])).calls.map((c) => c.spanId)).toEqual(['1111111111111112']);
    expect(p.process(batchOf([parent, unrelated])).calls.map((c) => c.spanId)).toEqual(['1111111111111113']);
    expect(p.duplicateCalls).toBe(1);
  });

  it('keeps both when the same response id appears in unrelated spans', () => {
    const a = span({ traceId: TRACE_A, attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'gen_ai.response.id': 'same' } });
    const b = span({ traceId: TRACE_A, attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'gen_ai.response.id': 'same' } });
    expect(new NormalizeProcessor().process(batchOf([a, b])).calls.length).toBe(2);
  });
});

describe('canonicalProvider', () => {
  it('maps dialect spellings to gen_ai.provider.name values', () => {
    expect(['openai.chat', 'anthropic.messages', 'google.generative-ai', 'amazon-bedrock', 'az.ai.openai', 'vertex_ai', 'MistralAI', 'xai', 'acme.llm'].map(canonicalProvider)).toEqual([
      'openai', 'anthropic', 'gcp.gemini', 'aws.bedrock', 'azure.ai.openai', 'gcp.vertex_ai', 'mistral_ai', 'x_ai', 'acme.llm',
    ]);
  });
});
