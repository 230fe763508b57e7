export type * from './types.ts';
export { defaultCatalog, loadCatalog, SHIPPED_CATALOG_DIR, type LoadCatalogOptions } from './catalog.ts';
export { PricingConfigError, formatIssue } from './errors.ts';
export { priceUsage, selectTier, type PricedUsage } from './calculator.ts';
export { normaliseModelId, canonicalProvider, type NormalisedModelId } from './ids.ts';
export { fromLiteLLM, isLiteLLMPriceMap } from './litellm.ts';
export {
  usageFromOpenAIChat,
  usageFromOpenAIResponses,
  usageFromAnthropic,
  usageFromGemini,
  usageFromBedrockConverse,
  usageFromDeepSeek,
  usageFromMistral,
  usageFromXAI,
  type OpenAIChatUsageLike,
  type OpenAIResponsesUsageLike,
  type AnthropicUsageLike,
  type GeminiUsageLike,
  type BedrockConverseUsageLike,
  type DeepSeekUsageLike,
} from './adapters.ts';
export { describePrices, describeTier, describeModifiers, periodOn, formatNumber } from './describe.ts';
