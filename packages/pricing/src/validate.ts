/**
 * Structural validation of catalog and override files. Works entry by entry so that one bad entry
 * is reported with its file, model and field, and (when loading leniently) the rest still loads.
 */
import type { CatalogEntry, CatalogFile, CatalogIssue, MatchRules, Modifiers, PricePeriod, RequestTier, TokenPrices } from './types.ts';

export type FileKind = 'catalog' | 'override';

export interface ValidatedFile {
  /** The file with only its valid entries; undefined when the file header itself is unusable. */
  catalog: CatalogFile | undefined;
  issues: CatalogIssue[];
}

const FILE_KEYS = new Set(['provider', 'also_serves', 'modifiers', 'discount', 'entries']);
const ENTRY_KEYS = new Set(['model', 'provider', 'match', 'periods', 'modifiers', 'source', 'deprecated', 'notes', 'discount']);
/** Override files may give `prices` instead of `periods`: one period in force since forever. */
const OVERRIDE_ENTRY_KEYS = new Set([...ENTRY_KEYS, 'prices']);
const MATCH_KEYS = new Set(['ids', 'aliases', 'patterns']);
const PERIOD_KEYS = new Set(['from', 'until', 'prices', 'tiers']);
const PRICE_KEYS = new Set(['input', 'output', 'cache_read', 'cache_write_5m', 'cache_write_1h', 'reasoning', 'audio_input', 'audio_output']);
const TIER_KEYS = new Set(['above_input_tokens', 'prices']);
const MODIFIER_KEYS = new Set(['batch', 'service_tiers', 'regions']);
const SOURCE_KEYS = new Set(['url', 'checked']);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Start of time for override `prices` shorthand: the override applies to every call. */
export const OVERRIDE_EPOCH = '1970-01-01';

/** Collects issues for one location; `at(field)` narrows the location. */
class Reporter {
  readonly issues: CatalogIssue[];
  readonly file: string;
  readonly entry: string | undefined;

  constructor(issues: CatalogIssue[], file: string, entry?: string) {
    this.issues = issues;
    this.file = file;
    this.entry = entry;
  }

  add(field: string | undefined, message: string): void {
    const issue: CatalogIssue = { file: this.file, message };
    if (this.entry !== undefined) issue.entry = this.entry;
    if (field !== undefined && field !== '') issue.field = field;
    this.issues.push(issue);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value === 'object' ? 'an object' : String(value);
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

function checkKeys(obj: Record<string, unknown>, allowed: ReadonlySet<string>, path: string, r: Reporter): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) r.add(join(path, key), `unknown key "${key}" (allowed: ${[...allowed].join(', ')})`);
  }
}

/** YAML 1.1 loaders turn unquoted dates into Date objects; accept those as the date they spell. */
function asDateString(value: unknown): string | undefined {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
  if (typeof value !== 'string' || !DATE.test(value)) return undefined;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value ? value : undefined;
}

function checkDate(value: unknown, path: string, r: Reporter): string | undefined {
  const date = asDateString(value);
  if (date === undefined) r.add(path, `must be a date YYYY-MM-DD, got ${describe(value)}`);
  return date;
}

function checkNonNegative(value: unknown, path: string, r: Reporter): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    r.add(path, `must be a number, got ${describe(value)}`);
    return false;
  }
  if (value < 0) {
    r.add(path, `must not be negative, got ${value}`);
    return false;
  }
  return true;
}

function checkMultiplier(value: unknown, path: string, r: Reporter): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    r.add(path, `must be a positive number (a multiplier), got ${describe(value)}`);
    return false;
  }
  return true;
}

function checkStringList(value: unknown, path: string, r: Reporter): string[] | undefined {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.trim() === '')) {
    r.add(path, `must be a list of non-empty strings, got ${describe(value)}`);
    return undefined;
  }
  return value as string[];
}

function checkPrices(value: unknown, path: string, r: Reporter): TokenPrices | undefined {
  if (!isRecord(value)) {
    r.add(path, `must be an object of USD per million tokens, got ${describe(value)}`);
    return undefined;
  }
  const before = r.issues.length;
  checkKeys(value, PRICE_KEYS, path, r);
  for (const required of ['input', 'output']) {
    if (!(required in value)) r.add(join(path, required), 'is required');
  }
  for (const [key, price] of Object.entries(value)) {
    if (PRICE_KEYS.has(key)) checkNonNegative(price, join(path, key), r);
  }
  return r.issues.length === before ? (value as unknown as TokenPrices) : undefined;
}

