import { GEN_AI_PROVIDER } from '@spendtrace/semconv';

/** OpenAI-compatible hosts served through the `openai` SDK, by a part of their host name. */
const HOST_PROVIDERS: [RegExp, string][] = [
  [/(^|\.)openai\.azure\.com$|(^|\.)cognitiveservices\.azure\.com$|(^|\.)services\.ai\.azure\.com$/, GEN_AI_PROVIDER.AZURE_AI_OPENAI],
  [/(^|\.)x\.ai$/, GEN_AI_PROVIDER.X_AI],
  [/deepseek/, GEN_AI_PROVIDER.DEEPSEEK],
  [/groq/, GEN_AI_PROVIDER.GROQ],
  [/mistral/, GEN_AI_PROVIDER.MISTRAL_AI],
  [/openrouter/, 'openrouter'],
  [/perplexity/, GEN_AI_PROVIDER.PERPLEXITY],
  [/(^|\.)bedrock-(runtime|mantle)[.-]/, GEN_AI_PROVIDER.AWS_BEDROCK],
];

/**
 * `gen_ai.provider.name` for an `openai` SDK client: the client class decides for the SDK's own
 * provider clients (AzureOpenAI, BedrockOpenAI), else the base URL's host; `openai` otherwise.
 */
export function openAIProviderName(client: unknown): string {
  const ctorName = (client as { constructor?: { name?: string } } | undefined)?.constructor?.name;
  if (ctorName === 'AzureOpenAI') return GEN_AI_PROVIDER.AZURE_AI_OPENAI;
  if (ctorName === 'BedrockOpenAI') return GEN_AI_PROVIDER.AWS_BEDROCK;
  const baseURL = (client as { baseURL?: unknown } | undefined)?.baseURL;
  if (typeof baseURL !== 'string') return GEN_AI_PROVIDER.OPENAI;
  let host: string;
  try {
    host = new URL(baseURL).hostname.toLowerCase();
  } catch {
    return GEN_AI_PROVIDER.OPENAI;
  }
  for (const [pattern, provider] of HOST_PROVIDERS) if (pattern.test(host)) return provider;
  return GEN_AI_PROVIDER.OPENAI;
}
