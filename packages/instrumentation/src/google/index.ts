export { GoogleGenAIInstrumentation } from './instrumentation.ts';
export type { GoogleGenAIInstrumentationConfig } from './instrumentation.ts';
