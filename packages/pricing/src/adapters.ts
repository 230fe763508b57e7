/**
 * Provider usage objects → CanonicalUsage (OpenTelemetry semantics: input includes cache reads and
 * writes, output includes reasoning). Each adapter takes the SDK's usage object as it comes, with
 * every field optional and nullable, so callers pass it straight from a response or a stream chunk.
 */
import type { CanonicalUsage } from './types.ts';

type Count = number | null | undefined;

function n(value: Count): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/** Builds the usage, leaving out subsets that are zero so results compare cleanly. */
function usage(
  inputTokens: number,
  outputTokens: number,
  parts: Omit<CanonicalUsage, 'inputTokens' | 'outputTokens'>,
): CanonicalUsage {
  const out: CanonicalUsage = { inputTokens, outputTokens };
  for (const [key, value] of Object.entries(parts) as [keyof typeof parts, number | undefined][]) {
    if (value !== undefined && value > 0) out[key] = value;
  }
  return out;
}

/** OpenAI Chat Completions (also Mistral, xAI, Groq and other OpenAI-compatible APIs). */
export interface OpenAIChatUsageLike {
  prompt_tokens?: Count;
  completion_tokens?: Count;
  total_tokens?: Count;
  prompt_tokens_details?: { cached_tokens?: Count; audio_tokens?: Count } | null;
  completion_tokens_details?: { reasoning_tokens?: Count; audio_tokens?: Count } | null;
}

export function usageFromOpenAIChat(u: OpenAIChatUsageLike | null | undefined): CanonicalUsage {
  const prompt = n(u?.prompt_tokens);
  const completion = n(u?.completion_tokens);
  const reasoning = n(u?.completion_tokens_details?.reasoning_tokens);
  // OpenAI counts reasoning inside completion_tokens; xAI reports it beside them (total = prompt +
  // completion + reasoning). The total tells the two apart.
  const reasoningOutside = reasoning > 0 && n(u?.total_tokens) === prompt + completion + reasoning;
  return usage(prompt, reasoningOutside ? completion + reasoning : completion, {
    cacheReadTokens: n(u?.prompt_tokens_details?.cached_tokens),
    audioInputTokens: n(u?.prompt_tokens_details?.audio_tokens),
    reasoningTokens: reasoning,
    audioOutputTokens: n(u?.completion_tokens_details?.audio_tokens),
  });
}

/** OpenAI Responses API. */
export interface OpenAIResponsesUsageLike {
  input_tokens?: Count;
  output_tokens?: Count;
  total_tokens?: Count;
  input_tokens_details?: { cached_tokens?: Count } | null;
  output_tokens_details?: { reasoning_tokens?: Count } | null;
}

export function usageFromOpenAIResponses(u: OpenAIResponsesUsageLike | null | undefined): CanonicalUsage {
  return usage(n(u?.input_tokens), n(u?.output_tokens), {
    cacheReadTokens: n(u?.input_tokens_details?.cached_tokens),
    reasoningTokens: n(u?.output_tokens_details?.reasoning_tokens),
  });
}

/** Anthropic Messages API: `input_tokens` excludes cache reads and cache writes. */
export interface AnthropicUsageLike {
  input_tokens?: Count;
  output_tokens?: Count;
  cache_read_input_tokens?: Count;
  cache_creation_input_tokens?: Count;
  cache_creation?: { ephemeral_5m_input_tokens?: Count; ephemeral_1h_input_tokens?: Count } | null;
}

export function usageFromAnthropic(u: AnthropicUsageLike | null | undefined): CanonicalUsage {
  const cacheRead = n(u?.cache_read_input_tokens);
  const split5m = n(u?.cache_creation?.ephemeral_5m_input_tokens);
  const split1h = n(u?.cache_creation?.ephemeral_1h_input_tokens);
  // The TTL split, when present, is the authoritative total of cache writes.
  const cacheWrite = Math.max(n(u?.cache_creation_input_tokens), split5m + split1h);
  return usage(n(u?.input_tokens) + cacheRead + cacheWrite, n(u?.output_tokens), {
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    cacheWrite1hTokens: split1h,
  });
}

