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
  /** Multiplier on every price of this entry (negotiated discount, e.g. 0.8); mostly used in override files. */
  discount?: number;
}

export interface CatalogFile {
  provider: string;
  /** Providers whose calls this file also prices (e.g. gcp.vertex_ai for a gcp.gemini file). */
  also_serves?: string[];
  /** Default modifiers for every entry of the file. */
  modifiers?: Modifiers;
  /** Multiplier on every price of the provider (override files: a negotiated discount, e.g. 0.8). */
  discount?: number;
  entries: CatalogEntry[];
}

// ---- resolution and catalog API ----

/** How a model id found its catalog entry, for `spendtrace prices show`. */
export interface MatchExplanation {
  /** Which rule matched: the entry's canonical model id, one of its exact ids or aliases, or a pattern. */
  rule: 'model' | 'id' | 'alias' | 'pattern';
  /** The id, alias or pattern that matched. */
  value: string;
  /** The normalised form of the queried id that matched (after prefix / suffix stripping). */
  candidate: string;
  /** Set when the entry came from a fallback provider (e.g. gcp.gemini prices for gcp.vertex_ai). */
  viaProvider?: string;
}

/** A price resolved for one (provider, model, day, region, service tier, batch). Prices already carry every multiplier. */
export interface ResolvedPrice {
  /** Provider whose catalog entry matched (may differ from the query's, see `match.viaProvider`). */
  provider: string;
  /** Canonical model id of the entry. */
  model: string;
  /** `provider/model`, the value of `spendtrace.pricing.model`. */
  pricingModel: string;
  entry: CatalogEntry;
  /** The effective-dated period in force at the query time. */
  period: PricePeriod;
  /** Base prices with modifiers applied (USD per million tokens). */
  prices: TokenPrices;
  /** Whole-request tiers with modifiers applied, ascending by threshold. */
  tiers: RequestTier[];
  /** The entry's modifiers with the file's defaults merged under them. */
  modifiers: Modifiers;
  /** Product of every multiplier applied (batch, service tier, region, discount). */
  multiplier: number;
  /** Modifiers applied, e.g. `batch`, `service_tier:flex`, `region:us`, `discount:0.8`. */
  adjustments: string[];
  /** True when the price rests on an assumption (time outside every period, unpriced batch or service tier). */
  estimated: boolean;
  /** Why `estimated` is set, one reason per assumption. */
  assumptions: string[];
  match: MatchExplanation;
  source: { url: string; checked: string };
  /** File the entry came from. */
  file: string;
  /** True when the entry comes from a user override file. */
  override: boolean;
}

/** One catalog entry as listed by `spendtrace prices list`. */
export interface CatalogListing {
  provider: string;
  model: string;
  entry: CatalogEntry;
  /** Modifiers of the file merged under the entry's own. */
  modifiers: Modifiers;
  file: string;
  override: boolean;
}

export interface PriceCatalog {
  /** Content hash of the shipped catalog, plus `+` and the overrides' hash when overrides are loaded. */
  readonly version: string;
  resolve(query: PriceQuery): ResolvedPrice | undefined;
  cost(query: PriceQuery, usage: CanonicalUsage): CostResult;
  entries(): CatalogListing[];
  /** Problems found in the shipped catalog when it was loaded leniently (the invalid entries are left out). */
  readonly issues: readonly CatalogIssue[];
}

/** One validation problem, located as precisely as possible. */
export interface CatalogIssue {
  file: string;
  /** Canonical model id of the entry, or its index when the id itself is missing. */
  entry?: string;
  /** Dotted path of the field inside the entry (or the file when no entry), e.g. `periods[1].prices.input`. */
  field?: string;
  message: string;
}
