import { GEN_AI_PROVIDER } from '@spendtrace/semconv';

/*
 * Provider names as each dialect spells them, mapped to `gen_ai.provider.name` values, and the
 * providers' token-reporting rules (DESIGN.md "Token semantics").
 */

const ALIASES: Record<string, string> = {
  openai: GEN_AI_PROVIDER.OPENAI,
  anthropic: GEN_AI_PROVIDER.ANTHROPIC,
  gemini: GEN_AI_PROVIDER.GCP_GEMINI,
  google: GEN_AI_PROVIDER.GCP_GEMINI,
  'google.generative-ai': GEN_AI_PROVIDER.GCP_GEMINI,
  'google-generative-ai': GEN_AI_PROVIDER.GCP_GEMINI,
  google_genai: GEN_AI_PROVIDER.GCP_GEMINI,
  'gcp.gemini': GEN_AI_PROVIDER.GCP_GEMINI,
  vertex_ai: GEN_AI_PROVIDER.GCP_VERTEX_AI,
  vertexai: GEN_AI_PROVIDER.GCP_VERTEX_AI,
  'google.vertex': GEN_AI_PROVIDER.GCP_VERTEX_AI,
  'gcp.vertex_ai': GEN_AI_PROVIDER.GCP_VERTEX_AI,
  'gcp.gen_ai': GEN_AI_PROVIDER.GCP_GEN_AI,
  'aws.bedrock': GEN_AI_PROVIDER.AWS_BEDROCK,
  aws_bedrock: GEN_AI_PROVIDER.AWS_BEDROCK,
  bedrock: GEN_AI_PROVIDER.AWS_BEDROCK,
  'amazon-bedrock': GEN_AI_PROVIDER.AWS_BEDROCK,
  aws: GEN_AI_PROVIDER.AWS_BEDROCK,
  'az.ai.openai': GEN_AI_PROVIDER.AZURE_AI_OPENAI,
  'azure.ai.openai': GEN_AI_PROVIDER.AZURE_AI_OPENAI,
  azure: GEN_AI_PROVIDER.AZURE_AI_OPENAI,
  azure_openai: GEN_AI_PROVIDER.AZURE_AI_OPENAI,
  'azure-openai': GEN_AI_PROVIDER.AZURE_AI_OPENAI,
  'az.ai.inference': GEN_AI_PROVIDER.AZURE_AI_INFERENCE,
  'azure.ai.inference': GEN_AI_PROVIDER.AZURE_AI_INFERENCE,
  mistral_ai: GEN_AI_PROVIDER.MISTRAL_AI,
  mistralai: GEN_AI_PROVIDER.MISTRAL_AI,
  mistral: GEN_AI_PROVIDER.MISTRAL_AI,
  x_ai: GEN_AI_PROVIDER.X_AI,
  xai: GEN_AI_PROVIDER.X_AI,
  deepseek: GEN_AI_PROVIDER.DEEPSEEK,
  groq: GEN_AI_PROVIDER.GROQ,
  cohere: GEN_AI_PROVIDER.COHERE,
  perplexity: GEN_AI_PROVIDER.PERPLEXITY,
  'ibm.watsonx.ai': GEN_AI_PROVIDER.IBM_WATSONX_AI,
};

/**
 * The canonical provider name for any dialect's spelling: case-insensitive, and for the AI SDK's
 * `<provider>.<api>` form (`openai.chat`, `anthropic.messages`) the longest known prefix wins.
 * Unknown names pass through lower-cased so they are still grouped and reported.
 */
export function canonicalProvider(raw: string): string {
  const name = raw.trim().toLowerCase();
  if (name === '') return '';
  const direct = ALIASES[name];
  if (direct) return direct;
  const parts = name.split('.');
  for (let n = parts.length - 1; n >= 1; n--) {
    const hit = ALIASES[parts.slice(0, n).join('.')];
    if (hit) return hit;
  }
  return name;
}

/** Providers whose APIs report input tokens without the cached ones (input = input + cache read + cache write). */
const INPUT_EXCLUDES_CACHE: ReadonlySet<string> = new Set([GEN_AI_PROVIDER.ANTHROPIC, GEN_AI_PROVIDER.AWS_BEDROCK]);
/** Providers whose APIs report thinking outside the output count (output = candidates + thoughts). */
const OUTPUT_EXCLUDES_REASONING: ReadonlySet<string> = new Set([
  GEN_AI_PROVIDER.GCP_GEMINI,
  GEN_AI_PROVIDER.GCP_VERTEX_AI,
  GEN_AI_PROVIDER.GCP_GEN_AI,
]);

/** Token counts as one dialect reported them, before the provider rule is applied. */
export interface RawUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
  /**
   * How the dialect defines its input/output counts: `canonical` (the GenAI conventions: input
   * includes cache, output includes reasoning), `provider` (whatever the provider's API returned),
   * or `exclusive` (details are always reported apart from input/output, as Langfuse does).
   */
  semantics: 'canonical' | 'provider' | 'exclusive';
}

export interface CanonicalTokens {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
}

/**
 * Applies the provider's token rule so that input includes cache and output includes reasoning,
 * exactly once. A count smaller than its own subset cannot be inclusive whatever the dialect
 * claims (an Anthropic count passed through a "canonical" attribute), so it is treated as exclusive.
 */
export function canonicalTokens(provider: string, raw: RawUsage): CanonicalTokens {
  const cache = raw.cacheRead + raw.cacheWrite;
  let addCache: boolean;
  let addReasoning: boolean;
  if (raw.semantics === 'exclusive') {
    addCache = true;
    addReasoning = true;
  } else if (raw.semantics === 'provider') {
    addCache = INPUT_EXCLUDES_CACHE.has(provider);
    addReasoning = OUTPUT_EXCLUDES_REASONING.has(provider);
  } else {
    addCache = false;
    addReasoning = false;
  }
  if (raw.input < cache) addCache = true;
  if (raw.output < raw.reasoning) addReasoning = true;
  return {
    inputTokens: addCache ? raw.input + cache : raw.input,
    outputTokens: addReasoning ? raw.output + raw.reasoning : raw.output,
    cacheReadTokens: raw.cacheRead,
    cacheWriteTokens: raw.cacheWrite,
    reasoningTokens: raw.reasoning,
  };
}
