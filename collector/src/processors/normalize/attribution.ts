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
import type { Span } from '../../model.ts';
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

/**
 * Every span attribute name that can carry an attribution value, with the key it fills and its rank
 * (lower wins): our own name first, then the other dialects' names. One pass over a span's
 * attributes with this index replaces probing dozens of names that are mostly absent.
 */
const SPAN_INDEX = new Map<string, { key: AttributionKey; rank: number }>();
for (const key of KEYS) {
  const names = [
    ATTRIBUTION_ATTRIBUTES[key],
    ...(DIALECT_FALLBACKS[key] ?? []),
    VERCEL_AI.TELEMETRY_METADATA_PREFIX + key,
    VERCEL_AI.TELEMETRY_METADATA_PREFIX + snakeCase(key),
    OPENLLMETRY.ASSOCIATION_PROPERTIES_PREFIX + key,
    OPENLLMETRY.ASSOCIATION_PROPERTIES_PREFIX + snakeCase(key),
  ];
  names.forEach((name, rank) => {
    if (!SPAN_INDEX.has(name)) SPAN_INDEX.set(name, { key, rank });
  });
}

interface ResourceFacts {
  attribution: Record<AttributionKey, string>;
  serviceName: string;
  environment: string;
}

/** Spans of one request share their Resource object, so its facts are read once per resource. */
const resourceFacts = new WeakMap<object, ResourceFacts>();

function factsOf(resource: Span['resource']): ResourceFacts {
  let facts = resourceFacts.get(resource);
  if (!facts) {
    const a = resource.attributes;
    const attribution = {} as Record<AttributionKey, string>;
    for (const key of KEYS) attribution[key] = readString(a, ATTRIBUTION_ATTRIBUTES[key]);
    facts = {
      attribution,
      serviceName: readString(a, ATTR_SERVICE_NAME),
      environment: firstString(a, [ATTR_DEPLOYMENT_ENVIRONMENT_NAME, DEPRECATED_DEPLOYMENT_ENVIRONMENT]),
    };
    resourceFacts.set(resource, facts);
  }
  return facts;
}

/** Attribution of one call: span attributes first, then the resource (set once for a whole service). */
export function readAttribution(span: Span): CallAttribution {
  const facts = factsOf(span.resource);
  const out = { ...facts.attribution } as CallAttribution;
  const ranks: Partial<Record<AttributionKey, number>> = {};
  const attrs = span.attributes;
  for (const name in attrs) {
    const hit = SPAN_INDEX.get(name);
    if (!hit) continue;
    const value = readString(attrs, name);
    if (value === '') continue;
    const best = ranks[hit.key];
    if (best !== undefined && best <= hit.rank) continue;
    ranks[hit.key] = hit.rank;
    out[hit.key] = value;
  }
  out.serviceName = facts.serviceName;
  out.environment = facts.environment || readString(attrs, LANGFUSE.ENVIRONMENT);
  return out;
}
