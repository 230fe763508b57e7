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
 * The span attribute names that can carry each attribution value, in precedence order: our own name
 * first, then the other dialects' names. A name two keys could claim belongs to the first key.
 *
 * The names are probed one by one rather than found in one pass over the span's attributes: a span
 * carries 30-40 attributes of which a handful are attribution, and probing usually stops at our own
 * attribute (spans decoded from OTLP/JSON also still have dictionary-mode attribute objects, which
 * are slow to enumerate).
 */
const SPAN_NAMES = {} as Record<AttributionKey, readonly string[]>;
const claimed = new Set<string>();
for (const key of KEYS) {
  const names = [
    ATTRIBUTION_ATTRIBUTES[key],
    ...(DIALECT_FALLBACKS[key] ?? []),
    VERCEL_AI.TELEMETRY_METADATA_PREFIX + key,
    VERCEL_AI.TELEMETRY_METADATA_PREFIX + snakeCase(key),
    OPENLLMETRY.ASSOCIATION_PROPERTIES_PREFIX + key,
    OPENLLMETRY.ASSOCIATION_PROPERTIES_PREFIX + snakeCase(key),
  ].filter((name) => !claimed.has(name));
  for (const name of names) claimed.add(name);
  SPAN_NAMES[key] = names;
}

interface ResourceFacts {
  attribution: Record<AttributionKey, string>;
  serviceName: string;
  environment: string;
}

/** Spans of one request share their Resource object, so its facts are read once per resource. */
const resourceFacts = new WeakMap<object, ResourceFacts>();
/** The resource asked about last and its facts: consecutive spans nearly always share it. */
let lastResource: object | undefined;
let lastFacts: ResourceFacts | undefined;

function factsOf(resource: Span['resource']): ResourceFacts {
  if (resource === lastResource) return lastFacts!;
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
  lastResource = resource;
  lastFacts = facts;
  return facts;
}

/** Attribution of one call: span attributes first, then the resource (set once for a whole service). */
export function readAttribution(span: Span): CallAttribution {
  const facts = factsOf(span.resource);
  const fromResource = facts.attribution;
  const a = span.attributes;
  // One literal with every field, in the order of ATTRIBUTION_ATTRIBUTES, gives every result one shape.
  return {
    feature: firstString(a, SPAN_NAMES.feature) || fromResource.feature,
    userId: firstString(a, SPAN_NAMES.userId) || fromResource.userId,
    customerId: firstString(a, SPAN_NAMES.customerId) || fromResource.customerId,
    team: firstString(a, SPAN_NAMES.team) || fromResource.team,
    promptVersion: firstString(a, SPAN_NAMES.promptVersion) || fromResource.promptVersion,
    promptName: firstString(a, SPAN_NAMES.promptName) || fromResource.promptName,
    workflowName: firstString(a, SPAN_NAMES.workflowName) || fromResource.workflowName,
    agentName: firstString(a, SPAN_NAMES.agentName) || fromResource.agentName,
    conversationId: firstString(a, SPAN_NAMES.conversationId) || fromResource.conversationId,
    serviceName: facts.serviceName,
    environment: facts.environment || readString(a, LANGFUSE.ENVIRONMENT),
  };
}