function checkModifiers(value: unknown, path: string, r: Reporter): Modifiers | undefined {
  if (!isRecord(value)) {
    r.add(path, `must be an object, got ${describe(value)}`);
    return undefined;
  }
  checkKeys(value, MODIFIER_KEYS, path, r);
  if (value['batch'] !== undefined) checkMultiplier(value['batch'], join(path, 'batch'), r);
  const tiers = value['service_tiers'];
  if (tiers !== undefined) {
    if (!isRecord(tiers)) r.add(join(path, 'service_tiers'), `must be an object, got ${describe(tiers)}`);
    else {
      for (const [name, tier] of Object.entries(tiers)) {
        const tierPath = join(join(path, 'service_tiers'), name);
        if (typeof tier === 'number') checkMultiplier(tier, tierPath, r);
        else checkPrices(tier, tierPath, r);
      }
    }
  }
  const regions = value['regions'];
  if (regions !== undefined) {
    if (!isRecord(regions)) r.add(join(path, 'regions'), `must be an object, got ${describe(regions)}`);
    else for (const [name, m] of Object.entries(regions)) checkMultiplier(m, join(join(path, 'regions'), name), r);
  }
  return value as Modifiers;
}

function checkMatch(value: unknown, r: Reporter): MatchRules | undefined {
  if (!isRecord(value)) {
    r.add('match', `must be an object, got ${describe(value)}`);
    return undefined;
  }
  checkKeys(value, MATCH_KEYS, 'match', r);
  for (const key of ['ids', 'aliases'] as const) {
    if (value[key] !== undefined) checkStringList(value[key], `match.${key}`, r);
  }
  if (value['patterns'] !== undefined) {
    const patterns = checkStringList(value['patterns'], 'match.patterns', r);
    patterns?.forEach((pattern, i) => {
      try {
        new RegExp(pattern);
      } catch (err) {
        r.add(`match.patterns[${i}]`, `is not a valid regular expression: ${(err as Error).message}`);
      }
    });
  }
  return value as MatchRules;
}

function checkTiers(value: unknown, path: string, r: Reporter): void {
  if (!Array.isArray(value)) {
    r.add(path, `must be a list, got ${describe(value)}`);
    return;
  }
  let previous = -Infinity;
  value.forEach((tier: unknown, i) => {
    const tierPath = join(path, i);
    if (!isRecord(tier)) {
      r.add(tierPath, `must be an object, got ${describe(tier)}`);
      return;
    }
    checkKeys(tier, TIER_KEYS, tierPath, r);
    const threshold = tier['above_input_tokens'];
    if (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold <= 0) {
      r.add(join(tierPath, 'above_input_tokens'), `must be a positive whole number of tokens, got ${describe(threshold)}`);
    } else if (threshold <= previous) {
      r.add(join(tierPath, 'above_input_tokens'), `tiers must be in ascending order of threshold (${threshold} after ${previous})`);
    } else previous = threshold;
    checkPrices(tier['prices'], join(tierPath, 'prices'), r);
  });
}

/** Periods must be ordered by `from` and must not overlap; an omitted `until` closes at the next period's start. */
function checkPeriods(value: unknown, r: Reporter): void {
  if (!Array.isArray(value) || value.length === 0) {
    r.add('periods', `must be a non-empty list of price periods, got ${describe(value)}`);
    return;
  }
  let previousFrom: string | undefined;
  let previousUntil: string | undefined;
  value.forEach((period: unknown, i) => {
    const path = `periods[${i}]`;
    if (!isRecord(period)) {
      r.add(path, `must be an object, got ${describe(period)}`);
      return;
    }
    checkKeys(period, PERIOD_KEYS, path, r);
    const from = checkDate(period['from'], `${path}.from`, r);
    const until = period['until'] === undefined ? undefined : checkDate(period['until'], `${path}.until`, r);
    if (from !== undefined && until !== undefined && until <= from) {
      r.add(`${path}.until`, `must be after from (${from}), got ${until}`);
    }
    if (from !== undefined && previousFrom !== undefined) {
      if (from <= previousFrom) r.add(`${path}.from`, `periods must be in ascending order: ${from} does not follow ${previousFrom}`);
      else if (previousUntil !== undefined && from < previousUntil) {
        r.add(`${path}.from`, `overlaps periods[${i - 1}], which runs until ${previousUntil}`);
      }
    }
    checkPrices(period['prices'], `${path}.prices`, r);
    if (period['tiers'] !== undefined) checkTiers(period['tiers'], `${path}.tiers`, r);
    if (from !== undefined) previousFrom = from;
    previousUntil = until;
  });
}

function checkSource(value: unknown, r: Reporter): void {
  if (!isRecord(value)) {
    r.add('source', value === undefined ? 'is required (url and checked date of the published prices)' : `must be an object with url and checked, got ${describe(value)}`);
    return;
  }
  checkKeys(value, SOURCE_KEYS, 'source', r);
  if (typeof value['url'] !== 'string' || value['url'].trim() === '') r.add('source.url', `is required, got ${describe(value['url'])}`);
  if (value['checked'] === undefined) r.add('source.checked', 'is required (the date the prices were checked, YYYY-MM-DD)');
  else checkDate(value['checked'], 'source.checked', r);
}

