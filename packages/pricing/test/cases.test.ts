/**
 * Hand-computed prices. Each case states its arithmetic: tokens × USD per million / 1e6.
 * Shipped-catalog cases use the real prices of packages/pricing/catalog; fixture cases use
 * test/fixtures/catalog for rules the shipped data cannot show on its own.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  loadCatalog,
  usageFromAnthropic,
  usageFromBedrockConverse,
  usageFromDeepSeek,
  usageFromGemini,
  usageFromOpenAIChat,
  usageFromOpenAIResponses,
  type CanonicalUsage,
  type CostBreakdown,
  type PriceQuery,
} from '../src/index.ts';

const shipped = loadCatalog({ lenient: true });
const fixture = loadCatalog({ catalogDir: fileURLToPath(new URL('./fixtures/catalog/', import.meta.url)) });

interface Case {
  name: string;
  catalog?: 'fixture';
  query: PriceQuery;
  usage: CanonicalUsage;
  /** [input, cacheRead, cacheWrite, output, reasoning, total] in USD, or 'unknown'. */
  expected: [number, number, number, number, number, number] | 'unknown';
  pricingModel?: string;
  tierApplied?: string;
  adjustments?: string[];
  estimated?: boolean;
}

const M = 1_000_000;

const cases: Case[] = [
  // ---------------------------------------------------------------- Anthropic (additive cache counting)
  {
    name: 'anthropic adapter adds cache reads and writes to input',
    query: { provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', at: '2026-01-01' },
    usage: usageFromAnthropic({ input_tokens: 1000, cache_read_input_tokens: 2000, cache_creation_input_tokens: 3000, output_tokens: 500 }),
    // input 1000×3=3000 · cache read 2000×0.3=600 · cache write 3000×3.75=11250 · output 500×15=7500 → /1e6
    expected: [0.003, 0.0006, 0.01125, 0.0075, 0, 0.02235],
    pricingModel: 'anthropic/claude-sonnet-4-5',
  },
  {
    name: 'anthropic 5 minute and 1 hour cache writes priced apart',
    query: { provider: 'anthropic', model: 'claude-sonnet-4-5', at: '2026-01-01' },
    usage: usageFromAnthropic({ input_tokens: 100, cache_creation_input_tokens: 3000, cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 }, output_tokens: 0 }),
    // input 100×3=300 · write 1000×3.75=3750 + 2000×6=12000 → 15750
    expected: [0.0003, 0, 0.01575, 0, 0, 0.01605],
  },
  {
    name: 'anthropic long context: input above 200k reprices every token kind',
    query: { provider: 'anthropic', model: 'claude-sonnet-4-5', at: '2026-01-01' },
    usage: { inputTokens: 250_000, cacheReadTokens: 200_000, outputTokens: 1200 },
    // tier >200k: uncached 50000×6=0.3 · cache read 200000×0.6=0.12 · output 1200×22.5=0.027
    expected: [0.3, 0.12, 0, 0.027, 0, 0.447],
    tierApplied: 'above_input_tokens:200000',
  },
  {
    name: 'anthropic exactly 200k input stays at base prices',
    query: { provider: 'anthropic', model: 'claude-sonnet-4-5', at: '2026-01-01' },
    usage: { inputTokens: 200_000, outputTokens: 1000 },
    // 200000×3=0.6 · 1000×15=0.015
    expected: [0.6, 0, 0, 0.015, 0, 0.615],
  },
  {
    name: 'anthropic batch halves every price (file default)',
    query: { provider: 'anthropic', model: 'claude-sonnet-4-5', at: '2026-01-01', batch: true },
    usage: { inputTokens: 100_000, outputTokens: 100_000 },
    // 100000×3×0.5=0.15 · 100000×15×0.5=0.75
    expected: [0.15, 0, 0, 0.75, 0, 0.9],
    adjustments: ['batch'],
  },
  {
    name: 'anthropic US-only inference (inference_geo us) +10%',
    query: { provider: 'anthropic', model: 'claude-sonnet-4-6', at: '2026-06-01', region: 'us' },
    usage: { inputTokens: M, outputTokens: M },
    // 1M×3×1.1=3.3 · 1M×15×1.1=16.5
    expected: [3.3, 0, 0, 16.5, 0, 19.8],
    adjustments: ['region:us'],
  },
  {
    name: 'anthropic fast mode service tier multiplier (opus 4.6 ×6)',
    query: { provider: 'anthropic', model: 'claude-opus-4-6', at: '2026-06-01', serviceTier: 'fast' },
    usage: { inputTokens: M, outputTokens: M },
    // 1M×5×6=30 · 1M×25×6=150
    expected: [30, 0, 0, 150, 0, 180],
    adjustments: ['service_tier:fast'],
  },
  {
    name: 'anthropic haiku 5.5 tier above 100k prompt tokens',
    query: { provider: 'anthropic', model: 'claude-haiku-5-5', at: '2026-11-01' },
    usage: { inputTokens: 150_000, outputTokens: 1000 },
    // tier >100k: 150000×0.5=0.075 · 1000×2.5=0.0025
    expected: [0.075, 0, 0, 0.0025, 0, 0.0775],
    tierApplied: 'above_input_tokens:100000',
  },
  {
    name: 'effective date: claude sonnet 5.5 cache hits before the 2026-10-07 cut',
    query: { provider: 'anthropic', model: 'claude-sonnet-5-5', at: '2026-10-01T12:00:00Z' },
    usage: { inputTokens: M, cacheReadTokens: M, outputTokens: 0 },
    // 1M×0.2
    expected: [0, 0.2, 0, 0, 0, 0.2],
  },
  {
    name: 'effective date: claude sonnet 5.5 cache hits after the cut',
    query: { provider: 'anthropic', model: 'claude-sonnet-5-5', at: '2026-10-07T00:00:00Z' },
    usage: { inputTokens: M, cacheReadTokens: M, outputTokens: 0 },
    // 1M×0.1 (the new period starts on its from day)
    expected: [0, 0.1, 0, 0, 0, 0.1],
  },
  {
    name: 'retired model priced at the price of its day',
    query: { provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', at: '2025-01-01' },
    usage: { inputTokens: M, outputTokens: 0 },
    // 1M×3
    expected: [3, 0, 0, 0, 0, 3],
    estimated: false,
  },
  {
    name: 'retired model called after its last period: last price, flagged estimated',
    query: { provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', at: '2026-01-01' },
    usage: { inputTokens: M, outputTokens: 0 },
    // 1M×3 from the period that ended 2025-10-22
    expected: [3, 0, 0, 0, 0, 3],
    estimated: true,
  },
  // ---------------------------------------------------------------- OpenAI (inclusive cache counting)
  {
    name: 'openai chat adapter: cached tokens are inside prompt_tokens',
    query: { provider: 'openai', model: 'gpt-4o', at: '2025-01-01' },
    usage: usageFromOpenAIChat({ prompt_tokens: 10_000, completion_tokens: 2000, prompt_tokens_details: { cached_tokens: 4000 } }),
    // uncached 6000×2.5=0.015 · cached 4000×1.25=0.005 · output 2000×10=0.02
    expected: [0.015, 0.005, 0, 0.02, 0, 0.04],
  },
  {
    name: 'effective date: gpt-4o alias before 2024-10-02 was $5/$15',
    query: { provider: 'openai', model: 'gpt-4o', at: '2024-06-01' },
    usage: { inputTokens: M, outputTokens: M },
    // 1M×5 · 1M×15
    expected: [5, 0, 0, 15, 0, 20],
  },
  {
    name: 'dated snapshot with its own entry wins over the stripped alias',
    query: { provider: 'openai', model: 'gpt-4o-2024-05-13', at: '2025-01-01' },
    usage: { inputTokens: M, outputTokens: M },
    // 1M×5 · 1M×15
    expected: [5, 0, 0, 15, 0, 20],
    pricingModel: 'openai/gpt-4o-2024-05-13',
  },
  {
    name: 'openai responses adapter: reasoning tokens inside output at the output price (o3)',
    query: { provider: 'openai', model: 'o3-2025-04-16', at: '2025-07-01' },
    usage: usageFromOpenAIResponses({ input_tokens: 5000, input_tokens_details: { cached_tokens: 1000 }, output_tokens: 3000, output_tokens_details: { reasoning_tokens: 2000 } }),
    // uncached 4000×2=0.008 · cached 1000×0.5=0.0005 · output 1000×8=0.008 · reasoning 2000×8=0.016
    expected: [0.008, 0.0005, 0, 0.008, 0.016, 0.0325],
  },
  {
    name: 'effective date: o3 before the 2025-06-10 price cut',
    query: { provider: 'openai', model: 'o3', at: '2025-05-01' },
    usage: { inputTokens: 5000, cacheReadTokens: 1000, outputTokens: 3000, reasoningTokens: 2000 },
    // 4000×10=0.04 · 1000×2.5=0.0025 · 1000×40=0.04 · 2000×40=0.08
    expected: [0.04, 0.0025, 0, 0.04, 0.08, 0.1625],
  },
  {
    name: 'openai flex service tier (×0.5)',
    query: { provider: 'openai', model: 'o3', at: '2025-07-01', serviceTier: 'flex' },
    usage: { inputTokens: M, outputTokens: M },
    // 1M×2×0.5=1 · 1M×8×0.5=4
    expected: [1, 0, 0, 4, 0, 5],
    adjustments: ['service_tier:flex'],
  },
  {
    name: 'openai priority service tier replaces the price table (gpt-5.1)',
    query: { provider: 'openai', model: 'gpt-5.1-2025-11-13', at: '2026-01-01', serviceTier: 'priority' },
    usage: { inputTokens: M, cacheReadTokens: 200_000, outputTokens: M },
    // uncached 800000×2.5=2 · cached 200000×0.25=0.05 · output 1M×20=20
    expected: [2, 0.05, 0, 20, 0, 22.05],
    adjustments: ['service_tier:priority'],
  },
  {
    name: 'openai "default" service tier means standard prices',
    query: { provider: 'openai', model: 'gpt-5.1', at: '2026-01-01', serviceTier: 'default' },
    usage: { inputTokens: M, outputTokens: 0 },
    // 1M×1.25
    expected: [1.25, 0, 0, 0, 0, 1.25],
    adjustments: [],
    estimated: false,
  },
  {
    name: 'openai long context above 272k (gpt-5.4)',
    query: { provider: 'openai', model: 'gpt-5.4', at: '2026-06-01' },
    usage: { inputTokens: 300_000, cacheReadTokens: 100_000, outputTokens: 10_000 },
    // tier >272k: 200000×5=1 · 100000×0.5=0.05 · 10000×22.5=0.225
    expected: [1, 0.05, 0, 0.225, 0, 1.275],
    tierApplied: 'above_input_tokens:272000',
  },
  {
    name: 'openai regional processing (eu) +10%',
    query: { provider: 'openai', model: 'gpt-5.4', at: '2026-06-01', region: 'eu' },
    usage: { inputTokens: 100_000, outputTokens: 0 },
    // 100000×2.5×1.1 (below the 272k tier)
    expected: [0.275, 0, 0, 0, 0, 0.275],
    adjustments: ['region:eu'],
  },
  {
    name: 'openai batch (gpt-4o-mini)',
    query: { provider: 'openai', model: 'gpt-4o-mini-2024-07-18', at: '2025-01-01', batch: true },
    usage: { inputTokens: M, outputTokens: M },
    // 1M×0.15×0.5=0.075 · 1M×0.6×0.5=0.3
    expected: [0.075, 0, 0, 0.3, 0, 0.375],
  },
  // ---------------------------------------------------------------- Gemini
  {
    name: 'gemini adapter: cached inside prompt, thoughts outside candidates',
    query: { provider: 'gcp.gemini', model: 'gemini-2.5-flash', at: '2026-01-01' },
    usage: usageFromGemini({ promptTokenCount: 10_000, cachedContentTokenCount: 4000, candidatesTokenCount: 1000, thoughtsTokenCount: 3000 }),
    // uncached 6000×0.3=0.0018 · cached 4000×0.03=0.00012 · output 1000×2.5=0.0025 · thoughts 3000×2.5=0.0075
    expected: [0.0018, 0.00012, 0, 0.0025, 0.0075, 0.01192],
  },
  {
    name: 'gemini tool-use prompt tokens are input',
    query: { provider: 'gcp.gemini', model: 'gemini-2.5-flash', at: '2026-01-01' },
    usage: usageFromGemini({ promptTokenCount: 1000, toolUsePromptTokenCount: 500, candidatesTokenCount: 100 }),
    // 1500×0.3=0.00045 · 100×2.5=0.00025
    expected: [0.00045, 0, 0, 0.00025, 0, 0.0007],
  },
  {
    name: 'gemini pro prompt above 200k reprices the request',
    query: { provider: 'gcp.gemini', model: 'gemini-2.5-pro', at: '2026-01-01' },
    usage: usageFromGemini({ promptTokenCount: 250_000, cachedContentTokenCount: 50_000, candidatesTokenCount: 500, thoughtsTokenCount: 500 }),
    // tier >200k: 200000×2.5=0.5 · 50000×0.25=0.0125 · 500×15=0.0075 · thoughts 500×15=0.0075
    expected: [0.5, 0.0125, 0, 0.0075, 0.0075, 0.5275],
    tierApplied: 'above_input_tokens:200000',
  },
  {
    name: 'gemini audio input at its own price',
    query: { provider: 'gcp.gemini', model: 'gemini-2.5-flash', at: '2026-01-01' },
    usage: usageFromGemini({ promptTokenCount: 1500, promptTokensDetails: [{ modality: 'AUDIO', tokenCount: 1000 }, { modality: 'TEXT', tokenCount: 500 }], candidatesTokenCount: 100 }),
    // text 500×0.3=150 + audio 1000×1=1000 → 0.00115 · output 100×2.5=0.00025
    expected: [0.00115, 0, 0, 0.00025, 0, 0.0014],
  },
  {
    name: 'gemini preview with a distinct thinking price',
    query: { provider: 'gcp.gemini', model: 'gemini-2.5-flash-preview-05-20', at: '2025-05-01' },
    usage: usageFromGemini({ promptTokenCount: 1000, candidatesTokenCount: 400, thoughtsTokenCount: 600 }),
    // 1000×0.15=0.00015 · output 400×0.6=0.00024 · thinking 600×3.5=0.0021
    expected: [0.00015, 0, 0, 0.00024, 0.0021, 0.00249],
  },
  {
    name: 'gemini models/ resource name',
    query: { provider: 'gcp.gemini', model: 'models/gemini-2.5-flash', at: '2026-01-01' },
    usage: { inputTokens: M, outputTokens: 0 },
    // 1M×0.3
    expected: [0.3, 0, 0, 0, 0, 0.3],
    pricingModel: 'gcp.gemini/gemini-2.5-flash',
  },
  {
    name: 'vertex full resource name falls back to Gemini API prices',
    query: { provider: 'gcp.vertex_ai', model: 'projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash', at: '2026-01-01' },
    usage: { inputTokens: M, outputTokens: 0 },
    // 1M×0.3 from gcp.gemini (also_serves gcp.vertex_ai)
    expected: [0.3, 0, 0, 0, 0, 0.3],
    pricingModel: 'gcp.gemini/gemini-2.5-flash',
  },
  {
    name: 'gcp.gen_ai provider falls back to Gemini API prices',
    query: { provider: 'gcp.gen_ai', model: 'gemini-2.5-pro', at: '2026-01-01' },
    usage: { inputTokens: 100_000, outputTokens: 100_000 },
    // 100000×1.25=0.125 · 100000×10=1
    expected: [0.125, 0, 0, 1, 0, 1.125],
    pricingModel: 'gcp.gemini/gemini-2.5-pro',
  },
  {
    name: 'vertex @date id of Claude',
    query: { provider: 'gcp.vertex_ai', model: 'claude-sonnet-4-5@20250929', at: '2026-01-01', region: 'global' },
    usage: { inputTokens: 100_000, outputTokens: 0 },
    // 100000×3 at the global endpoint
    expected: [0.3, 0, 0, 0, 0, 0.3],
    pricingModel: 'gcp.vertex_ai/claude-sonnet-4-5',
  },
  // ---------------------------------------------------------------- Bedrock (additive cache counting)
  {
    name: 'bedrock us. profile: +10% regional premium on the converse usage',
    query: { provider: 'aws.bedrock', model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', at: '2026-01-01' },
    usage: usageFromBedrockConverse({ inputTokens: 1000, cacheReadInputTokens: 2000, cacheWriteInputTokens: 3000, outputTokens: 500 }),
    // ×1.1: input 1000×3.3=0.0033 · read 2000×0.33=0.00066 · write 3000×4.125=0.012375 · out 500×16.5=0.00825
    expected: [0.0033, 0.00066, 0.012375, 0.00825, 0, 0.024585],
    pricingModel: 'aws.bedrock/claude-sonnet-4-5',
    adjustments: ['region:us'],
  },
  {
    name: 'bedrock global. profile at list price',
    query: { provider: 'aws.bedrock', model: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0', at: '2026-01-01' },
    usage: usageFromBedrockConverse({ inputTokens: 1000, cacheReadInputTokens: 2000, cacheWriteInputTokens: 3000, outputTokens: 500 }),
    // 1000×3=0.003 · 2000×0.3=0.0006 · 3000×3.75=0.01125 · 500×15=0.0075
    expected: [0.003, 0.0006, 0.01125, 0.0075, 0, 0.02235],
    adjustments: [],
  },
  {
    name: 'bedrock inference profile ARN (eu)',
    query: { provider: 'aws.bedrock', model: 'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0', at: '2026-01-01' },
    usage: { inputTokens: 100_000, outputTokens: 0 },
    // 100000×3×1.1
    expected: [0.33, 0, 0, 0, 0, 0.33],
    adjustments: ['region:eu'],
  },
  {
    name: 'bedrock in-region endpoint: the cloud region maps to its geography premium',
    query: { provider: 'aws.bedrock', model: 'anthropic.claude-sonnet-4-5-20250929-v1:0', at: '2026-01-01', region: 'eu-west-1' },
    usage: { inputTokens: 100_000, outputTokens: 0 },
    // 100000×3×1.1
    expected: [0.33, 0, 0, 0, 0, 0.33],
    adjustments: ['region:eu'],
  },
  {
    name: 'first-party API: the caller\'s cloud region is not an inference geography',
    query: { provider: 'anthropic', model: 'claude-sonnet-4-6', at: '2026-06-01', region: 'us-east-1' },
    usage: { inputTokens: 100_000, outputTokens: 0 },
    // 100000×3, no premium
    expected: [0.3, 0, 0, 0, 0, 0.3],
    adjustments: [],
  },
  {
    name: 'vertex regional endpoint in Asia (key asia)',
    query: { provider: 'gcp.vertex_ai', model: 'claude-sonnet-4-5@20250929', at: '2026-01-01', region: 'asia-southeast1' },
    usage: { inputTokens: 100_000, outputTokens: 0 },
    // 100000×3×1.1
    expected: [0.33, 0, 0, 0, 0, 0.33],
    adjustments: ['region:asia'],
  },
  {
    name: 'bedrock cache write TTL split from cacheDetails',
    query: { provider: 'aws.bedrock', model: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0', at: '2026-01-01' },
    usage: usageFromBedrockConverse({ inputTokens: 0, cacheWriteInputTokens: 3000, cacheDetails: [{ ttl: '1h', inputTokens: 1000 }, { ttl: '5m', inputTokens: 2000 }], outputTokens: 0 }),
    // 2000×3.75=7500 + 1000×6=6000 → 0.0135
    expected: [0, 0, 0.0135, 0, 0, 0.0135],
  },
  {
    name: 'bedrock nova flex tier',
    query: { provider: 'aws.bedrock', model: 'amazon.nova-pro-v1:0', at: '2026-01-01', serviceTier: 'flex' },
    usage: { inputTokens: M, outputTokens: M },
    // 1M×0.8×0.5=0.4 · 1M×3.2×0.5=1.6
    expected: [0.4, 0, 0, 1.6, 0, 2],
    pricingModel: 'aws.bedrock/amazon.nova-pro',
  },
  {
    name: 'bedrock nova priority tier',
    query: { provider: 'aws.bedrock', model: 'us.amazon.nova-pro-v1:0', at: '2026-01-01', serviceTier: 'priority' },
    usage: { inputTokens: M, outputTokens: M },
    // 1M×0.8×1.75=1.4 · 1M×3.2×1.75=5.6
    expected: [1.4, 0, 0, 5.6, 0, 7],
  },
  // ---------------------------------------------------------------- DeepSeek, xAI
  {
    name: 'deepseek cache hit / miss fields',
    query: { provider: 'deepseek', model: 'deepseek-chat', at: '2026-01-01' },
    usage: usageFromDeepSeek({ prompt_tokens: 10_000, prompt_cache_hit_tokens: 8000, prompt_cache_miss_tokens: 2000, completion_tokens: 1000 }),
    // miss 2000×0.28=0.00056 · hit 8000×0.028=0.000224 · out 1000×0.42=0.00042
    expected: [0.00056, 0.000224, 0, 0.00042, 0, 0.001204],
  },
  {
    name: 'effective date: deepseek-v3 alias at the 2025-02-08 price',
    query: { provider: 'deepseek', model: 'deepseek-v3', at: '2025-03-01' },
    usage: usageFromDeepSeek({ prompt_cache_hit_tokens: 8000, prompt_cache_miss_tokens: 2000, completion_tokens: 1000 }),
    // miss 2000×0.27=0.00054 · hit 8000×0.07=0.00056 · out 1000×1.1=0.0011
    expected: [0.00054, 0.00056, 0, 0.0011, 0, 0.0022],
    pricingModel: 'deepseek/deepseek-chat',
  },
  {
    name: 'xai reports reasoning beside completion tokens',
    query: { provider: 'x_ai', model: 'grok-3-mini', at: '2026-01-01' },
    usage: usageFromOpenAIChat({ prompt_tokens: 32, completion_tokens: 9, total_tokens: 135, completion_tokens_details: { reasoning_tokens: 94 } }),
    // 32×0.3=9.6 · 9×0.5=4.5 · 94×0.5=47 → /1e6
    expected: [9.6e-6, 0, 0, 4.5e-6, 47e-6, 61.1e-6],
  },
  {
    name: 'xai grok-4 above 128k',
    query: { provider: 'x_ai', model: 'grok-4-0709', at: '2026-01-01' },
    usage: { inputTokens: 200_000, outputTokens: 1000 },
    // tier >128k: 200000×6=1.2 · 1000×30=0.03
    expected: [1.2, 0, 0, 0.03, 0, 1.23],
    tierApplied: 'above_input_tokens:128000',
  },
  // ---------------------------------------------------------------- Azure
  {
    name: 'azure data zone +10% from the Azure file',
    query: { provider: 'azure.ai.openai', model: 'gpt-4o-2024-11-20', at: '2026-01-01', region: 'datazone' },
    usage: { inputTokens: M, outputTokens: 0 },
    // 1M×2.5×1.1
    expected: [2.75, 0, 0, 0, 0, 2.75],
    pricingModel: 'azure.ai.openai/gpt-4o',
  },
  {
    name: 'azure model missing from the Azure file falls back to OpenAI',
    query: { provider: 'azure.ai.openai', model: 'gpt-6.2-sol', at: '2026-11-20' },
    usage: { inputTokens: 100_000, outputTokens: M },
    // 100000×2=0.2 · 1M×10=10
    expected: [0.2, 0, 0, 10, 0, 10.2],
    pricingModel: 'openai/gpt-6.2-sol',
  },
  {
    name: 'azure gpt-35 spelling resolves to the OpenAI gpt-3.5 entry',
    query: { provider: 'openai', model: 'gpt-35-turbo-1106', at: '2024-01-01' },
    usage: { inputTokens: M, outputTokens: M },
    // 1M×1 · 1M×2
    expected: [1, 0, 0, 2, 0, 3],
    pricingModel: 'openai/gpt-3.5-turbo-1106',
  },
  // ---------------------------------------------------------------- id forms
  {
    name: 'router-style provider/model id',
    query: { provider: 'openai', model: 'openai/gpt-4o', at: '2025-01-01' },
    usage: { inputTokens: M, outputTokens: 0 },
    // 1M×2.5
    expected: [2.5, 0, 0, 0, 0, 2.5],
    pricingModel: 'openai/gpt-4o',
  },
  {
    name: 'upper case id and provider alias spelling',
    query: { provider: 'OpenAI', model: 'GPT-4O-2024-08-06', at: '2025-01-01' },
    usage: { inputTokens: M, outputTokens: 0 },
    // 1M×2.5
    expected: [2.5, 0, 0, 0, 0, 2.5],
    pricingModel: 'openai/gpt-4o',
  },
  {
    name: '-latest suffix stripped',
    query: { provider: 'anthropic', model: 'claude-opus-4-8-latest', at: '2026-06-01' },
    usage: { inputTokens: M, outputTokens: 0 },
    // 1M×5
    expected: [5, 0, 0, 0, 0, 5],
    pricingModel: 'anthropic/claude-opus-4-8',
  },
  {
    name: 'unknown model is unknown, not zero',
    query: { provider: 'openai', model: 'gpt-unreleased-9', at: '2026-01-01' },
    usage: { inputTokens: M, outputTokens: M },
    expected: 'unknown',
  },
  {
    name: 'unknown provider is unknown',
    query: { provider: 'nobody', model: 'gpt-4o', at: '2026-01-01' },
    usage: { inputTokens: M, outputTokens: M },
    expected: 'unknown',
  },
  // ---------------------------------------------------------------- fixture catalog
  {
    name: 'missing cache prices fall back (cache read → input, 1h write → 5m) and flag estimated',
    catalog: 'fixture',
    query: { provider: 'acme', model: 'sketch-5m-only', at: '2025-06-01' },
    usage: { inputTokens: 3000, cacheReadTokens: 1000, cacheWriteTokens: 1000, cacheWrite1hTokens: 1000, outputTokens: 0 },
    // uncached 1000×1=0.001 · read 1000×1 (input)=0.001 · 1h write 1000×1.25 (5m)=0.00125
    expected: [0.001, 0.001, 0.00125, 0, 0, 0.00325],
    estimated: true,
  },
  {
    name: 'distinct reasoning and audio prices, cache writes split by TTL',
    catalog: 'fixture',
    query: { provider: 'acme', model: 'rocket-1', at: '2025-06-01' },
    usage: { inputTokens: 10_000, audioInputTokens: 2000, cacheReadTokens: 3000, cacheWriteTokens: 1000, cacheWrite1hTokens: 400, outputTokens: 5000, reasoningTokens: 2000, audioOutputTokens: 1000 },
    // input: text (10000-3000-1000-2000)=4000×4=16000 + audio 2000×40=80000 → 0.096
    // read 3000×1=0.003 · write 600×5=3000 + 400×8=3200 → 0.0062
    // output: text (5000-2000-1000)=2000×16=32000 + audio 1000×80=80000 → 0.112 · reasoning 2000×32=0.064
    expected: [0.096, 0.003, 0.0062, 0.112, 0.064, 0.2812],
    estimated: false,
  },
  {
    name: 'middle of two stacked tiers',
    catalog: 'fixture',
    query: { provider: 'acme', model: 'rocket-1', at: '2025-06-01' },
    usage: { inputTokens: 200_000, cacheReadTokens: 50_000, outputTokens: 1000, reasoningTokens: 500 },
    // tier >100k: 150000×8=1.2 · 50000×2=0.1 · 500×24=0.012 · reasoning 500×48=0.024
    expected: [1.2, 0.1, 0, 0.012, 0.024, 1.336],
    tierApplied: 'above_input_tokens:100000',
  },
  {
    name: 'highest tier',
    catalog: 'fixture',
    query: { provider: 'acme', model: 'rocket-1', at: '2025-06-01' },
    usage: { inputTokens: 600_000, outputTokens: 1000 },
    // tier >500k: 600000×12=7.2 · 1000×36=0.036
    expected: [7.2, 0, 0, 0.036, 0, 7.236],
    tierApplied: 'above_input_tokens:500000',
  },
  {
    name: 'priority replacement table without a reasoning price bills reasoning as output',
    catalog: 'fixture',
    query: { provider: 'acme', model: 'rocket-1', at: '2025-06-01', serviceTier: 'priority' },
    usage: { inputTokens: 100_000, cacheReadTokens: 50_000, outputTokens: M, reasoningTokens: 500_000 },
    // 50000×6=0.3 · 50000×1.5=0.075 · output 500000×30=15 · reasoning 500000×30=15 (100k is not above the 100k tier)
    expected: [0.3, 0.075, 0, 15, 15, 30.375],
  },
  {
    name: 'batch, flex and a region premium stack',
    catalog: 'fixture',
    query: { provider: 'acme', model: 'rocket', at: '2025-06-01', batch: true, serviceTier: 'flex', region: 'EU' },
    usage: { inputTokens: 100_000, outputTokens: 0 },
    // 100000×4×0.25×0.5×1.2
    expected: [0.06, 0, 0, 0, 0, 0.06],
    adjustments: ['service_tier:flex', 'batch', 'region:eu'],
  },
  {
    name: 'entry batch multiplier overrides the file default',
    catalog: 'fixture',
    query: { provider: 'acme', model: 'pebble', at: '2025-06-01', batch: true },
    usage: { inputTokens: M, outputTokens: M },
    // 1M×2×0.4=0.8 · 1M×6×0.4=2.4
    expected: [0.8, 0, 0, 2.4, 0, 3.2],
  },
  {
    name: 'a call in a gap between periods uses the previous period, estimated',
    catalog: 'fixture',
    query: { provider: 'acme', model: 'rocket-1-2025-01-01', at: '2025-03-15' },
    usage: { inputTokens: M, outputTokens: 0 },
    // 1M×10
    expected: [10, 0, 0, 0, 0, 10],
    estimated: true,
  },
  {
    name: 'a call before the first period uses the first period, estimated',
    catalog: 'fixture',
    query: { provider: 'acme', model: 'rocket-1', at: '2024-06-01' },
    usage: { inputTokens: M, outputTokens: 0 },
    // 1M×10
    expected: [10, 0, 0, 0, 0, 10],
    estimated: true,
  },
  {
    name: 'pattern match',
    catalog: 'fixture',
    query: { provider: 'acme', model: 'rocket-1-ft-custom', at: '2025-02-01' },
    usage: { inputTokens: M, outputTokens: M },
    // 1M×10 · 1M×20
    expected: [10, 0, 0, 20, 0, 30],
    pricingModel: 'acme/rocket-1',
  },
  {
    name: 'also_serves provider; batch without a batch price is full price, estimated',
    catalog: 'fixture',
    query: { provider: 'acme-cloud', model: 'lab-model', at: '2025-06-01', batch: true },
    usage: { inputTokens: M, outputTokens: 0 },
    // 1M×3
    expected: [3, 0, 0, 0, 0, 3],
    pricingModel: 'acme-lab/lab-model',
    adjustments: [],
    estimated: true,
  },
  {
    name: 'unpriced service tier: standard prices, estimated',
    catalog: 'fixture',
    query: { provider: 'acme', model: 'pebble', at: '2025-06-01', serviceTier: 'turbo' },
    usage: { inputTokens: M, outputTokens: 0 },
    // 1M×2
    expected: [2, 0, 0, 0, 0, 2],
    estimated: true,
  },
];

describe('hand-computed prices', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = (c.catalog === 'fixture' ? fixture : shipped).cost(c.query, c.usage);
    if (c.expected === 'unknown') {
      expect(result.breakdown).toBeUndefined();
      expect(result.flags.unknownModel).toBe(true);
      expect(result.pricingModel).toBeUndefined();
      return;
    }
    expect(result.flags.unknownModel).toBe(false);
    const b = result.breakdown as CostBreakdown;
    const [input, cacheRead, cacheWrite, output, reasoning, total] = c.expected;
    expect(b.input).toBeCloseTo(input, 12);
    expect(b.cacheRead).toBeCloseTo(cacheRead, 12);
    expect(b.cacheWrite).toBeCloseTo(cacheWrite, 12);
    expect(b.output).toBeCloseTo(output, 12);
    expect(b.reasoning).toBeCloseTo(reasoning, 12);
    expect(b.total).toBeCloseTo(total, 12);
    expect(input + cacheRead + cacheWrite + output + reasoning).toBeCloseTo(total, 12);
    if (c.pricingModel) expect(result.pricingModel).toBe(c.pricingModel);
    expect(result.flags.tierApplied).toBe(c.tierApplied);
    if (c.adjustments) expect(result.flags.adjustments).toEqual(c.adjustments);
    if (c.estimated !== undefined) expect(result.flags.estimated).toBe(c.estimated);
  });
});
