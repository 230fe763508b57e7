/** Model id normalisation, match explanations and the adapters' token accounting. */
import { describe, expect, it } from 'vitest';
import {
  loadCatalog,
  normaliseModelId,
  usageFromAnthropic,
  usageFromBedrockConverse,
  usageFromDeepSeek,
  usageFromGemini,
  usageFromOpenAIChat,
  usageFromOpenAIResponses,
} from '../src/index.ts';

const catalog = loadCatalog({ lenient: true });

describe('normaliseModelId', () => {
  it('strips a Bedrock profile, vendor, version and date, most specific first', () => {
    expect(normaliseModelId('us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual({
      candidates: [
        'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
        'anthropic.claude-sonnet-4-5-20250929-v1:0',
        'anthropic.claude-sonnet-4-5-20250929-v1',
        'anthropic.claude-sonnet-4-5-20250929',
        'anthropic.claude-sonnet-4-5',
        'claude-sonnet-4-5-20250929-v1:0',
        'claude-sonnet-4-5-20250929-v1',
        'claude-sonnet-4-5-20250929',
        'claude-sonnet-4-5',
      ],
      profile: 'us',
    });
  });

  it('handles Vertex @versions, models/ names, router prefixes, dates and case', () => {
    expect(normaliseModelId('gemini-2.5-pro@001').candidates).toEqual(['gemini-2.5-pro@001', 'gemini-2.5-pro']);
    expect(normaliseModelId('models/gemini-2.5-flash').candidates).toEqual(['models/gemini-2.5-flash', 'gemini-2.5-flash']);
    expect(normaliseModelId('openai/gpt-4o').candidates).toEqual(['openai/gpt-4o', 'gpt-4o']);
    expect(normaliseModelId('GPT-4o-2024-08-06').candidates).toEqual(['gpt-4o-2024-08-06', 'gpt-4o']);
    expect(normaliseModelId('gemini-2.0-flash-001').candidates).toEqual(['gemini-2.0-flash-001', 'gemini-2.0-flash']);
    expect(normaliseModelId('ft:gpt-4o-mini-2024-07-18:acme::abc123').candidates).toEqual(['ft:gpt-4o-mini-2024-07-18:acme::abc123', 'ft:gpt-4o-mini-2024-07-18', 'ft:gpt-4o-mini']);
  });
});

