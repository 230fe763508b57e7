import { propagation } from '@opentelemetry/api';
import type { Attributes, Context } from '@opentelemetry/api';
import { ATTRIBUTION_ATTRIBUTES } from '@spendtrace/semconv';
import type { AttributionKey } from '@spendtrace/semconv';

const ATTRIBUTION_ENTRIES = Object.entries(ATTRIBUTION_ATTRIBUTES) as [AttributionKey, string][];

/**
 * Attribution in effect in `ctx`, as span attributes. Attribution lives in W3C baggage under the
 * attribute names, so what an upstream service set arrives here through the baggage propagator.
 */
export function attributionAttributes(ctx: Context): Attributes {
  const baggage = propagation.getBaggage(ctx);
  const attributes: Attributes = {};
  if (!baggage) return attributes;
  for (const [, attribute] of ATTRIBUTION_ENTRIES) {
    const value = baggage.getEntry(attribute)?.value;
    if (value !== undefined && value !== '') attributes[attribute] = value;
  }
  return attributes;
}

/** The subset of `attribution` (span attributes) that the allowlist lets onto metrics. */
export function metricAttributionAttributes(attribution: Attributes, keys: readonly AttributionKey[]): Attributes {
  const labels: Attributes = {};
  for (const key of keys) {
    const attribute = ATTRIBUTION_ATTRIBUTES[key];
    const value = attribution[attribute];
    if (value !== undefined) labels[attribute] = value;
  }
  return labels;
}
