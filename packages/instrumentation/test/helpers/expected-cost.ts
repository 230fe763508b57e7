import type { Attributes } from '@opentelemetry/api';
import { defaultCatalog } from '@spendtrace/pricing';
import type { CanonicalUsage, PriceQuery } from '@spendtrace/pricing';

/** The cost attributes the shipped catalog gives for `usage`, as a priced span must carry them. */
export function expectedCostAttributes(query: PriceQuery, usage: CanonicalUsage): Attributes {
  const cost = defaultCatalog().cost(query, usage);
  if (!cost.breakdown) throw new Error(`catalog has no price for ${query.provider}/${query.model}`);
  const b = cost.breakdown;
  // Zero parts are left out of the span.
  const parts = { input: b.input, cache_read: b.cacheRead, cache_write: b.cacheWrite, output: b.output, reasoning: b.reasoning };
  return {
    'gen_ai.usage.cost.amount': b.total,
    'gen_ai.usage.cost.currency': 'USD',
    'gen_ai.usage.cost.source': 'local',
    ...Object.fromEntries(Object.entries(parts).filter(([, usd]) => usd !== 0).map(([part, usd]) => [`spendtrace.cost.${part}`, usd])),
    'spendtrace.pricing.model': cost.pricingModel,
    'spendtrace.pricing.version': cost.pricingVersion,
  };
}
