/**
 * Import of LiteLLM's `model_prices_and_context_window.json` (USD per token, keyed by model) as
 * override catalog files (USD per million tokens, one file per provider).
 */
import type { CatalogEntry, CatalogFile, Modifiers, RequestTier, TokenPrices } from './types.ts';

/** LiteLLM `litellm_provider` values → `gen_ai.provider.name`. Unlisted values are kept as they are. */
const LITELLM_PROVIDERS: Readonly<Record<string, string>> = {
  openai: 'openai',
  'text-completion-openai': 'openai',
  anthropic: 'anthropic',
  gemini: 'gcp.gemini',
  vertex_ai: 'gcp.vertex_ai',
  bedrock: 'aws.bedrock',
  bedrock_converse: 'aws.bedrock',
  azure: 'azure.ai.openai',
  azure_text: 'azure.ai.openai',
  azure_ai: 'azure.ai.inference',
  mistral: 'mistral_ai',
  codestral: 'mistral_ai',
  xai: 'x_ai',
  deepseek: 'deepseek',
  groq: 'groq',
  cohere: 'cohere',
  cohere_chat: 'cohere',
  perplexity: 'perplexity',
  watsonx: 'ibm.watsonx.ai',
};

function providerFor(litellmProvider: string): string {
  if (litellmProvider.startsWith('vertex_ai')) return 'gcp.vertex_ai';
  return LITELLM_PROVIDERS[litellmProvider] ?? litellmProvider;
}

type Spec = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A LiteLLM price map is a bare object of model specs, recognisable by its per-token cost fields. */
export function isLiteLLMPriceMap(raw: unknown): raw is Record<string, unknown> {
  if (!isRecord(raw) || 'entries' in raw || 'provider' in raw) return false;
  return Object.values(raw).some((spec) => isRecord(spec) && ('litellm_provider' in spec || 'input_cost_per_token' in spec));
}

/** Per token → per million, without the binary noise of the multiplication (3e-6 * 1e6 = 2.9999999999999996). */
function perMillion(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? Number((value * 1_000_000).toPrecision(12)) : undefined;
}

function setPrice(prices: Record<string, number>, kind: keyof TokenPrices, value: unknown): void {
  const converted = perMillion(value);
  if (converted !== undefined) prices[kind] = converted;
}

function pricesFrom(spec: Spec, suffix: string): TokenPrices | undefined {
  const prices: Record<string, number> = {};
  setPrice(prices, 'input', spec[`input_cost_per_token${suffix}`]);
  setPrice(prices, 'output', spec[`output_cost_per_token${suffix}`]);
  setPrice(prices, 'cache_read', spec[`cache_read_input_token_cost${suffix}`]);
  setPrice(prices, 'cache_write_5m', spec[`cache_creation_input_token_cost${suffix}`]);
  if (suffix === '') {
    setPrice(prices, 'cache_write_1h', spec['cache_creation_input_token_cost_above_1hr']);
    setPrice(prices, 'reasoning', spec['output_cost_per_reasoning_token']);
    setPrice(prices, 'audio_input', spec['input_cost_per_audio_token']);
    setPrice(prices, 'audio_output', spec['output_cost_per_audio_token']);
  }
  return prices['input'] !== undefined && prices['output'] !== undefined ? (prices as unknown as TokenPrices) : undefined;
}

/** `input_cost_per_token_above_200k_tokens` and friends become whole-request tiers. */
function tiersFrom(spec: Spec, base: TokenPrices): RequestTier[] {
  const tiers: RequestTier[] = [];
  for (const key of Object.keys(spec)) {
    const m = /^input_cost_per_token_above_(\d+)k_tokens$/.exec(key);
    if (!m) continue;
    const suffix = `_above_${m[1]}k_tokens`;
    const input = perMillion(spec[key]);
    if (input === undefined) continue;
    const prices: Record<string, number> = { input, output: perMillion(spec[`output_cost_per_token${suffix}`]) ?? base.output };
    setPrice(prices, 'cache_read', spec[`cache_read_input_token_cost${suffix}`]);
    setPrice(prices, 'cache_write_5m', spec[`cache_creation_input_token_cost${suffix}`]);
    tiers.push({ above_input_tokens: Number(m[1]) * 1000, prices: prices as unknown as TokenPrices });
  }
  return tiers.sort((a, b) => a.above_input_tokens - b.above_input_tokens);
}

function modifiersFrom(spec: Spec, base: TokenPrices): Modifiers | undefined {
  const modifiers: Modifiers = {};
  const batchInput = perMillion(spec['input_cost_per_token_batches']);
  if (batchInput !== undefined && base.input > 0) modifiers.batch = Number((batchInput / base.input).toPrecision(12));
  for (const tier of ['flex', 'priority']) {
    const prices = pricesFrom(spec, `_${tier}`);
    if (prices) (modifiers.service_tiers ??= {})[tier] = prices;
  }
  return Object.keys(modifiers).length > 0 ? modifiers : undefined;
}

/** The model id a LiteLLM key names: `gemini/gemini-2.5-pro` → `gemini-2.5-pro`, `azure/gpt-4o` → `gpt-4o`. */
function modelIdFrom(key: string, litellmProvider: string): string {
  const prefix = `${litellmProvider}/`;
  return key.startsWith(prefix) ? key.slice(prefix.length) : key;
}

export interface LiteLLMImport {
  files: CatalogFile[];
  /** Keys left out: no per-token input and output price (image, audio-only, per-second models) or repeated ids. */
  skipped: string[];
}

export function fromLiteLLM(map: Record<string, unknown>, source: { url: string; checked: string }): LiteLLMImport {
  const byProvider = new Map<string, Map<string, CatalogEntry>>();
  const skipped: string[] = [];
  for (const [key, spec] of Object.entries(map)) {
    if (key === 'sample_spec' || !isRecord(spec)) continue;
    const base = pricesFrom(spec, '');
    const litellmProvider = typeof spec['litellm_provider'] === 'string' ? spec['litellm_provider'] : '';
    if (!base || litellmProvider === '') {
      skipped.push(key);
      continue;
    }
    const provider = providerFor(litellmProvider);
    const model = modelIdFrom(key, litellmProvider);
    const entries = byProvider.get(provider) ?? new Map<string, CatalogEntry>();
    byProvider.set(provider, entries);
    if (entries.has(model.toLowerCase())) {
      skipped.push(key);
      continue;
    }
    const tiers = tiersFrom(spec, base);
    const entry: CatalogEntry = {
      model,
      periods: [{ from: '1970-01-01', prices: base, ...(tiers.length > 0 ? { tiers } : {}) }],
      source,
    };
    const modifiers = modifiersFrom(spec, base);
    if (modifiers) entry.modifiers = modifiers;
    entries.set(model.toLowerCase(), entry);
  }
  const files = [...byProvider].map(([provider, entries]): CatalogFile => ({ provider, entries: [...entries.values()] }));
  return { files, skipped };
}
