/**
 * `spendtrace cost`: price one call from token counts, for people (a table) and scripts (--json).
 * Token counts follow OpenTelemetry semantics: --input is the total input, cache reads and writes
 * included; --output includes --reasoning.
 */
import { formatIssue, loadCatalog, priceUsage, PricingConfigError, type CanonicalUsage, type CostBreakdown, type PriceCatalog, type PriceQuery } from '@spendtrace/pricing';
import { roundUsd } from '../../report/format.ts';
import { HELP_OPTION, parseCommandArgs, usageError } from '../options.ts';

const USAGE = `usage: spendtrace cost --provider P --model M --input N --output N [options]

Token counts (OpenTelemetry semantics):
  --input N            all input tokens, cache reads and writes included
  --output N           all output tokens, reasoning included
  --cache-read N       input tokens read from cache
  --cache-write N      input tokens written to cache (5 minute and 1 hour together)
  --cache-write-1h N   the part of --cache-write written with the 1 hour TTL
  --reasoning N        output tokens spent on reasoning / thinking
  --audio-input N      input tokens that are audio
  --audio-output N     output tokens that are audio

Price selection:
  --provider P         gen_ai.provider.name: openai, anthropic, gcp.gemini, gcp.vertex_ai, aws.bedrock,
                       azure.ai.openai, mistral_ai, x_ai, deepseek, groq
  --model M            model id in any form (dated, Bedrock profile, Vertex @version, models/...)
  --at ISO             time of the call (default: now); prices are effective-dated
  --batch              batch API call
  --service-tier T     flex, priority, ...
  --region R           region, profile or data zone (us, eu, global, eu-west-1, datazone)
  --prices FILE        override file (repeatable); YAML/JSON catalog format or LiteLLM price map
  --catalog DIR        price catalog directory instead of the shipped one
  --json               print JSON

Exit codes: 0 priced, 2 bad arguments or price files, 3 unknown model.
`;

const COUNT_OPTIONS = {
  input: 'inputTokens',
  output: 'outputTokens',
  'cache-read': 'cacheReadTokens',
  'cache-write': 'cacheWriteTokens',
  'cache-write-1h': 'cacheWrite1hTokens',
  reasoning: 'reasoningTokens',
  'audio-input': 'audioInputTokens',
  'audio-output': 'audioOutputTokens',
} as const satisfies Record<string, keyof CanonicalUsage>;

class UsageError extends Error {}

function parseCount(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) throw new UsageError(`--${name} must be a non-negative number of tokens, got "${raw}"`);
  return value;
}

function usageFrom(values: Record<string, string | boolean | string[] | undefined>): CanonicalUsage {
  const usage: CanonicalUsage = { inputTokens: 0, outputTokens: 0 };
  for (const [option, field] of Object.entries(COUNT_OPTIONS)) {
    const count = parseCount(option, values[option] as string | undefined);
    if (count !== undefined) usage[field] = count;
  }
  // --cache-write-1h alone means every cache write used the 1 hour TTL.
  if (usage.cacheWrite1hTokens !== undefined && usage.cacheWriteTokens === undefined) usage.cacheWriteTokens = usage.cacheWrite1hTokens;
  if ((usage.cacheWrite1hTokens ?? 0) > (usage.cacheWriteTokens ?? 0)) throw new UsageError('--cache-write-1h cannot exceed --cache-write (the total of cache writes)');
  const cached = (usage.cacheReadTokens ?? 0) + (usage.cacheWriteTokens ?? 0) + (usage.audioInputTokens ?? 0);
  if (cached > usage.inputTokens) {
    throw new UsageError(`--input (${usage.inputTokens}) is the total input and must include --cache-read, --cache-write and --audio-input (${cached})`);
  }
  if ((usage.reasoningTokens ?? 0) + (usage.audioOutputTokens ?? 0) > usage.outputTokens) {
    throw new UsageError(`--output (${usage.outputTokens}) is the total output and must include --reasoning and --audio-output`);
  }
  return usage;
}

/** The breakdown rounded to USD_DECIMALS (1e-10 USD): float noise is not part of a price (format.ts). */
function roundBreakdown(b: CostBreakdown): CostBreakdown {
  return {
    input: roundUsd(b.input),
    cacheRead: roundUsd(b.cacheRead),
    cacheWrite: roundUsd(b.cacheWrite),
    output: roundUsd(b.output),
    reasoning: roundUsd(b.reasoning),
    total: roundUsd(b.total),
  };
}

function money(usd: number): string {
  return usd.toFixed(6);
}

