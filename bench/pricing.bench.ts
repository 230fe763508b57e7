/**
 * Price lookups + cost computations per second on a realistic mix of model ids, as the collector
 * prices spans. Baseline, measured in the same run: a plain Map lookup of a price table plus the
 * same arithmetic, the least any pricing could cost. Also reports the uncached (first call of a
 * day) resolution rate.
 */
import { defaultCatalog, type CanonicalUsage, type PriceQuery } from '../packages/pricing/src/index.ts';

const catalog = defaultCatalog();
const at = Date.parse('2026-11-20T10:00:00Z');

// Id forms as instrumentations report them: dated snapshots, Bedrock profiles, Vertex @versions...
const queries: PriceQuery[] = [
  { provider: 'openai', model: 'gpt-4o-2024-08-06' },
  { provider: 'openai', model: 'gpt-4o-mini-2024-07-18' },
  { provider: 'openai', model: 'gpt-5.1', serviceTier: 'default' },
  { provider: 'openai', model: 'o3-2025-04-16', serviceTier: 'flex' },
  { provider: 'anthropic', model: 'claude-sonnet-4-5-20250929' },
  { provider: 'anthropic', model: 'claude-haiku-4-5-20251001' },
  { provider: 'anthropic', model: 'claude-opus-4-6', region: 'us' },
  { provider: 'gcp.gemini', model: 'gemini-2.5-flash' },
  { provider: 'gcp.gemini', model: 'models/gemini-2.5-pro' },
  { provider: 'gcp.vertex_ai', model: 'claude-sonnet-4-5@20250929' },
  { provider: 'aws.bedrock', model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' },
  { provider: 'aws.bedrock', model: 'amazon.nova-pro-v1:0' },
  { provider: 'azure.ai.openai', model: 'gpt-4o-2024-11-20', region: 'datazone' },
  { provider: 'deepseek', model: 'deepseek-chat' },
  { provider: 'x_ai', model: 'grok-4-0709' },
  { provider: 'openai', model: 'gpt-unknown-model' },
].map((q) => ({ ...q, at }));

const usages: CanonicalUsage[] = [
  { inputTokens: 1200, outputTokens: 300 },
  { inputTokens: 48_000, cacheReadTokens: 40_000, outputTokens: 900, reasoningTokens: 600 },
  { inputTokens: 250_000, cacheReadTokens: 200_000, cacheWriteTokens: 10_000, outputTokens: 1200 },
  { inputTokens: 5000, cacheWriteTokens: 4000, cacheWrite1hTokens: 1000, outputTokens: 50 },
];

// Baseline: what a hard-coded price table would cost per span.
const baselineTable = new Map<string, { input: number; cacheRead: number; output: number }>(
  queries.map((q, i) => [`${q.provider}|${q.model}`, { input: 1 + i, cacheRead: 0.1 + i, output: 4 + i }]),
);

const N = queries.length * usages.length;
let sink = 0;

function runCatalog(iterations: number): void {
  for (let i = 0; i < iterations; i++) {
    const q = queries[i % queries.length]!;
    const u = usages[i % usages.length]!;
    const r = catalog.cost(q, u);
    if (r.breakdown) sink += r.breakdown.total;
  }
}

function runBaseline(iterations: number): void {
  for (let i = 0; i < iterations; i++) {
    const q = queries[i % queries.length]!;
    const u = usages[i % usages.length]!;
    const p = baselineTable.get(`${q.provider}|${q.model}`);
    if (p) {
      const cached = u.cacheReadTokens ?? 0;
      sink += ((u.inputTokens - cached) * p.input + cached * p.cacheRead + u.outputTokens * p.output) / 1e6;
    }
  }
}

/** Uncached: every call lands on a day never priced before, so each one resolves from scratch. */
let daysBack = 0;
function runCold(iterations: number): void {
  for (let i = 0; i < iterations; i++) {
    const q = queries[i % queries.length]!;
    const r = catalog.cost({ ...q, at: at - ++daysBack * 86_400_000 }, usages[0]!);
    if (r.breakdown) sink += r.breakdown.total;
  }
}

/** Best of a few rounds, each about `ms` long: ops per second. */
function measure(fn: (iterations: number) => void, ms = 400, rounds = 3): number {
  fn(N * 1000); // warm-up: fill caches, let the JIT settle
  let best = 0;
  for (let round = 0; round < rounds; round++) {
    let iterations = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < ms) {
      fn(N * 500);
      iterations += N * 500;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    }
    best = Math.max(best, iterations / (elapsed / 1000));
  }
  return best;
}

const baseline = measure(runBaseline);
const cached = measure(runCatalog);
const cold = measure((n) => runCold(Math.min(n, 20_000)), 300, 2);

const fmt = (opsPerSecond: number): string => `${(opsPerSecond / 1e6).toFixed(2)} M/s`;
console.log(`catalog ${catalog.version}, ${queries.length} ids × ${usages.length} usage shapes`);
console.log(`baseline (Map lookup + arithmetic)      ${fmt(baseline)}`);
console.log(`catalog.cost, cached resolution         ${fmt(cached)}   ratio to baseline ${(cached / baseline).toFixed(3)}`);
console.log(`catalog.cost, uncached (new day each)   ${fmt(cold)}   ratio to baseline ${(cold / baseline).toFixed(4)}`);
console.log(`target > 1 M/s cached: ${cached > 1e6 ? 'met' : 'NOT met'}`);
if (sink === 42) console.log('');