/** Gemini API and Vertex AI `usageMetadata`. */
export interface GeminiUsageLike {
  promptTokenCount?: Count;
  candidatesTokenCount?: Count;
  cachedContentTokenCount?: Count;
  thoughtsTokenCount?: Count;
  toolUsePromptTokenCount?: Count;
  totalTokenCount?: Count;
  promptTokensDetails?: readonly { modality?: string | null; tokenCount?: Count }[] | null;
  candidatesTokensDetails?: readonly { modality?: string | null; tokenCount?: Count }[] | null;
}

function audioTokens(details: GeminiUsageLike['promptTokensDetails']): number {
  let total = 0;
  for (const d of details ?? []) if (d.modality === 'AUDIO') total += n(d.tokenCount);
  return total;
}

export function usageFromGemini(u: GeminiUsageLike | null | undefined): CanonicalUsage {
  // promptTokenCount includes cached content; tool-use prompts and thoughts are reported beside
  // the prompt and the candidates and billed as input and output respectively.
  const thoughts = n(u?.thoughtsTokenCount);
  return usage(n(u?.promptTokenCount) + n(u?.toolUsePromptTokenCount), n(u?.candidatesTokenCount) + thoughts, {
    cacheReadTokens: n(u?.cachedContentTokenCount),
    reasoningTokens: thoughts,
    audioInputTokens: audioTokens(u?.promptTokensDetails),
    audioOutputTokens: audioTokens(u?.candidatesTokensDetails),
  });
}

/** Bedrock Converse / ConverseStream `usage`: `inputTokens` excludes cache reads and writes. */
export interface BedrockConverseUsageLike {
  inputTokens?: Count;
  outputTokens?: Count;
  totalTokens?: Count;
  cacheReadInputTokens?: Count;
  cacheWriteInputTokens?: Count;
  cacheDetails?: readonly { ttl?: string | null; inputTokens?: Count }[] | null;
}

export function usageFromBedrockConverse(u: BedrockConverseUsageLike | null | undefined): CanonicalUsage {
  const cacheRead = n(u?.cacheReadInputTokens);
  let cacheWrite1h = 0;
  let detailed = 0;
  for (const d of u?.cacheDetails ?? []) {
    detailed += n(d.inputTokens);
    if (d.ttl === '1h') cacheWrite1h += n(d.inputTokens);
  }
  const cacheWrite = Math.max(n(u?.cacheWriteInputTokens), detailed);
  return usage(n(u?.inputTokens) + cacheRead + cacheWrite, n(u?.outputTokens), {
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    cacheWrite1hTokens: Math.min(cacheWrite1h, cacheWrite),
  });
}

/** DeepSeek: OpenAI-shaped, with the cache split as `prompt_cache_hit_tokens` / `prompt_cache_miss_tokens`. */
export interface DeepSeekUsageLike extends OpenAIChatUsageLike {
  prompt_cache_hit_tokens?: Count;
  prompt_cache_miss_tokens?: Count;
}

export function usageFromDeepSeek(u: DeepSeekUsageLike | null | undefined): CanonicalUsage {
  const hit = n(u?.prompt_cache_hit_tokens);
  const prompt = u?.prompt_tokens == null ? hit + n(u?.prompt_cache_miss_tokens) : n(u.prompt_tokens);
  return usage(prompt, n(u?.completion_tokens), {
    cacheReadTokens: hit || n(u?.prompt_tokens_details?.cached_tokens),
    reasoningTokens: n(u?.completion_tokens_details?.reasoning_tokens),
  });
}

/** Mistral and xAI speak the OpenAI chat usage shape (xAI's reasoning-beside-completion included). */
export const usageFromMistral = usageFromOpenAIChat;
export const usageFromXAI = usageFromOpenAIChat;