function tokens(n: number): string {
  return n.toLocaleString('en-US');
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'cost',
    argv,
    {
      options: {
        provider: { type: 'string' },
        model: { type: 'string' },
        input: { type: 'string' },
        output: { type: 'string' },
        'cache-read': { type: 'string' },
        'cache-write': { type: 'string' },
        'cache-write-1h': { type: 'string' },
        reasoning: { type: 'string' },
        'audio-input': { type: 'string' },
        'audio-output': { type: 'string' },
        at: { type: 'string' },
        batch: { type: 'boolean' },
        'service-tier': { type: 'string' },
        region: { type: 'string' },
        prices: { type: 'string', multiple: true },
        catalog: { type: 'string' },
        json: { type: 'boolean' },
        ...HELP_OPTION,
      },
      allowPositionals: false,
    },
    USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  try {
    if (!values.provider || !values.model) throw new UsageError('--provider and --model are required');
    if (values.input === undefined || values.output === undefined) throw new UsageError('--input and --output are required');
    const usage = usageFrom(values as Record<string, string | undefined>);
    const query: PriceQuery = { provider: values.provider, model: values.model };
    if (values.at !== undefined) {
      if (Number.isNaN(Date.parse(values.at))) throw new UsageError(`--at must be an ISO date or time, got "${values.at}"`);
      query.at = values.at;
    }
    if (values.batch) query.batch = true;
    if (values['service-tier'] !== undefined) query.serviceTier = values['service-tier'];
    if (values.region !== undefined) query.region = values.region;

    const catalog: PriceCatalog = loadCatalog({ overrideFiles: values.prices ?? [], ...(values.catalog ? { catalogDir: values.catalog } : {}) });
    const priced = catalog.cost(query, usage);
    const result = priced.breakdown ? { ...priced, breakdown: roundBreakdown(priced.breakdown) } : priced;
    const resolved = catalog.resolve(query);
    if (!result.breakdown || !resolved) {
      process.stderr.write(
        `spendtrace cost: unknown model "${query.model}" for provider "${query.provider}": no catalog entry matches it, so its cost is unknown (not zero).\n` +
          `Run "spendtrace prices list --provider ${query.provider}" to see the priced models, or add it with --prices FILE.\n`,
      );
      if (values.json) process.stdout.write(`${JSON.stringify({ query, usage, ...result }, null, 2)}\n`);
      return 3;
    }
    const assumptions = [...resolved.assumptions, ...priceUsage(resolved.prices, resolved.tiers, usage).assumptions];
    if (values.json) {
      const period = { from: resolved.period.from, ...(resolved.period.until ? { until: resolved.period.until } : {}) };
      process.stdout.write(`${JSON.stringify({ query, usage, ...result, period, assumptions }, null, 2)}\n`);
      return 0;
    }
    const b = result.breakdown;
    const uncached = usage.inputTokens - (usage.cacheReadTokens ?? 0) - (usage.cacheWriteTokens ?? 0);
    const rows: [string, number, number][] = [
      ['input', uncached, b.input],
      ['cache read', usage.cacheReadTokens ?? 0, b.cacheRead],
      ['cache write', usage.cacheWriteTokens ?? 0, b.cacheWrite],
      ['output', usage.outputTokens - (usage.reasoningTokens ?? 0), b.output],
      ['reasoning', usage.reasoningTokens ?? 0, b.reasoning],
    ];
    const lines = [
      `${result.pricingModel}  (prices from ${resolved.period.from}, catalog ${result.pricingVersion})`,
      '',
      `  ${'kind'.padEnd(12)} ${'tokens'.padStart(12)} ${'USD'.padStart(12)}`,
      ...rows.map(([kind, n, usd]) => `  ${kind.padEnd(12)} ${tokens(n).padStart(12)} ${money(usd).padStart(12)}`),
      `  ${'total'.padEnd(12)} ${''.padStart(12)} ${money(b.total).padStart(12)}`,
    ];
    if (result.flags.tierApplied) lines.push('', `tier: ${result.flags.tierApplied.replace('above_input_tokens:', 'input above ')} tokens — every token of the request at the tier's prices`);
    if (result.flags.adjustments.length > 0) lines.push(`adjustments: ${result.flags.adjustments.join(', ')}`);
    if (assumptions.length > 0) lines.push(`estimated: ${assumptions.join('; ')}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) return usageError('cost', err.message);
    if (err instanceof PricingConfigError) return usageError('cost', `invalid price file\n${err.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    throw err;
  }
}
