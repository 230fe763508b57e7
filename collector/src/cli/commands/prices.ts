/**
 * `spendtrace prices list|show|check`: what the catalog prices, why a model id resolves the way it
 * does, and whether the catalog and the user's override files are valid.
 */
import {
  canonicalProvider,
  formatNumber,
  describeModifiers,
  describePrices,
  describeTier,
  formatIssue,
  loadCatalog,
  normaliseModelId,
  periodOn,
  PricingConfigError,
  type CatalogIssue,
  type PriceQuery,
  type ResolvedPrice,
} from '@spendtrace/pricing';
import { HELP_OPTION, parseCommandArgs, printError, usageError } from '../options.ts';

const USAGE = `usage: spendtrace prices <list|show|check> [options]

  list [--provider P] [--json]                 priced models and their current prices (USD per 1M tokens)
  show MODEL [--provider P] [--at ISO] [--region R] [--service-tier T] [--batch] [--json]
                                               how MODEL resolves: matching rule, period, tiers, modifiers, source
  check                                        validate the catalog and the override files; non-zero exit on errors

Common options:
  --prices FILE    override file (repeatable): catalog-format YAML/JSON or a LiteLLM price map
  --catalog DIR    price catalog directory instead of the shipped one
`;

class UsageError extends Error {}

type Values = {
  provider?: string | undefined;
  prices?: string[] | undefined;
  catalog?: string | undefined;
  json?: boolean | undefined;
  at?: string | undefined;
  region?: string | undefined;
  'service-tier'?: string | undefined;
  batch?: boolean | undefined;
};

function load(values: Values, lenient = false): ReturnType<typeof loadCatalog> {
  return loadCatalog({ overrideFiles: values.prices ?? [], lenient, ...(values.catalog ? { catalogDir: values.catalog } : {}) });
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  return rows.map((r) => r.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd()).join('\n');
}

function price(value: number | undefined): string {
  return value === undefined ? '-' : formatNumber(value);
}

