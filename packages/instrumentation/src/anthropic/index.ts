export { AnthropicInstrumentation } from './instrumentation.ts';
export type { AnthropicInstrumentationConfig } from './instrumentation.ts';
export { anthropicProviderName } from './provider.ts';
