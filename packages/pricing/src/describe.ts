/** Plain-text renderings of catalog data for people (the `spendtrace prices` and `cost` commands). */
import type { Modifiers, PricePeriod, RequestTier, TokenPrices } from './types.ts';

const PRICE_ORDER: readonly (keyof TokenPrices)[] = ['input', 'output', 'cache_read', 'cache_write_5m', 'cache_write_1h', 'reasoning', 'audio_input', 'audio_output'];

/** `input 3 · output 15 · cache_read 0.3` (USD per million tokens). */
export function describePrices(prices: TokenPrices): string {
  return PRICE_ORDER.filter((k) => prices[k] !== undefined)
    .map((k) => `${k} ${formatNumber(prices[k]!)}`)
    .join(' · ');
}

export function describeTier(tier: RequestTier): string {
  return `above ${tier.above_input_tokens} input tokens: ${describePrices(tier.prices)}`;
}

export function describeModifiers(modifiers: Modifiers): string[] {
  const lines: string[] = [];
  if (modifiers.batch !== undefined) lines.push(`batch ×${formatNumber(modifiers.batch)}`);
  for (const [tier, value] of Object.entries(modifiers.service_tiers ?? {})) {
    lines.push(`service tier ${tier}: ${typeof value === 'number' ? `×${formatNumber(value)}` : describePrices(value)}`);
  }
  for (const [region, value] of Object.entries(modifiers.regions ?? {})) lines.push(`region ${region} ×${formatNumber(value)}`);
  return lines;
}

/** The period in force on a day (YYYY-MM-DD), or undefined when none is. */
export function periodOn(periods: readonly PricePeriod[], day: string): PricePeriod | undefined {
  for (let i = periods.length - 1; i >= 0; i--) {
    const p = periods[i]!;
    const until = p.until ?? periods[i + 1]?.from;
    if (p.from <= day && (until === undefined || day < until)) return p;
  }
  return undefined;
}

/** Numbers without binary noise: 0.30000000000000004 → 0.3. */
export function formatNumber(value: number): string {
  return String(Number(value.toPrecision(12)));
}