function list(values: Values): number {
  const catalog = load(values);
  const today = (values.at ? new Date(values.at) : new Date()).toISOString().slice(0, 10);
  const provider = values.provider ? canonicalProvider(values.provider) : undefined;
  const listed = catalog.entries().filter((e) => provider === undefined || e.provider === provider);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(listed.map((e) => ({ ...e.entry, provider: e.provider, override: e.override, file: e.file, modifiers: e.modifiers })), null, 2)}\n`);
    return 0;
  }
  const rows = [['provider', 'model', 'input', 'output', 'cache read', 'write 5m', 'write 1h', 'since', 'tiers', 'checked', 'status']];
  for (const e of listed) {
    const period = periodOn(e.entry.periods, today);
    const shown = period ?? e.entry.periods[e.entry.periods.length - 1]!;
    const p = shown.prices;
    const status = [period ? '' : 'not current', e.entry.deprecated ? 'deprecated' : '', e.override ? 'override' : ''].filter(Boolean).join(', ');
    rows.push([
      e.provider,
      e.model,
      price(p.input),
      price(p.output),
      price(p.cache_read),
      price(p.cache_write_5m),
      price(p.cache_write_1h),
      shown.from,
      (shown.tiers ?? []).map((t) => `>${t.above_input_tokens}`).join(' '),
      e.entry.source?.checked ?? '',
      status,
    ]);
  }
  process.stdout.write(`${table(rows)}\n\n${listed.length} entries · USD per million tokens · catalog ${catalog.version}\n`);
  return 0;
}

function explain(r: ResolvedPrice, query: PriceQuery): string {
  const { candidates, profile } = normaliseModelId(query.model);
  const rule = r.match.rule === 'pattern' ? `pattern /${r.match.value}/` : r.match.rule === 'model' ? `canonical model id "${r.match.value}"` : `${r.match.rule} "${r.match.value}"`;
  const lines = [
    `${r.pricingModel}${r.override ? '  (user override)' : ''}`,
    `  query        ${query.model} (provider ${query.provider})`,
    `  id forms     ${candidates.join(', ')}${profile ? `  [profile ${profile}]` : ''}`,
    `  matched by   ${rule} on "${r.match.candidate}"${r.match.viaProvider ? `, through provider ${r.match.viaProvider}` : ''}`,
    `  file         ${r.file}`,
    `  source       ${r.source.url}${r.source.checked ? ` (checked ${r.source.checked})` : ''}`,
  ];
  if (r.entry.deprecated) lines.push(`  deprecated   ${r.entry.deprecated}`);
  lines.push('  periods');
  for (const p of r.entry.periods) {
    const marker = p === r.period ? '→' : ' ';
    lines.push(`   ${marker} ${p.from} – ${p.until ?? '…'}  ${describePrices(p.prices)}`);
    for (const t of p.tiers ?? []) lines.push(`       ${describeTier(t)}`);
  }
  const modifiers = describeModifiers(r.modifiers);
  if (modifiers.length > 0) lines.push(`  modifiers    ${modifiers.join(' · ')}`);
  if (r.multiplier !== 1 || r.adjustments.length > 0) lines.push(`  applied      ${r.adjustments.join(', ')} (×${price(r.multiplier)})`);
  lines.push(`  prices now   ${describePrices(r.prices)}  (USD per 1M tokens)`);
  for (const t of r.tiers) lines.push(`               ${describeTier(t)}`);
  if (r.assumptions.length > 0) lines.push(`  estimated    ${r.assumptions.join('; ')}`);
  if (r.entry.notes) lines.push(`  notes        ${r.entry.notes}`);
  return lines.join('\n');
}

function show(model: string | undefined, values: Values): number {
  if (!model) throw new UsageError('prices show needs a MODEL');
  const catalog = load(values);
  const providers = values.provider ? [values.provider] : catalog.providers();
  const found: { query: PriceQuery; resolved: ResolvedPrice }[] = [];
  for (const provider of providers) {
    const query: PriceQuery = { provider, model };
    if (values.at) query.at = values.at;
    if (values.region) query.region = values.region;
    if (values['service-tier']) query.serviceTier = values['service-tier'];
    if (values.batch) query.batch = true;
    const resolved = catalog.resolve(query);
    // Without --provider, list each entry once, under the provider that owns it.
    if (resolved && (values.provider || resolved.provider === canonicalProvider(provider))) found.push({ query, resolved });
  }
  if (found.length === 0) {
    printError('prices', `no catalog entry matches "${model}"${values.provider ? ` for provider ${values.provider}` : ''}; its cost would be unknown`);
    return 3;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(found.map(({ query, resolved }) => ({ query, ...resolved })), null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`${found.map(({ query, resolved }) => explain(resolved, query)).join('\n\n')}\n`);
  return 0;
}

function check(values: Values): number {
  const issues: CatalogIssue[] = [];
  let summary = '';
  const shipped = load({ ...values, prices: [] }, true);
  issues.push(...shipped.issues);
  try {
    const withOverrides = (values.prices ?? []).length > 0 ? load(values, true) : shipped;
    const entries = withOverrides.entries();
    const files = new Set(entries.map((e) => e.file));
    summary = `${entries.length} entries from ${files.size} files, ${withOverrides.providers().length} providers, catalog version ${withOverrides.version}`;
  } catch (err) {
    if (!(err instanceof PricingConfigError)) throw err;
    issues.push(...err.issues);
  }
  if (issues.length > 0) {
    process.stderr.write(`${issues.map((i) => `error: ${formatIssue(i)}`).join('\n')}\n\n${issues.length} problem${issues.length === 1 ? '' : 's'} found\n`);
    return 1;
  }
  process.stdout.write(`ok: ${summary}\n`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'prices',
    argv,
    {
      options: {
        provider: { type: 'string' },
        prices: { type: 'string', multiple: true },
        catalog: { type: 'string' },
        json: { type: 'boolean' },
        at: { type: 'string' },
        region: { type: 'string' },
        'service-tier': { type: 'string' },
        batch: { type: 'boolean' },
        ...HELP_OPTION,
      },
      allowPositionals: true,
    },
    USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [sub, ...rest] = positionals;
  if (!sub) {
    // No subcommand: the usage text on stdout, as for --help, but exit 2.
    process.stdout.write(USAGE);
    return 2;
  }
  try {
    if (values.at !== undefined && Number.isNaN(Date.parse(values.at))) throw new UsageError(`--at must be an ISO date or time, got "${values.at}"`);
    switch (sub) {
      case 'list':
        return list(values);
      case 'show':
        return show(rest.join(' ') || undefined, values);
      case 'check':
        return check(values);
      default:
        throw new UsageError(`unknown subcommand "${sub}" (list, show, check)`);
    }
  } catch (err) {
    if (err instanceof UsageError) return usageError('prices', err.message, USAGE);
    if (err instanceof PricingConfigError) return usageError('prices', `invalid price file\n${err.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    throw err;
  }
}
