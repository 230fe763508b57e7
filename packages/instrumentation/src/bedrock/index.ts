export { BedrockInstrumentation } from './instrumentation.ts';
export type { BedrockInstrumentationConfig } from './instrumentation.ts';
