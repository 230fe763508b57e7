export { OpenAIInstrumentation } from './instrumentation.ts';
export type { OpenAIInstrumentationConfig } from './instrumentation.ts';
export { openAIProviderName } from './provider.ts';
