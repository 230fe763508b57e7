/**
 * The catalog index and the (uncached) resolution of a price query: provider chain → entry match →
 * period in force → modifiers (service tier, batch, region, discount) folded into the prices.
 */
import { scalePrices } from './calculator.ts';
import { canonicalProvider, normaliseModelId, PROVIDER_FALLBACKS, regionGeography } from './ids.ts';
import type { LoadedFile } from './load.ts';
import type { CatalogEntry, CatalogIssue, MatchExplanation, MatchRules, Modifiers, PricePeriod, PriceQuery, RequestTier, ResolvedPrice } from './types.ts';

const DAY_MS = 86_400_000;
/** Service tier names that mean "standard prices". */
const STANDARD_TIERS = new Set(['', 'default', 'standard', 'auto', 'on_demand', 'on-demand']);

export interface IndexedEntry {
  provider: string;
  entry: CatalogEntry;
  /** File modifiers merged under the entry's own. */
  modifiers: Modifiers;
  /** Product of the file's, the entry's and any override provider discount. */
  discount: number;
  file: string;
  override: boolean;
  patterns: { source: string; re: RegExp }[];
  /** Period bounds in UTC days since the epoch; `until` is the next period's start or Infinity. */
  periodDays: { from: number; until: number }[];
}

interface ExactMatch {
  indexed: IndexedEntry;
  rule: 'model' | 'id' | 'alias';
  value: string;
}

interface ProviderIndex {
  exact: Map<string, ExactMatch>;
  patterned: IndexedEntry[];
}

