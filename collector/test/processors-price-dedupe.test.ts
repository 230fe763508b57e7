import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '@spendtrace/pricing';
import { NormalizeProcessor } from '../src/processors/normalize/normalize.ts';
import { PriceProcessor, recordCallMetrics } from '../src/processors/price.ts';
import { DedupeProcessor } from '../src/processors/dedupe.ts';
import { createCollectorMetrics } from '../src/telemetry/collector-metrics.ts';
import { batchOf, span, TRACE_A, TRACE_B } from './processors-spans.ts';
import type { Attributes, PipelineBatch } from '../src/model.ts';

const catalog = defaultCatalog();
const START = Date.UTC(2026, 0, 15, 12, 0, 0);

function run(attrs: Attributes, metrics = createCollectorMetrics()): PipelineBatch {
  const b = new NormalizeProcessor().process(batchOf([span({ attributes: attrs, startMs: START })]));
  const out = new PriceProcessor(catalog).process(b);
  recordCallMetrics(metrics, out.calls);
  return out;
}

function expectedCost(provider: string, model: string, input: number, output: number, cacheRead = 0): number {
  const resolved = catalog.resolve({ provider, model, at: START });
  if (!resolved) throw new Error(`catalog has no ${provider}/${model}`);
  const p = resolved.prices;
  return ((input - cacheRead) * p.input + cacheRead * (p.cache_read ?? p.input) + output * p.output) / 1e6;
}

describe('price', () => {
  it('prices a call from the catalog at its start time and writes the cost onto the span', () => {
    const b = run({ 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5.4-mini', 'gen_ai.usage.input_tokens': 2000, 'gen_ai.usage.output_tokens': 500, 'gen_ai.usage.cache_read.input_tokens': 1000 });
    const c = b.calls[0]!;
    expect(c.costUsd).toBeCloseTo(expectedCost('openai', 'gpt-5.4-mini', 2000, 500, 1000), 12);
    expect(c.costUsd).toBeGreaterThan(0);
    expect(c.costSource).toBe('local');
    expect(c.pricingModel).toBe('openai/gpt-5.4-mini');
    expect(c.pricingVersion).toBe(catalog.version);
    expect(c.costInputUsd + c.costCacheReadUsd + c.costOutputUsd + c.costReasoningUsd + c.costCacheWriteUsd).toBeCloseTo(c.costUsd, 12);
    const a = b.spans[0]!.attributes;
    expect(a['gen_ai.usage.cost.amount']).toBe(c.costUsd);
    expect(a['gen_ai.usage.cost.source']).toBe('local');
    expect(a['spendtrace.pricing.model']).toBe('openai/gpt-5.4-mini');
  });

  it('replaces an app-computed local cost with the catalog price', () => {
    const b = run({ 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5.4-mini', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10, 'gen_ai.usage.cost.amount': 99, 'gen_ai.usage.cost.source': 'local' });
    expect(b.calls[0]!.costUsd).toBeCloseTo(expectedCost('openai', 'gpt-5.4-mini', 100, 10), 12);
    expect(b.spans[0]!.attributes['gen_ai.usage.cost.amount']).toBe(b.calls[0]!.costUsd);
  });

  it('keeps a provider-reported cost and still records the matched entry', () => {
    const metrics = createCollectorMetrics();
    const b = run({ 'gen_ai.system': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5.4-mini', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10, 'gen_ai.usage.cost': 0.75 }, metrics);
    expect([b.calls[0]!.costUsd, b.calls[0]!.costSource, b.calls[0]!.pricingModel]).toEqual([0.75, 'provider', 'openai/gpt-5.4-mini']);
    expect(metrics.providerCostCalls.value()).toBe(1);
  });

  it('flags unknown models, never prices them, and counts them per model', () => {
    const metrics = createCollectorMetrics();
    const attrs = { 'gen_ai.provider.name': 'acme', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'acme-9000', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10 };
    run(attrs, metrics);
    const b = run(attrs, metrics);
    const c = b.calls[0]!;
    expect([c.costUsd, c.costSource, c.pricingStatus, c.pricingModel]).toEqual([0, '', 'unknown_model', '']);
    expect(b.spans[0]!.attributes['spendtrace.pricing.status']).toBe('unknown_model');
    expect(b.spans[0]!.attributes['gen_ai.usage.cost.amount']).toBeUndefined();
    expect(metrics.unknownModelCalls.value({ provider: 'acme', model: 'acme-9000' })).toBe(2);
    expect(metrics.registry.render()).toContain('spendtrace_unknown_model_calls_total{model="acme-9000",provider="acme"} 2');
  });
});

describe('dedupe', () => {
  const call = (traceId: string, spanId: string) =>
    span({ traceId, spanId, attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5.4-mini', 'gen_ai.usage.input_tokens': 1 } });

  function pass(d: DedupeProcessor, ...spans: ReturnType<typeof call>[]): PipelineBatch {
    return d.process(new NormalizeProcessor().process(batchOf(spans)));
  }

  it('drops a span (and its call) delivered again, across batches and within one', () => {
    const d = new DedupeProcessor({ maxEntries: 100 });
    expect(pass(d, call(TRACE_A, '0000000000000001'), call(TRACE_A, '0000000000000002')).calls.length).toBe(2);
    const again = pass(d, call(TRACE_A, '0000000000000001'), call(TRACE_A, '0000000000000003'), call(TRACE_A, '0000000000000003'));
    expect(again.spans.map((s) => s.spanId)).toEqual(['0000000000000003']);
    expect(again.calls.map((c) => c.spanId)).toEqual(['0000000000000003']);
    expect(d.duplicates).toBe(2);
  });

  it('drops repeats of spans whose ids are not hex (kept apart from the typed-array seen-set)', () => {
    const d = new DedupeProcessor({ maxEntries: 100 });
    expect(pass(d, call('trace-x', 'span-1'), call(TRACE_A, '0000000000000001')).calls.length).toBe(2);
    expect(pass(d, call('trace-x', 'span-1'), call('trace-x', 'span-2'), call(TRACE_A, '0000000000000001')).calls.map((c) => c.spanId)).toEqual(['span-2']);
    expect([d.duplicates, d.size]).toEqual([2, 3]);
  });

  it('tells spans apart by trace id too', () => {
    const d = new DedupeProcessor({ maxEntries: 100 });
    pass(d, call(TRACE_A, '0000000000000001'));
    expect(pass(d, call(TRACE_B, '0000000000000001')).calls.length).toBe(1);
  });

  it('is bounded: the least recently seen ids are forgotten first', () => {
    const d = new DedupeProcessor({ maxEntries: 2 });
    pass(d, call(TRACE_A, '0000000000000001'), call(TRACE_A, '0000000000000002'), call(TRACE_A, '0000000000000003'));
    expect(d.size).toBe(2);
    expect(pass(d, call(TRACE_A, '0000000000000001')).calls.length).toBe(1); // forgotten
    expect(pass(d, call(TRACE_A, '0000000000000003')).calls.length).toBe(0); // remembered
  });

  it('refuses a non-positive bound', () => {
    expect(() => new DedupeProcessor({ maxEntries: 0 })).toThrow('max_entries');
  });
});
