import { diag } from '@opentelemetry/api';
import * as pricingModule from '@spendtrace/pricing';
import type { CanonicalUsage, CostResult, PriceQuery } from '@spendtrace/pricing';

/** The part of a `@spendtrace/pricing` catalog the instrumentation uses. */
export interface PriceCatalog {
  cost(query: PriceQuery, usage: CanonicalUsage): CostResult;
}

/** Raw usage object of one SDK → canonical usage. */
export type UsageAdapter = (raw: unknown) => CanonicalUsage | undefined;

/**
 * The functions of `@spendtrace/pricing` the instrumentation calls, looked up at run time so that a
 * pricing build without one of them leaves calls unpriced (one diagnostic) instead of failing to load.
 */
interface PricingFunctions {
  defaultCatalog?: () => PriceCatalog;
  loadCatalog?: (options: { overrideFiles?: string[] }) => PriceCatalog | Promise<PriceCatalog>;
  usageFromOpenAIChat?: UsageAdapter;
  usageFromOpenAIResponses?: UsageAdapter;
  usageFromAnthropic?: UsageAdapter;
  usageFromGemini?: UsageAdapter;
  usageFromBedrockConverse?: UsageAdapter;
  usageFromDeepSeek?: UsageAdapter;
  usageFromMistral?: UsageAdapter;
  usageFromXAI?: UsageAdapter;
}
const pricing = pricingModule as unknown as PricingFunctions;

export type UsageAdapterName = Exclude<keyof PricingFunctions, 'defaultCatalog' | 'loadCatalog'>;

const reported = new Set<string>();
function reportOnce(key: string, message: string, error?: unknown): void {
  if (reported.has(key)) return;
  reported.add(key);
  diag.warn(`spendtrace: ${message}`, error);
}

/** Canonical usage from a provider's raw usage block, or undefined when it cannot be read. */
export function canonicalUsage(adapter: UsageAdapterName, raw: unknown): CanonicalUsage | undefined {
  if (raw == null) return undefined;
  const fn = pricing[adapter];
  if (typeof fn !== 'function') {
    reportOnce(adapter, `@spendtrace/pricing has no ${adapter}; token usage is not recorded`);
    return undefined;
  }
  try {
    return fn(raw) ?? undefined;
  } catch (error) {
    reportOnce(`${adapter}:error`, `${adapter} failed on a usage block; token usage is not recorded`, error);
    return undefined;
  }
}

/**
 * Resolves the catalog a recorder prices with: the configured one, else the shipped catalog plus
 * any override files. Override loading may be asynchronous; until it finishes, calls are priced with
 * the shipped catalog, and a failure to load keeps the shipped catalog with one diagnostic.
 */
export class CatalogHolder {
  /** Loads the catalog ahead of the first call, so no call pays for reading the price files. */
  warm(configured: PriceCatalog | undefined, overrideFiles: string[] | undefined): void {
    this.get(configured, overrideFiles);
  }

  private catalog: PriceCatalog | undefined;
  private loadedFor: string | undefined;

  get(configured: PriceCatalog | undefined, overrideFiles: string[] | undefined): PriceCatalog | undefined {
    if (configured) return configured;
    const key = overrideFiles?.join('\0') ?? '';
    if (this.loadedFor === key) return this.catalog;
    this.loadedFor = key;
    this.catalog = this.shipped();
    if (overrideFiles && overrideFiles.length > 0) this.loadOverrides(overrideFiles, key);
    return this.catalog;
  }

  private shipped(): PriceCatalog | undefined {
    if (typeof pricing.defaultCatalog !== 'function') {
      reportOnce('defaultCatalog', '@spendtrace/pricing has no defaultCatalog; calls are not priced');
      return undefined;
    }
    try {
      return pricing.defaultCatalog();
    } catch (error) {
      reportOnce('defaultCatalog:error', 'could not load the price catalog; calls are not priced', error);
      return undefined;
    }
  }

  private loadOverrides(overrideFiles: string[], key: string): void {
    if (typeof pricing.loadCatalog !== 'function') {
      reportOnce('loadCatalog', '@spendtrace/pricing has no loadCatalog; price override files are ignored');
      return;
    }
    const keep = (catalog: PriceCatalog): void => {
      if (this.loadedFor === key) this.catalog = catalog;
    };
    const fail = (error: unknown): void => reportOnce(`overrides:${key}`, `could not load price overrides ${overrideFiles.join(', ')}`, error);
    try {
      const loaded = pricing.loadCatalog({ overrideFiles });
      if (loaded && typeof (loaded as Promise<PriceCatalog>).then === 'function') (loaded as Promise<PriceCatalog>).then(keep, fail);
      else keep(loaded as PriceCatalog);
    } catch (error) {
      fail(error);
    }
  }
}

/** Prices one call; undefined when no catalog is available or the calculator threw. */
export function priceCall(catalog: PriceCatalog | undefined, query: PriceQuery, usage: CanonicalUsage): CostResult | undefined {
  if (!catalog) return undefined;
  try {
    return catalog.cost(query, usage);
  } catch (error) {
    reportOnce(`cost:${query.provider}/${query.model}`, `pricing ${query.provider}/${query.model} failed`, error);
    return undefined;
  }
}
