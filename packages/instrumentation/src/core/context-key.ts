import type { createContextKey } from '@opentelemetry/api';

export type ContextKey = ReturnType<typeof createContextKey>;
