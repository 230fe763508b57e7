import { GEN_AI_PROVIDER } from '@spendtrace/semconv';

const PROVIDER_BY_CLIENT_CLASS: Record<string, string> = {
  AnthropicBedrock: GEN_AI_PROVIDER.AWS_BEDROCK,
  AnthropicVertex: GEN_AI_PROVIDER.GCP_VERTEX_AI,
};

/**
 * `gen_ai.provider.name` for an Anthropic SDK client. Recent SDKs name the platform a client talks
 * to (`_genAIProviderName`, overridden by the Bedrock, Vertex and Foundry clients); older ones are
 * told apart by client class.
 */
export function anthropicProviderName(client: unknown): string {
  const c = client as { _genAIProviderName?: unknown; constructor?: { name?: string } } | undefined;
  if (typeof c?._genAIProviderName === 'string' && c._genAIProviderName !== '') return c._genAIProviderName;
  const byClass = c?.constructor?.name ? PROVIDER_BY_CLIENT_CLASS[c.constructor.name] : undefined;
  return byClass ?? GEN_AI_PROVIDER.ANTHROPIC;
}

/** Region of a Bedrock or Vertex client, which the price can depend on. */
export function anthropicRegion(client: unknown): string | undefined {
  const c = client as { awsRegion?: unknown; region?: unknown } | undefined;
  const region = c?.awsRegion ?? c?.region;
  return typeof region === 'string' ? region : undefined;
}
