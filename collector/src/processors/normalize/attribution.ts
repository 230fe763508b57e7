import {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_SERVICE_NAME,
  ATTRIBUTION_ATTRIBUTES,
  DEPRECATED_DEPLOYMENT_ENVIRONMENT,
  LANGFUSE,
  OPENINFERENCE,
  OPENLLMETRY,
  VERCEL_AI,
  type AttributionKey,
} from '@spendtrace/semconv';
import type { Attributes, Span } from '../../model.ts';
import { firstString, readString } from '../attributes.ts';

export type CallAttribution = Record<AttributionKey, string> & { serviceName: string; environment: string };

/**
 * Where other dialects keep the same facts, tried after our own attribute on the span and before the
 * resource. `ai.telemetry.metadata.*` and `traceloop.association.properties.*` are free-form, so the
 * attribution key itself (and its snake_case spelling) is looked up under them.
 */
const DIALECT_FALLBACKS: Partial<Record<AttributionKey, readonly string[]>> = {
  userId: [LANGFUSE.USER_ID],
  conversationId: [OPENINFERENCE.SESSION_ID, LANGFUSE.SESSION_ID],
  workflowName: [OPENLLMETRY.WORKFLOW_NAME, VERCEL_AI.TELEMETRY_FUNCTION_ID],
};

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const KEYS = Object.keys(ATTRIBUTION_ATTRIBUTES) as AttributionKey[];
const LOOKUPS: ReadonlyArray<[AttributionKey, readonly string[]]> = KEYS.map((key) => [
  key,
  [
    ATTRIBUTION_ATTRIBUTES[key],
    ...(DIALECT_FALLBACKS[key] ?? []),
    VERCEL_AI.TELEMETRY_METADATA_PREFIX + key,
    VERCEL_AI.TELEMETRY_METADATA_PREFIX + snakeCase(key),
    OPENLLMETRY.ASSOCIATION_PROPERTIES_PREFIX + key,
    OPENLLMETRY.ASSOCIATION_PROPERTIES_PREFIX + snakeCase(key),
  ],
]);

/** Attribution of one call: span attributes first, then the resource (set once for a whole service). */
export function readAttribution(span: Span): CallAttribution {
  const out = {} as CallAttribution;
  const resource = span.resource.attributes;
  for (const [key, names] of LOOKUPS) {
    out[key] = firstString(span.attributes, names) || readString(resource, ATTRIBUTION_ATTRIBUTES[key]);
  }
  out.serviceName = readString(resource, ATTR_SERVICE_NAME);
  out.environment = readEnvironment(resource, span.attributes);
  return out;
}

export function readEnvironment(resource: Attributes, spanAttributes: Attributes): string {
  return (
    firstString(resource, [ATTR_DEPLOYMENT_ENVIRONMENT_NAME, DEPRECATED_DEPLOYMENT_ENVIRONMENT]) ||
    readString(spanAttributes, LANGFUSE.ENVIRONMENT)
  );
}
