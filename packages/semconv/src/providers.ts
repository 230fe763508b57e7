import { GEN_AI_PROVIDER } from './genai.ts';

/**
 * Provider names as instrumentations and SDKs spell them (older semconv values, OpenLLMetry,
 * OpenInference, the Vercel AI SDK, LiteLLM), mapped to `gen_ai.provider.name` values. One table,
 * so a call is grouped under the same provider it was priced for.
 */
const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.values(GEN_AI_PROVIDER).map((name) => [name, name])),
  gemini: GEN_AI_PROVIDER.GCP_GEMINI,
  google: GEN_AI_PROVIDER.GCP_GEMINI,
  'google.gemini': GEN_AI_PROVIDER.GCP_GEMINI,
  'google.generative-ai': GEN_AI_PROVIDER.GCP_GEMINI,
  'google-generative-ai': GEN_AI_PROVIDER.GCP_GEMINI,
  google_genai: GEN_AI_PROVIDER.GCP_GEMINI,
  vertex_ai: GEN_AI_PROVIDER.GCP_VERTEX_AI,
  vertexai: GEN_AI_PROVIDER.GCP_VERTEX_AI,
  'google.vertex': GEN_AI_PROVIDER.GCP_VERTEX_AI,
  'google.vertex_ai': GEN_AI_PROVIDER.GCP_VERTEX_AI,
  aws: GEN_AI_PROVIDER.AWS_BEDROCK,
  bedrock: GEN_AI_PROVIDER.AWS_BEDROCK,
  aws_bedrock: GEN_AI_PROVIDER.AWS_BEDROCK,
  'aws-bedrock': GEN_AI_PROVIDER.AWS_BEDROCK,
  'amazon-bedrock': GEN_AI_PROVIDER.AWS_BEDROCK,
  'az.ai.openai': GEN_AI_PROVIDER.AZURE_AI_OPENAI,
  azure: GEN_AI_PROVIDER.AZURE_AI_OPENAI,
  azure_openai: GEN_AI_PROVIDER.AZURE_AI_OPENAI,
  'azure-openai': GEN_AI_PROVIDER.AZURE_AI_OPENAI,
  'az.ai.inference': GEN_AI_PROVIDER.AZURE_AI_INFERENCE,
  mistral: GEN_AI_PROVIDER.MISTRAL_AI,
  mistralai: GEN_AI_PROVIDER.MISTRAL_AI,
  xai: GEN_AI_PROVIDER.X_AI,
  'x.ai': GEN_AI_PROVIDER.X_AI,
};

/**
 * The canonical provider name for any spelling: case-insensitive, and for the `<provider>.<api>`
 * form (`openai.chat`, `anthropic.messages`) the longest known prefix wins. Unknown names pass
 * through lower-cased so they are still grouped and reported.
 */
export function canonicalProvider(raw: string): string {
  const name = raw.trim().toLowerCase();
  if (name === '') return '';
  const direct = PROVIDER_ALIASES[name];
  if (direct) return direct;
  const parts = name.split('.');
  for (let n = parts.length - 1; n >= 1; n--) {
    const hit = PROVIDER_ALIASES[parts.slice(0, n).join('.')];
    if (hit) return hit;
  }
  return name;
}
