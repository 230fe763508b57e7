export * from './genai.ts';
export * from './spendtrace.ts';
export * from './attribution.ts';
export * from './dialects.ts';
export * from './providers.ts';
