/**
 * @spendtrace/instrumentation: OpenTelemetry instrumentations for LLM SDKs that record GenAI
 * spans with token usage, cost and attribution, plus the attribution API.
 */
export { OpenAIInstrumentation, type OpenAIInstrumentationConfig } from './openai/index.ts';
export { AnthropicInstrumentation, type AnthropicInstrumentationConfig } from './anthropic/index.ts';
export { GoogleGenAIInstrumentation, type GoogleGenAIInstrumentationConfig } from './google/index.ts';
export { BedrockInstrumentation, type BedrockInstrumentationConfig } from './bedrock/index.ts';
export { spendtraceInstrumentations, type SpendtraceInstrumentationsConfig } from './instrumentations.ts';
export { instrument } from './instrument.ts';
export { agent, contextWithAttribution, currentAttribution, tool, withAttribution, workflow } from './attribution.ts';
export type { Attribution, AttributionKey } from './attribution.ts';
export type { SpendtraceInstrumentationConfig, PriceCatalog } from './core/index.ts';