describe('resolve', () => {
  it('explains which rule matched', () => {
    const viaId = catalog.resolve({ provider: 'aws.bedrock', model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', at: '2026-01-01' });
    expect(viaId?.match).toEqual({ rule: 'id', value: 'anthropic.claude-sonnet-4-5-20250929-v1:0', candidate: 'anthropic.claude-sonnet-4-5-20250929-v1:0' });
    expect(viaId?.adjustments).toEqual(['region:us']);
    const viaAlias = catalog.resolve({ provider: 'anthropic', model: 'claude-3-5-haiku-latest', at: '2025-01-01' });
    expect(viaAlias?.match).toEqual({ rule: 'alias', value: 'claude-3-5-haiku-latest', candidate: 'claude-3-5-haiku-latest' });
    const viaFallback = catalog.resolve({ provider: 'gcp.vertex_ai', model: 'gemini-2.5-flash', at: '2026-01-01' });
    expect(viaFallback?.pricingModel).toBe('gcp.gemini/gemini-2.5-flash');
    expect(viaFallback?.match.viaProvider).toBe('gcp.gemini');
    expect(viaFallback?.source).toEqual({ url: 'https://ai.google.dev/gemini-api/docs/pricing', checked: '2026-11-23' });
  });

  it('caches resolutions per day and keeps days apart', () => {
    const a = catalog.resolve({ provider: 'anthropic', model: 'claude-sonnet-5-5', at: '2026-10-06T23:59:59Z' });
    const b = catalog.resolve({ provider: 'anthropic', model: 'claude-sonnet-5-5', at: Date.parse('2026-10-06T08:00:00Z') });
    const c = catalog.resolve({ provider: 'anthropic', model: 'claude-sonnet-5-5', at: new Date('2026-10-07T00:00:00Z') });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(a?.prices.cache_read).toBe(0.2);
    expect(c?.prices.cache_read).toBe(0.1);
  });

  it('treats a missing model id as unknown', () => {
    const result = catalog.cost({ provider: 'openai', model: '' }, { inputTokens: 10, outputTokens: 10 });
    expect(result.breakdown).toBeUndefined();
    expect(result.flags.unknownModel).toBe(true);
    expect(catalog.resolve({ provider: 'openai', model: undefined as unknown as string })).toBeUndefined();
  });

  it('accepts epoch nanoseconds (OTel span timestamps)', () => {
    const ns = Date.parse('2024-06-01T00:00:00Z') * 1e6;
    expect(catalog.resolve({ provider: 'openai', model: 'gpt-4o', at: ns })?.prices.input).toBe(5);
  });

  it('rejects an invalid time with a clear error', () => {
    expect(() => catalog.resolve({ provider: 'openai', model: 'gpt-4o', at: 'yesterday' })).toThrow('price query time is not a valid date: yesterday');
  });

  it('prices nothing as zero: garbage token counts are counted as 0 and flagged', () => {
    const result = catalog.cost({ provider: 'openai', model: 'gpt-4o', at: '2025-01-01' }, { inputTokens: Number.NaN, outputTokens: 1000 });
    // output 1000×10/1e6
    expect(result.breakdown?.total).toBeCloseTo(0.01, 12);
    expect(result.flags.estimated).toBe(true);
  });
});

describe('usage adapters', () => {
  it('openai chat: audio and reasoning subsets, nulls tolerated', () => {
    expect(
      usageFromOpenAIChat({
        prompt_tokens: 100,
        completion_tokens: 50,
        total_tokens: 150,
        prompt_tokens_details: { cached_tokens: 20, audio_tokens: 30 },
        completion_tokens_details: { reasoning_tokens: 10, audio_tokens: 5 },
      }),
    ).toEqual({ inputTokens: 100, outputTokens: 50, cacheReadTokens: 20, audioInputTokens: 30, reasoningTokens: 10, audioOutputTokens: 5 });
    expect(usageFromOpenAIChat({ prompt_tokens: 7, completion_tokens: null, prompt_tokens_details: null })).toEqual({ inputTokens: 7, outputTokens: 0 });
    expect(usageFromOpenAIChat(undefined)).toEqual({ inputTokens: 0, outputTokens: 0 });
  });

  it('openai responses', () => {
    expect(usageFromOpenAIResponses({ input_tokens: 10, output_tokens: 8, input_tokens_details: { cached_tokens: 4 }, output_tokens_details: { reasoning_tokens: 3 } })).toEqual({
      inputTokens: 10,
      outputTokens: 8,
      cacheReadTokens: 4,
      reasoningTokens: 3,
    });
  });

  it('anthropic: input = input_tokens + cache reads + cache writes', () => {
    expect(usageFromAnthropic({ input_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 30, cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 20 }, output_tokens: 9 })).toEqual({
      inputTokens: 135,
      outputTokens: 9,
      cacheReadTokens: 100,
      cacheWriteTokens: 30,
      cacheWrite1hTokens: 20,
    });
  });

  it('gemini: output = candidates + thoughts; tool-use prompt is input', () => {
    expect(usageFromGemini({ promptTokenCount: 100, cachedContentTokenCount: 40, candidatesTokenCount: 10, thoughtsTokenCount: 5, toolUsePromptTokenCount: 3, totalTokenCount: 118 })).toEqual({
      inputTokens: 103,
      outputTokens: 15,
      cacheReadTokens: 40,
      reasoningTokens: 5,
    });
  });

  it('bedrock converse: inputTokens excludes the cache', () => {
    expect(usageFromBedrockConverse({ inputTokens: 5, outputTokens: 9, totalTokens: 144, cacheReadInputTokens: 100, cacheWriteInputTokens: 30 })).toEqual({
      inputTokens: 135,
      outputTokens: 9,
      cacheReadTokens: 100,
      cacheWriteTokens: 30,
    });
  });

  it('deepseek: hit + miss when prompt_tokens is absent', () => {
    expect(usageFromDeepSeek({ prompt_cache_hit_tokens: 60, prompt_cache_miss_tokens: 40, completion_tokens: 20, completion_tokens_details: { reasoning_tokens: 15 } })).toEqual({
      inputTokens: 100,
      outputTokens: 20,
      cacheReadTokens: 60,
      reasoningTokens: 15,
    });
  });
});
