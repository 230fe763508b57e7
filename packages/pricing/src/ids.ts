/**
 * Model id and provider name normalisation. A model id reaches the catalog in many spellings
 * (dated snapshots, Bedrock inference profiles and ARNs, Vertex `@version` ids, Gemini `models/`
 * resource names, router-style `provider/model` ids); each is turned into an ordered list of
 * candidate ids, most specific first, so an exact catalog id always beats a stripped form.
 */

/** Bedrock cross-region inference profile prefixes; the prefix decides the regional premium. */
const PROFILE_PREFIX = /^(global|us-gov|us|eu|apac|jp|au|ca)\./;
/** Model vendor prefixes of Bedrock model ids (`anthropic.claude-…`, `amazon.nova-…`). */
const VENDOR_PREFIX = /^(anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer|google|nvidia|minimax|moonshot|moonshotai|twelvelabs|stability|luma|zai)\./;

/**
 * Suffixes that name a snapshot or version of a model rather than a different model, tried in
 * order on the end of the id and stripped repeatedly (`-20250929-v1:0` → `-20250929-v1` → …).
 */
const VERSION_SUFFIXES: readonly RegExp[] = [
  /@[^@]*$/, // Vertex AI: claude-sonnet-4-5@20250929, gemini-2.5-pro@001
  /:[a-z0-9]+$/, // Bedrock: -v1:0, :200k context variants
  /-v\d+$/, // Bedrock: -v1
  /-\d{4}-\d{2}-\d{2}$/, // OpenAI: gpt-4o-2024-08-06
  /-\d{8}$/, // Anthropic: claude-sonnet-4-5-20250929
  /-\d{2}-\d{4}$/, // Cohere / Gemini previews: command-r-08-2024, -09-2025
  /-\d{2}-\d{2}$/, // Gemini previews: -05-20
  /-latest$/,
  /-\d{4}$/, // OpenAI / Mistral / xAI: gpt-4-0613, mistral-large-2411, grok-4-0709
  /-\d{3}$/, // Gemini: gemini-2.0-flash-001
];

export interface NormalisedModelId {
  /** Candidate ids, most specific first, all lower case. */
  candidates: string[];
  /** Bedrock inference profile prefix found in the id (`us`, `eu`, `apac`, `global`...). */
  profile: string | undefined;
}

function stripVersions(id: string, add: (candidate: string) => void): void {
  let current = id;
  add(current);
  for (let guard = 0; guard < 16; guard++) {
    const rule = VERSION_SUFFIXES.find((re) => re.test(current));
    if (!rule) return;
    const next = current.replace(rule, '');
    if (next === '' || next === current) return;
    current = next;
    add(current);
  }
}

export function normaliseModelId(rawId: string): NormalisedModelId {
  const seen = new Set<string>();
  const candidates: string[] = [];
  const add = (candidate: string): void => {
    if (candidate !== '' && !seen.has(candidate)) {
      seen.add(candidate);
      candidates.push(candidate);
    }
  };
  let id = rawId.trim().toLowerCase();
  add(id);

  // Fine-tuned OpenAI models (`ft:gpt-4o-mini-2024-07-18:org:name:id`) are priced apart from their
  // base model, so they only ever match `ft:`-prefixed catalog ids.
  if (id.startsWith('ft:')) {
    const base = id.slice(3).split(':')[0] ?? '';
    for (const candidate of normaliseModelId(base).candidates) add(`ft:${candidate}`);
    return { candidates, profile: undefined };
  }
  // ARNs of inference profiles and foundation models end in the model or profile id.
  if (id.startsWith('arn:')) {
    id = id.slice(id.lastIndexOf('/') + 1);
    add(id);
  }
  // Gemini and Vertex resource names: models/gemini-2.5-flash, publishers/google/models/gemini-2.5-pro.
  const models = id.lastIndexOf('models/');
  if (models >= 0) {
    id = id.slice(models + 'models/'.length);
    add(id);
  }
  const bases = [id];
  // Router-style ids (`openai/gpt-4o`) — but Groq's `meta-llama/llama-4-…` keeps the full id first.
  const slash = id.lastIndexOf('/');
  if (slash >= 0) bases.push(id.slice(slash + 1));

  let profile: string | undefined;
  for (let base of bases) {
    const profileMatch = PROFILE_PREFIX.exec(base);
    if (profileMatch) {
      profile ??= profileMatch[1];
      add(base);
      base = base.slice(profileMatch[0].length);
    }
    stripVersions(base, add);
    const unvendored = base.replace(VENDOR_PREFIX, '');
    if (unvendored !== base) stripVersions(unvendored, add);
  }
  // Azure names GPT-3.5 deployments and models without the dot.
  for (const candidate of [...candidates]) {
    if (candidate.includes('gpt-35')) add(candidate.replace('gpt-35', 'gpt-3.5'));
  }
  return { candidates, profile };
}

/** Provider spellings are resolved by the one table in @spendtrace/semconv. */
export { canonicalProvider } from '@spendtrace/semconv';

/**
 * Where to look next when a provider's own file has no entry: Vertex AI and the generic Google
 * GenAI name bill Gemini at the Gemini API's prices and Claude at Anthropic's; Azure OpenAI bills
 * the OpenAI models; Bedrock bills Claude at Anthropic's prices.
 */
export const PROVIDER_FALLBACKS: Readonly<Record<string, readonly string[]>> = {
  'gcp.vertex_ai': ['gcp.gemini', 'anthropic'],
  'gcp.gen_ai': ['gcp.gemini', 'gcp.vertex_ai', 'anthropic'],
  'azure.ai.openai': ['openai'],
  'azure.ai.inference': ['azure.ai.openai', 'openai'],
  'aws.bedrock': ['anthropic'],
};

/**
 * Providers whose `region` is a cloud region that decides the price (Bedrock in-region endpoints,
 * Vertex regional endpoints). For first-party APIs a region says where the caller runs, not where
 * inference happens, so it never maps to a geography premium there.
 */
const CLOUD_PROVIDERS: ReadonlySet<string> = new Set(['aws.bedrock', 'gcp.vertex_ai', 'gcp.gen_ai', 'azure.ai.openai', 'azure.ai.inference']);

/** Region keys a cloud region may be priced under, e.g. `eu-west-1` → [`eu`], `asia-east1` → [`asia`, `apac`]. */
export function regionGeography(provider: string, region: string): string[] {
  if (!CLOUD_PROVIDERS.has(provider)) return [];
  const lower = region.toLowerCase();
  if (/^ap[-_]/.test(lower) || /^(asia|australia|japan)/.test(lower)) return ['apac', 'asia'];
  if (/^(europe|eu[-_])/.test(lower)) return ['eu'];
  if (/^(us|northamerica)/.test(lower)) return ['us'];
  const geo = /^(ca|sa|me|af|mx|il)[-_]/.exec(lower);
  return geo ? [geo[1]!] : [];
}
