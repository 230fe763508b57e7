import { propagation } from '@opentelemetry/api';
import type { Attributes, Baggage, Context } from '@opentelemetry/api';
import { ATTRIBUTION_ATTRIBUTES } from '@spendtrace/semconv';
import type { AttributionKey } from '@spendtrace/semconv';

const ATTRIBUTION_ENTRIES = Object.entries(ATTRIBUTION_ATTRIBUTES) as [AttributionKey, string][];

/** Shared by every call without attribution, so such calls allocate nothing for it. Never modified. */
export const NO_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * Attribution read from each baggage object. Baggage is immutable (setting an entry makes a new
 * one), and every call under one `withAttribution` sees the same object, so it is read once.
 */
const fromBaggage = new WeakMap<Baggage, Attributes>();

/**
 * Attribution in effect in `ctx`, as span attributes. Attribution lives in W3C baggage under the
 * attribute names, so what an upstream service set arrives here through the baggage propagator.
 * The result is shared between calls: read it, never modify it.
 */
export function attributionAttributes(ctx: Context): Attributes {
  const baggage = propagation.getBaggage(ctx);
  if (!baggage) return NO_ATTRIBUTES;
  let attributes = fromBaggage.get(baggage);
  if (attributes === undefined) {
    attributes = readAttribution(baggage);
    fromBaggage.set(baggage, attributes);
  }
  return attributes;
}

function readAttribution(baggage: Baggage): Attributes {
  let attributes: Attributes | undefined;
  for (const [, attribute] of ATTRIBUTION_ENTRIES) {
    const value = baggage.getEntry(attribute)?.value;
    if (value !== undefined && value !== '') (attributes ??= {})[attribute] = value;
  }
  return attributes ? Object.freeze(attributes) : NO_ATTRIBUTES;
}

/** Metric labels of each attribution object, for the allowlist they were picked with. */
const labelsOf = new WeakMap<Attributes, { keys: readonly AttributionKey[]; labels: Attributes }>();

/**
 * The subset of `attribution` (span attributes) that the allowlist lets onto metrics. Picked once
 * per attribution object and allowlist, and shared like `attribution`: never modify it.
 */
export function metricAttributionAttributes(attribution: Attributes, keys: readonly AttributionKey[]): Attributes {
  if (attribution === NO_ATTRIBUTES) return NO_ATTRIBUTES;
  const known = labelsOf.get(attribution);
  if (known !== undefined && known.keys === keys) return known.labels;
  let labels: Attributes | undefined;
  for (const key of keys) {
    const attribute = ATTRIBUTION_ATTRIBUTES[key];
    const value = attribution[attribute];
    if (value !== undefined) (labels ??= {})[attribute] = value;
  }
  const picked = labels ? Object.freeze(labels) : NO_ATTRIBUTES;
  // Only shared (frozen) attribution is remembered: a caller's own object may change after this.
  if (Object.isFrozen(attribution)) labelsOf.set(attribution, { keys, labels: picked });
  return picked;
}
