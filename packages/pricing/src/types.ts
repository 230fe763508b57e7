/**
 * The pricing contract shared by the catalog files, the resolver, the calculator and every caller
 * (instrumentation, collector, CLI). Prices are USD per million tokens.
 */

/** Token usage in OpenTelemetry GenAI semantics. */
export interface CanonicalUsage {
  /** All input tokens, cache reads and cache writes included (`gen_ai.usage.input_tokens`). */
  inputTokens: number;
  /** All output tokens, reasoning included (`gen_ai.usage.output_tokens`). */
  outputTokens: number;
  /** Subset of input read from cache. */
  cacheReadTokens?: number;
  /** Subset of input written to cache, 5 minute and 1 hour TTL together. */
  cacheWriteTokens?: number;
  /** Subset of `cacheWriteTokens` written with the 1 hour TTL. */
  cacheWrite1hTokens?: number;
  /** Subset of output spent on reasoning / thinking. */
  reasoningTokens?: number;
  /** Subset of input that is audio. */
  audioInputTokens?: number;
  /** Subset of output that is audio. */
  audioOutputTokens?: number;
}

/** Everything besides the tokens that decides the price of one call. */
export interface PriceQuery {
  /** `gen_ai.provider.name` value (openai, anthropic, gcp.gemini, gcp.vertex_ai, aws.bedrock, ...). */
  provider: string;
  /** Model id as the request or response named it; any id form the resolver accepts. */
  model: string;
  /** When the call was made; prices are effective-dated. Defaults to now. */
  at?: Date | number | string;
  /** Cloud region or data-residency zone (e.g. `eu`, `us`, `eu-west-1`, Azure `datazone`). */
  region?: string;
  /** Service tier: `flex`, `priority`, `standard`, `default`, `auto`... */
  serviceTier?: string;
  /** Batch API call. */
  batch?: boolean;
}

/** USD amounts; `total` is the sum of the others. */
export interface CostBreakdown {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
  total: number;
}

export interface CostFlags {
  /** No catalog entry matched: the cost is unknown, not zero. */
  unknownModel: boolean;
  /** A whole-request tier (e.g. prompt > 200k tokens) repriced the request. */
  tierApplied?: string;
  /** Modifiers applied, e.g. `batch`, `service_tier:flex`, `region:eu`. */
  adjustments: string[];
  /** Some of the cost rests on an assumption (e.g. token kind the catalog has no price for). */
  estimated: boolean;
}

export interface CostResult {
  /** Undefined when the model is unknown. */
  breakdown: CostBreakdown | undefined;
  currency: 'USD';
  flags: CostFlags;
  /** Canonical id of the catalog entry used (e.g. `anthropic/claude-sonnet-4-5`). */
  pricingModel?: string;
  /** Catalog version (plus override fingerprint when overrides are loaded). */
  pricingVersion: string;
}

// ---- catalog file format (packages/pricing/catalog/<provider>.yaml) ----

/** USD per million tokens. Omitted kinds fall back as documented in the calculator. */
export interface TokenPrices {
  input: number;
  output: number;
  cache_read?: number;
  cache_write_5m?: number;
  cache_write_1h?: number;
  /** Only where reasoning is billed differently from output. */
  reasoning?: number;
  audio_input?: number;
  audio_output?: number;
}

/** A whole-request tier: when the request's input tokens exceed `above_input_tokens`, every token kind uses `prices`. */
export interface RequestTier {
  above_input_tokens: number;
  prices: TokenPrices;
}

export interface PricePeriod {
  /** ISO date (inclusive). */
  from: string;
  /** ISO date (exclusive); omitted while current. */
  until?: string;
  prices: TokenPrices;
  tiers?: RequestTier[];
}

export interface Modifiers {
  /** Multiplier for batch API calls (0.5 = half price). */
  batch?: number;
  /** Per service tier: a multiplier or full replacement prices. */
  service_tiers?: Record<string, number | TokenPrices>;
  /** Per region / profile prefix / data zone: a multiplier (1.1 = +10%). */
  regions?: Record<string, number>;
}

export interface MatchRules {
  /** Exact ids (after normalisation) that resolve to this entry. */
  ids?: string[];
  aliases?: string[];
  /** Regular expressions (anchored) matched against the normalised id. */
  patterns?: string[];
}

export interface CatalogEntry {
  /** Canonical model id, unique within the provider. */
  model: string;
  /** Provider override for an entry listed in another provider's file (rare). */
  provider?: string;
  match?: MatchRules;
  periods: PricePeriod[];
  modifiers?: Modifiers;
  /** Where the prices come from, and the day they were checked (YYYY-MM-DD). */
  source: { url: string; checked: string };
  deprecated?: string;
  notes?: string;
}

export interface CatalogFile {
  provider: string;
  /** Providers whose calls this file also prices (e.g. gcp.vertex_ai for a gcp.gemini file). */
  also_serves?: string[];
  /** Default modifiers for every entry of the file. */
  modifiers?: Modifiers;
  entries: CatalogEntry[];
}
