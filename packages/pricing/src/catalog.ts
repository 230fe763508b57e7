/**
 * The public price catalog: loading (shipped files + user overrides), cached resolution and cost.
 * Resolution is cached per (provider, model, region, service tier, batch, UTC day), so pricing a
 * span on the hot path is one Map lookup plus a handful of multiplications.
 */
import { fileURLToPath } from 'node:url';
import { priceUsage } from './calculator.ts';
import { PricingConfigError } from './errors.ts';
import { contentHash, readCatalogDir, readOverrideFile, type LoadResult } from './load.ts';
import { CatalogIndex, resolveQuery } from './resolver.ts';
import type { CanonicalUsage, CatalogIssue, CatalogListing, CostResult, PriceCatalog, PriceQuery, ResolvedPrice } from './types.ts';

const DAY_MS = 86_400_000;
/** Bound on cached resolutions: ids are caller-controlled (Azure deployment names, typos). */
const MAX_CACHED = 50_000;

/** The catalog shipped with the package. */
export const SHIPPED_CATALOG_DIR = fileURLToPath(new URL('../catalog/', import.meta.url));

export interface LoadCatalogOptions {
  /** User override files: catalog-format YAML/JSON, or a LiteLLM `model_prices_and_context_window.json`. */
  overrideFiles?: readonly string[];
  /** Catalog directory to load instead of the shipped one (tests, forks). */
  catalogDir?: string;
  /**
   * Leave invalid catalog entries out (listing them in `catalog.issues`) instead of throwing.
   * Defaults to true for the shipped catalog (with a process warning: one bad entry must not stop
   * every other price) and false for a `catalogDir`. Override files are always strict: a user's own
   * prices must never be dropped silently.
   */
  lenient?: boolean;
}

/** Epoch milliseconds of a query's `at`; also accepts epoch micro- and nanoseconds (OTel timestamps). */
function timeOf(at: PriceQuery['at']): number {
  if (at === undefined) return Date.now();
  if (typeof at === 'number') {
    if (!Number.isFinite(at)) throw new TypeError(`price query time is not a finite number: ${at}`);
    if (at > 1e17) return at / 1e6;
    if (at > 1e14) return at / 1e3;
    return at;
  }
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(ms)) throw new TypeError(`price query time is not a valid date: ${String(at)}`);
  return ms;
}

class Catalog implements PriceCatalog {
  readonly version: string;
  readonly issues: readonly CatalogIssue[];
  private readonly index: CatalogIndex;
  private readonly cache = new Map<string, ResolvedPrice | null>();

  constructor(index: CatalogIndex, version: string, issues: readonly CatalogIssue[]) {
    this.index = index;
    this.version = version;
    this.issues = issues;
  }

  resolve(query: PriceQuery): ResolvedPrice | undefined {
    // Spans from other instrumentations may lack a model or provider: that is an unknown model.
    if (typeof query.model !== 'string' || typeof query.provider !== 'string' || query.model.trim() === '') return undefined;
    const day = Math.floor(timeOf(query.at) / DAY_MS);
    const key = `${query.provider}\u0001${query.model}\u0001${query.region ?? ''}\u0001${query.serviceTier ?? ''}\u0001${query.batch === true ? 1 : 0}\u0001${day}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const resolved = resolveQuery(this.index, query, day);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, resolved ?? null);
    return resolved;
  }

  cost(query: PriceQuery, usage: CanonicalUsage): CostResult {
    const resolved = this.resolve(query);
    if (!resolved) {
      return { breakdown: undefined, currency: 'USD', flags: { unknownModel: true, adjustments: [], estimated: false }, pricingVersion: this.version };
    }
    const priced = priceUsage(resolved.prices, resolved.tiers, usage);
    const result: CostResult = {
      breakdown: priced.breakdown,
      currency: 'USD',
      flags: {
        unknownModel: false,
        adjustments: resolved.adjustments.length === 0 ? [] : resolved.adjustments.slice(),
        estimated: resolved.estimated || priced.assumptions.length > 0,
      },
      pricingModel: resolved.pricingModel,
      pricingVersion: this.version,
    };
    if (priced.tierThreshold !== undefined) result.flags.tierApplied = `above_input_tokens:${priced.tierThreshold}`;
    return result;
  }

  entries(): CatalogListing[] {
    return this.index.list.map((e) => ({ provider: e.provider, model: e.entry.model, entry: e.entry, modifiers: e.modifiers, file: e.file, override: e.override }));
  }

  /** Providers that have entries of their own (fallbacks not included). */
  providers(): string[] {
    return this.index.providerNames();
  }
}

function throwIfAny(issues: readonly CatalogIssue[]): void {
  if (issues.length > 0) throw new PricingConfigError(issues);
}

/**
 * Loads the shipped catalog plus any override files. Synchronous: it runs once at start-up.
 * Throws PricingConfigError naming the file, entry and field of every problem.
 */
export function loadCatalog(options: LoadCatalogOptions = {}): PriceCatalog & { providers(): string[] } {
  // The shipped catalog alone is the same for every caller: load and index it once per process.
  const shippedOnly = (options.overrideFiles ?? []).length === 0 && options.catalogDir === undefined && options.lenient !== false;
  if (shippedOnly) return defaultCatalog();
  return readAndIndex(options);
}

function readAndIndex(options: LoadCatalogOptions): PriceCatalog & { providers(): string[] } {
  const shipped = readCatalogDir(options.catalogDir ?? SHIPPED_CATALOG_DIR);
  const overrides: LoadResult = { files: [], issues: [], contents: [] };
  for (const path of options.overrideFiles ?? []) {
    const one = readOverrideFile(path);
    overrides.files.push(...one.files);
    overrides.issues.push(...one.issues);
    overrides.contents.push(...one.contents);
  }
  throwIfAny(overrides.issues);
  const indexIssues: CatalogIssue[] = [];
  const index = new CatalogIndex(shipped.files, overrides.files, indexIssues);
  const overrideIndexIssues = indexIssues.filter((i) => (options.overrideFiles ?? []).includes(i.file));
  throwIfAny(overrideIndexIssues);
  const shippedIssues = [...shipped.issues, ...indexIssues.filter((i) => !overrideIndexIssues.includes(i))];
  const lenient = options.lenient ?? options.catalogDir === undefined;
  if (!lenient) throwIfAny(shippedIssues);
  if (options.lenient === undefined && shippedIssues.length > 0) warnInvalid(shippedIssues.length);
  let version = contentHash(shipped.contents);
  if (overrides.contents.length > 0) version += `+${contentHash(overrides.contents, 8)}`;
  return new Catalog(index, version, shippedIssues);
}

function warnInvalid(count: number): void {
  process.emitWarning(`${count} invalid price catalog entr${count === 1 ? 'y was' : 'ies were'} left out; run "spendtrace prices check" for details`, 'SpendtracePricingWarning');
}

let shippedCatalog: (PriceCatalog & { providers(): string[] }) | undefined;

/**
 * The shipped catalog, loaded once. An invalid shipped entry is left out with a process warning
 * (run `spendtrace prices check` for details) rather than taking every other price down with it.
 */
export function defaultCatalog(): PriceCatalog & { providers(): string[] } {
  shippedCatalog ??= readAndIndex({});
  return shippedCatalog;
}
