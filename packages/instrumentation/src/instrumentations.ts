import type { Instrumentation } from '@opentelemetry/instrumentation';
import { AnthropicInstrumentation } from './anthropic/index.ts';
import type { AnthropicInstrumentationConfig } from './anthropic/index.ts';
import { BedrockInstrumentation } from './bedrock/index.ts';
import type { BedrockInstrumentationConfig } from './bedrock/index.ts';
import type { SpendtraceInstrumentationConfig } from './core/index.ts';
import { GoogleGenAIInstrumentation } from './google/index.ts';
import type { GoogleGenAIInstrumentationConfig } from './google/index.ts';
import { OpenAIInstrumentation } from './openai/index.ts';
import type { OpenAIInstrumentationConfig } from './openai/index.ts';

/** Options for every instrumentation at once, plus per-SDK options that win over them. */
export interface SpendtraceInstrumentationsConfig extends SpendtraceInstrumentationConfig {
  openai?: OpenAIInstrumentationConfig;
  anthropic?: AnthropicInstrumentationConfig;
  google?: GoogleGenAIInstrumentationConfig;
  bedrock?: BedrockInstrumentationConfig;
}

/**
 * All spendtrace instrumentations (OpenAI, Anthropic, Google Gen AI, Bedrock), for
 * `new NodeSDK({ instrumentations: [...spendtraceInstrumentations()] })`.
 */
export function spendtraceInstrumentations(config: SpendtraceInstrumentationsConfig = {}): Instrumentation[] {
  const { openai, anthropic, google, bedrock, ...shared } = config;
  return [
    new OpenAIInstrumentation({ ...shared, ...openai }),
    new AnthropicInstrumentation({ ...shared, ...anthropic }),
    new GoogleGenAIInstrumentation({ ...shared, ...google }),
    new BedrockInstrumentation({ ...shared, ...bedrock }),
  ];
}