function entryLabel(raw: unknown, index: number): string {
  return isRecord(raw) && typeof raw['model'] === 'string' && raw['model'] !== '' ? raw['model'] : `#${index}`;
}

/** Validates one entry; returns it normalised (dates as strings, override shorthand expanded) when valid. */
function validateEntry(raw: unknown, index: number, file: string, kind: FileKind, issues: CatalogIssue[]): CatalogEntry | undefined {
  const r = new Reporter(issues, file, entryLabel(raw, index));
  const before = issues.length;
  if (!isRecord(raw)) {
    r.add(undefined, `must be an object, got ${describe(raw)}`);
    return undefined;
  }
  const entry: Record<string, unknown> = { ...raw };
  checkKeys(entry, kind === 'override' ? OVERRIDE_ENTRY_KEYS : ENTRY_KEYS, '', r);
  if (typeof entry['model'] !== 'string' || entry['model'].trim() === '') r.add('model', `is required (the canonical model id), got ${describe(entry['model'])}`);
  if (entry['provider'] !== undefined && (typeof entry['provider'] !== 'string' || entry['provider'] === '')) r.add('provider', `must be a provider name, got ${describe(entry['provider'])}`);
  let shorthand = false;
  if (kind === 'override' && entry['prices'] !== undefined) {
    shorthand = true;
    if (entry['periods'] !== undefined) r.add('prices', 'give either prices or periods, not both');
    else if (checkPrices(entry['prices'], 'prices', r)) entry['periods'] = [{ from: OVERRIDE_EPOCH, prices: entry['prices'] }];
    delete entry['prices'];
  }
  if (entry['match'] !== undefined) checkMatch(entry['match'], r);
  if (!shorthand) checkPeriods(entry['periods'], r);
  if (entry['modifiers'] !== undefined) checkModifiers(entry['modifiers'], 'modifiers', r);
  if (entry['discount'] !== undefined) checkMultiplier(entry['discount'], 'discount', r);
  // Negotiated and self-hosted prices have no public page: overrides may omit their source.
  if (kind === 'catalog' || entry['source'] !== undefined) checkSource(entry['source'], r);
  for (const key of ['deprecated', 'notes']) {
    if (entry[key] !== undefined && typeof entry[key] !== 'string') r.add(key, `must be a string, got ${describe(entry[key])}`);
  }
  if (issues.length !== before) return undefined;
  return normaliseDates(entry) as unknown as CatalogEntry;
}

/** Replaces Date objects (from YAML 1.1 timestamps) with the YYYY-MM-DD strings the resolver expects. */
function normaliseDates(entry: Record<string, unknown>): Record<string, unknown> {
  const periods = (entry['periods'] as Record<string, unknown>[]).map((p) => {
    const copy: Record<string, unknown> = { ...p, from: asDateString(p['from']) };
    if (p['until'] !== undefined) copy['until'] = asDateString(p['until']);
    return copy as unknown as PricePeriod;
  });
  const out: Record<string, unknown> = { ...entry, periods };
  if (isRecord(entry['source'])) out['source'] = { ...entry['source'], checked: asDateString(entry['source']['checked']) ?? entry['source']['checked'] };
  return out;
}

/**
 * Validates a parsed catalog (or override) file. The returned catalog holds only valid entries;
 * `issues` names the file, entry and field of every problem.
 */
export function validateCatalogFile(raw: unknown, file: string, kind: FileKind): ValidatedFile {
  const issues: CatalogIssue[] = [];
  const r = new Reporter(issues, file);
  if (!isRecord(raw)) {
    r.add(undefined, `must be an object with provider and entries, got ${describe(raw)}`);
    return { catalog: undefined, issues };
  }
  checkKeys(raw, FILE_KEYS, '', r);
  const provider = raw['provider'];
  if (typeof provider !== 'string' || provider.trim() === '') r.add('provider', `is required (a gen_ai.provider.name value), got ${describe(provider)}`);
  if (raw['also_serves'] !== undefined) checkStringList(raw['also_serves'], 'also_serves', r);
  if (raw['modifiers'] !== undefined) checkModifiers(raw['modifiers'], 'modifiers', r);
  if (raw['discount'] !== undefined) checkMultiplier(raw['discount'], 'discount', r);
  const rawEntries = raw['entries'] ?? (kind === 'override' ? [] : undefined);
  if (!Array.isArray(rawEntries)) {
    r.add('entries', `must be a list of entries, got ${describe(rawEntries)}`);
    return { catalog: undefined, issues };
  }
  if (issues.length > 0) return { catalog: undefined, issues };
  const entries: CatalogEntry[] = [];
  rawEntries.forEach((rawEntry: unknown, i) => {
    const entry = validateEntry(rawEntry, i, file, kind, issues);
    if (entry) entries.push(entry);
  });
  const catalog: CatalogFile = { ...(raw as unknown as CatalogFile), entries };
  return { catalog, issues };
}
