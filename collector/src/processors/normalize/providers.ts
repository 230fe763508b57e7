import { GEN_AI_PROVIDER } from '@spendtrace/semconv';

/* The providers' token-reporting rules (DESIGN.md "Token semantics"). */

/** Spellings of provider names are resolved by the one table in @spendtrace/semconv. */
export { canonicalProvider } from '@spendtrace/semconv';

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