export function dayOf(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

function mergeModifiers(under: Modifiers | undefined, over: Modifiers | undefined): Modifiers {
  const merged: Modifiers = {};
  const batch = over?.batch ?? under?.batch;
  if (batch !== undefined) merged.batch = batch;
  if (under?.service_tiers || over?.service_tiers) merged.service_tiers = { ...under?.service_tiers, ...over?.service_tiers };
  if (under?.regions || over?.regions) merged.regions = { ...under?.regions, ...over?.regions };
  return merged;
}

function mergeMatch(under: MatchRules | undefined, over: MatchRules | undefined): MatchRules | undefined {
  if (!under) return over;
  if (!over) return under;
  const union = (a: string[] | undefined, b: string[] | undefined): string[] => [...new Set([...(b ?? []), ...(a ?? [])])];
  return { ids: union(under.ids, over.ids), aliases: union(under.aliases, over.aliases), patterns: union(under.patterns, over.patterns) };
}

function periodDays(periods: readonly PricePeriod[]): { from: number; until: number }[] {
  return periods.map((p, i) => {
    const next = periods[i + 1];
    const until = p.until !== undefined ? dayOf(p.until) : next ? dayOf(next.from) : Infinity;
    return { from: dayOf(p.from), until };
  });
}

function idsOf(entry: CatalogEntry): { id: string; rule: ExactMatch['rule'] }[] {
  return [
    { id: entry.model, rule: 'model' as const },
    ...(entry.match?.ids ?? []).map((id) => ({ id, rule: 'id' as const })),
    ...(entry.match?.aliases ?? []).map((id) => ({ id, rule: 'alias' as const })),
  ].map(({ id, rule }) => ({ id: id.trim().toLowerCase(), rule }));
}

function makeIndexed(provider: string, entry: CatalogEntry, modifiers: Modifiers, discount: number, file: string, override: boolean): IndexedEntry {
  return {
    provider,
    entry,
    modifiers,
    discount,
    file,
    override,
    // Anchored and case-insensitive: a pattern describes a whole id, whatever its case.
    patterns: (entry.match?.patterns ?? []).map((source) => ({ source, re: new RegExp(`^(?:${source})$`, 'i') })),
    periodDays: periodDays(entry.periods),
  };
}

/**
 * Indexes the shipped files and the overrides. Overrides replace shipped entries with the same
 * canonical model (keeping the shipped match rules and modifiers unless they give their own) and
 * are consulted first. Duplicate ids within the shipped catalog, or within the overrides, are issues.
 */
export class CatalogIndex {
  readonly list: IndexedEntry[] = [];
  private readonly providers = new Map<string, ProviderIndex>();
  /** provider → providers whose files declare they also serve it. */
  private readonly servedBy = new Map<string, string[]>();

  constructor(shipped: readonly LoadedFile[], overrides: readonly LoadedFile[], issues: CatalogIssue[]) {
    const providerDiscount = new Map<string, number>();
    for (const { catalog } of overrides) {
      if (catalog.discount !== undefined) {
        const provider = canonicalProvider(catalog.provider);
        providerDiscount.set(provider, (providerDiscount.get(provider) ?? 1) * catalog.discount);
      }
    }
    const overrideEntries = this.collect(overrides, issues, providerDiscount);
    const shippedEntries = this.collect(shipped, issues, providerDiscount);
    const byModel = new Map(shippedEntries.map((e) => [`${e.provider}\0${e.entry.model.toLowerCase()}`, e]));
    for (const o of overrideEntries) {
      const key = `${o.provider}\0${o.entry.model.toLowerCase()}`;
      const replaced = byModel.get(key);
      if (replaced) {
        byModel.delete(key);
        const match = mergeMatch(replaced.entry.match, o.entry.match);
        const entry: CatalogEntry = { ...o.entry, ...(match ? { match } : {}) };
        if (!o.entry.source) entry.source = replaced.entry.source;
        this.list.push(makeIndexed(o.provider, entry, mergeModifiers(replaced.modifiers, o.modifiers), o.discount, o.file, true));
      } else this.list.push(o);
    }
    this.list.push(...byModel.values());
    for (const indexed of this.list) this.add(indexed);
  }

  private collect(files: readonly LoadedFile[], issues: CatalogIssue[], providerDiscount: ReadonlyMap<string, number>): IndexedEntry[] {
    const out: IndexedEntry[] = [];
    const owners = new Map<string, { model: string; file: string }>();
    for (const { path, kind, catalog } of files) {
      const fileProvider = canonicalProvider(catalog.provider);
      for (const served of catalog.also_serves ?? []) {
        const list = this.servedBy.get(canonicalProvider(served)) ?? [];
        if (!list.includes(fileProvider)) list.push(fileProvider);
        this.servedBy.set(canonicalProvider(served), list);
      }
      for (const entry of catalog.entries) {
        const provider = entry.provider ? canonicalProvider(entry.provider) : fileProvider;
        const clash = idsOf(entry).find(({ id }) => {
          const owner = owners.get(`${provider}\0${id}`);
          return owner !== undefined && owner.model !== entry.model;
        });
        if (clash) {
          const owner = owners.get(`${provider}\0${clash.id}`)!;
          issues.push({
            file: path,
            entry: entry.model,
            field: clash.rule === 'model' ? 'model' : `match.${clash.rule === 'id' ? 'ids' : 'aliases'}`,
            message: `id "${clash.id}" is already used by entry "${owner.model}" of provider ${provider} (${owner.file})`,
          });
          continue;
        }
        const duplicateModel = out.find((e) => e.provider === provider && e.entry.model.toLowerCase() === entry.model.toLowerCase());
        if (duplicateModel) {
          issues.push({ file: path, entry: entry.model, field: 'model', message: `model "${entry.model}" is listed twice for provider ${provider} (also in ${duplicateModel.file})` });
          continue;
        }
        for (const { id } of idsOf(entry)) owners.set(`${provider}\0${id}`, { model: entry.model, file: path });
        const modifiers = mergeModifiers(catalog.modifiers, entry.modifiers);
        // In an override file the file-level discount is a provider-wide one, already in providerDiscount.
        const fileDiscount = kind === 'catalog' ? (catalog.discount ?? 1) : 1;
        const discount = fileDiscount * (entry.discount ?? 1) * (providerDiscount.get(provider) ?? 1);
        out.push(makeIndexed(provider, entry, modifiers, discount, path, kind === 'override'));
      }
    }
    return out;
  }

  private add(indexed: IndexedEntry): void {
    let index = this.providers.get(indexed.provider);
    if (!index) {
      index = { exact: new Map(), patterned: [] };
      this.providers.set(indexed.provider, index);
    }
    for (const { id, rule } of idsOf(indexed.entry)) {
      if (!index.exact.has(id)) index.exact.set(id, { indexed, rule, value: id });
    }
    if (indexed.patterns.length > 0) index.patterned.push(indexed);
  }

  /** Providers whose entries can price a call of `provider`, in order of precedence. */
  providerChain(provider: string): string[] {
    const chain = [provider, ...(this.servedBy.get(provider) ?? [])];
    for (const fallback of PROVIDER_FALLBACKS[provider] ?? []) {
      chain.push(fallback, ...(this.servedBy.get(fallback) ?? []));
    }
    return [...new Set(chain)];
  }

  /** Finds the entry for a model id: exact ids of each provider in the chain first, then its patterns. */
  match(provider: string, model: string): { indexed: IndexedEntry; match: MatchExplanation; profile: string | undefined } | undefined {
    const canonical = canonicalProvider(provider);
    const { candidates, profile } = normaliseModelId(model);
    for (const p of this.providerChain(canonical)) {
      const index = this.providers.get(p);
      if (!index) continue;
      const via = p === canonical ? {} : { viaProvider: p };
      for (const candidate of candidates) {
        const hit = index.exact.get(candidate);
        if (hit) return { indexed: hit.indexed, match: { rule: hit.rule, value: hit.value, candidate, ...via }, profile };
      }
      for (const indexed of index.patterned) {
        for (const candidate of candidates) {
          const pattern = indexed.patterns.find(({ re }) => re.test(candidate));
          if (pattern) return { indexed, match: { rule: 'pattern', value: pattern.source, candidate, ...via }, profile };
        }
      }
    }
    return undefined;
  }

  providerNames(): string[] {
    return [...this.providers.keys()].sort();
  }
}

/** The period in force on `day`; outside every period, the nearest one, with the assumption stated. */
function periodFor(indexed: IndexedEntry, day: number, assumptions: string[]): PricePeriod {
  const { periods } = indexed.entry;
  let nearest = 0;
  for (let i = 0; i < periods.length; i++) {
    const bounds = indexed.periodDays[i]!;
    if (day >= bounds.from && day < bounds.until) return periods[i]!;
    if (day >= bounds.from) nearest = i;
  }
  const chosen = periods[nearest]!;
  const when = new Date(day * DAY_MS).toISOString().slice(0, 10);
  assumptions.push(`no price period covers ${when}; the period from ${chosen.from} is used`);
  return chosen;
}

/** Resolves a query against the index. `day` is the UTC day (days since the epoch) of the call. */
export function resolveQuery(index: CatalogIndex, query: PriceQuery, day: number): ResolvedPrice | undefined {
  const found = index.match(query.provider, query.model);
  if (!found) return undefined;
  const { indexed, match, profile } = found;
  const assumptions: string[] = [];
  const adjustments: string[] = [];
  const period = periodFor(indexed, day, assumptions);
  const { modifiers } = indexed;

  let base = period.prices;
  let multiplier = 1;
  let batch = query.batch === true;
  const tier = (query.serviceTier ?? '').trim().toLowerCase();
  if (tier === 'batch') batch = true;
  else if (!STANDARD_TIERS.has(tier)) {
    const tierPrice = modifiers.service_tiers?.[tier];
    if (typeof tierPrice === 'number') multiplier *= tierPrice;
    else if (tierPrice) base = tierPrice;
    if (tierPrice === undefined) assumptions.push(`no price for service tier "${tier}"; standard prices used`);
    else adjustments.push(`service_tier:${tier}`);
  }
  if (batch) {
    if (modifiers.batch !== undefined) {
      multiplier *= modifiers.batch;
      adjustments.push('batch');
    } else assumptions.push('no batch price; standard prices used');
  }
  // The Bedrock profile in the id (us., eu., global.) decides first; then the region as given; then its geography.
  const regionKeys = [profile, query.region?.trim().toLowerCase(), ...(query.region ? regionGeography(canonicalProvider(query.provider), query.region) : [])];
  for (const key of regionKeys) {
    if (key === undefined || key === '') continue;
    const regional = modifiers.regions?.[key];
    if (regional !== undefined) {
      multiplier *= regional;
      if (regional !== 1) adjustments.push(`region:${key}`);
      break;
    }
  }
  if (indexed.discount !== 1) {
    multiplier *= indexed.discount;
    adjustments.push(`discount:${indexed.discount}`);
  }
  const tiers: RequestTier[] = (period.tiers ?? []).map((t) => ({ above_input_tokens: t.above_input_tokens, prices: scalePrices(t.prices, multiplier) }));
  return {
    provider: indexed.provider,
    model: indexed.entry.model,
    pricingModel: `${indexed.provider}/${indexed.entry.model}`,
    entry: indexed.entry,
    period,
    prices: scalePrices(base, multiplier),
    tiers,
    modifiers,
    multiplier,
    adjustments,
    estimated: assumptions.length > 0,
    assumptions,
    match,
    source: indexed.entry.source ?? { url: `override:${indexed.file}`, checked: '' },
    file: indexed.file,
    override: indexed.override,
  };
}
