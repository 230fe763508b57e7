/**
 * Cost arithmetic: canonical usage (OpenTelemetry semantics: input includes cache reads and writes,
 * output includes reasoning) times prices in USD per million tokens. Nothing is rounded.
 */
import type { CanonicalUsage, CostBreakdown, RequestTier, TokenPrices } from './types.ts';

const PER_MILLION = 1_000_000;

export interface PricedUsage {
  breakdown: CostBreakdown;
  /** Threshold of the whole-request tier that repriced the request, if any. */
  tierThreshold: number | undefined;
  /** Assumptions made (missing price for a token kind, inconsistent counts); empty when exact. */
  assumptions: string[];
}

/** A non-negative finite count; anything else is treated as 0 and reported. */
function count(value: number | undefined, name: string, assumptions: string[]): number {
  if (value === undefined) return 0;
  if (Number.isFinite(value) && value >= 0) return value;
  assumptions.push(`${name} is not a non-negative number (${value}); counted as 0`);
  return 0;
}

/**
 * The tier whose threshold the request's input exceeds, highest first. Tiers reprice every token
 * kind of the request (Anthropic long context, Gemini prompts over 200k), so the whole input counts.
 */
export function selectTier(tiers: readonly RequestTier[], inputTokens: number): RequestTier | undefined {
  for (let i = tiers.length - 1; i >= 0; i--) {
    const tier = tiers[i]!;
    if (inputTokens > tier.above_input_tokens) return tier;
  }
  return undefined;
}

export function priceUsage(base: TokenPrices, tiers: readonly RequestTier[], usage: CanonicalUsage): PricedUsage {
  const assumptions: string[] = [];
  const input = count(usage.inputTokens, 'inputTokens', assumptions);
  const output = count(usage.outputTokens, 'outputTokens', assumptions);
  const cacheRead = count(usage.cacheReadTokens, 'cacheReadTokens', assumptions);
  const cacheWrite = count(usage.cacheWriteTokens, 'cacheWriteTokens', assumptions);
  let cacheWrite1h = count(usage.cacheWrite1hTokens, 'cacheWrite1hTokens', assumptions);
  const reasoning = count(usage.reasoningTokens, 'reasoningTokens', assumptions);
  const audioInput = count(usage.audioInputTokens, 'audioInputTokens', assumptions);
  const audioOutput = count(usage.audioOutputTokens, 'audioOutputTokens', assumptions);

  if (cacheWrite1h > cacheWrite) {
    assumptions.push(`cacheWrite1hTokens (${cacheWrite1h}) exceeds cacheWriteTokens (${cacheWrite}); capped`);
    cacheWrite1h = cacheWrite;
  }
  let uncachedInput = input - cacheRead - cacheWrite - audioInput;
  if (uncachedInput < 0) {
    assumptions.push(`cache and audio input tokens exceed inputTokens (${input}); uncached input counted as 0`);
    uncachedInput = 0;
  }
  let textOutput = output - reasoning - audioOutput;
  if (textOutput < 0) {
    assumptions.push(`reasoning and audio output tokens exceed outputTokens (${output}); text output counted as 0`);
    textOutput = 0;
  }

  const tier = tiers.length > 0 ? selectTier(tiers, input) : undefined;
  const p = tier ? tier.prices : base;

  // A missing price for a token kind the request used falls back to the closest billed kind, and says so.
  const fallback = (price: number | undefined, tokens: number, kind: string, instead: number, insteadName: string): number => {
    if (price !== undefined) return price;
    if (tokens > 0) assumptions.push(`no ${kind} price; ${insteadName} price used`);
    return instead;
  };
  const cacheReadPrice = fallback(p.cache_read, cacheRead, 'cache_read', p.input, 'input');
  const write5mPrice = fallback(p.cache_write_5m, cacheWrite - cacheWrite1h, 'cache_write_5m', p.input, 'input');
  const write1hPrice =
    p.cache_write_1h ??
    (p.cache_write_5m !== undefined
      ? fallback(undefined, cacheWrite1h, 'cache_write_1h', p.cache_write_5m, 'cache_write_5m')
      : fallback(undefined, cacheWrite1h, 'cache_write_1h', p.input, 'input'));
  const audioInputPrice = fallback(p.audio_input, audioInput, 'audio_input', p.input, 'input');
  const audioOutputPrice = fallback(p.audio_output, audioOutput, 'audio_output', p.output, 'output');
  // Reasoning tokens are output tokens; only some models bill them at a price of their own.
  const reasoningPrice = p.reasoning ?? p.output;

  const inputCost = (uncachedInput * p.input + audioInput * audioInputPrice) / PER_MILLION;
  const cacheReadCost = (cacheRead * cacheReadPrice) / PER_MILLION;
  const cacheWriteCost = ((cacheWrite - cacheWrite1h) * write5mPrice + cacheWrite1h * write1hPrice) / PER_MILLION;
  const outputCost = (textOutput * p.output + audioOutput * audioOutputPrice) / PER_MILLION;
  const reasoningCost = (reasoning * reasoningPrice) / PER_MILLION;
  return {
    breakdown: {
      input: inputCost,
      cacheRead: cacheReadCost,
      cacheWrite: cacheWriteCost,
      output: outputCost,
      reasoning: reasoningCost,
      total: inputCost + cacheReadCost + cacheWriteCost + outputCost + reasoningCost,
    },
    tierThreshold: tier?.above_input_tokens,
    assumptions,
  };
}

/** Every price of a table times `factor` (batch, service tier, region and discount multipliers). */
export function scalePrices(prices: TokenPrices, factor: number): TokenPrices {
  if (factor === 1) return prices;
  const scaled: Record<string, number> = {};
  for (const [kind, price] of Object.entries(prices)) scaled[kind] = price * factor;
  return scaled as unknown as TokenPrices;
}
