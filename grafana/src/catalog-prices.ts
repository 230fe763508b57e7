/**
 * The what-if panel's price table: the models listed in settings.yaml, priced from the shipped
 * catalog (@spendtrace/pricing) as in force on `whatif.priced_on`, rendered as a ClickHouse
 * VALUES table literal compiled into the dashboard SQL. Compiling the prices in keeps the
 * dashboards free of any table the collector would have to maintain; rebuilding the dashboards
 * after a catalog update refreshes them.
 */
import { defaultCatalog } from '@spendtrace/pricing';
import type { GrafanaSettings } from './settings.ts';

export interface ModelPrice {
  /** provider/model */
  model: string;
  /** USD per million tokens. */
  input: number;
  cache_read: number;
  cache_write: number;
  output: number;
}

export function whatIfPrices(settings: GrafanaSettings): ModelPrice[] {
  const catalog = defaultCatalog();
  return settings.whatif.models.map((id) => {
    const slash = id.indexOf('/');
    if (slash <= 0) throw new Error(`whatif model "${id}" must be provider/model`);
    const resolved = catalog.resolve({ provider: id.slice(0, slash), model: id.slice(slash + 1), at: settings.whatif.priced_on });
    if (!resolved) throw new Error(`whatif model "${id}" is not in the price catalog`);
    const p = resolved.prices;
    return {
      model: id,
      input: p.input,
      // A catalog entry without cache prices bills cached tokens as plain input.
      cache_read: p.cache_read ?? p.input,
      cache_write: p.cache_write_5m ?? p.input,
      output: p.output,
    };
  });
}

export function pricesTableLiteral(prices: readonly ModelPrice[]): string {
  const rows = prices.map(
    (p) => `('${p.model.replace(/'/g, "\\'")}', ${p.input}, ${p.cache_read}, ${p.cache_write}, ${p.output})`,
  );
  return `VALUES('model String, input Float64, cache_read Float64, cache_write Float64, output Float64', ${rows.join(', ')})`;
}
