/** User override files: negotiated discounts, replaced and added entries, LiteLLM price maps. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCatalog, PricingConfigError } from '../src/index.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/overrides/${name}`, import.meta.url));
const M = 1_000_000;

describe('override files', () => {
  const shipped = loadCatalog({ lenient: true });
  const catalog = loadCatalog({ lenient: true, overrideFiles: [fixture('negotiated.yaml')] });

  it('applies a provider-wide negotiated discount', () => {
    const result = catalog.cost({ provider: 'openai', model: 'gpt-4o-2024-08-06', at: '2025-01-01' }, { inputTokens: M, outputTokens: M });
    // 1M×2.5×0.8=2 · 1M×10×0.8=8
    expect(result.breakdown?.input).toBeCloseTo(2, 12);
    expect(result.breakdown?.output).toBeCloseTo(8, 12);
    expect(result.flags.adjustments).toEqual(['discount:0.8']);
    expect(result.pricingVersion).toMatch(new RegExp(`^${shipped.version}\\+[0-9a-f]{8}$`));
  });

  it('replaces a shipped entry, keeping its match rules, modifiers and source', () => {
    const resolved = catalog.resolve({ provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', at: '2026-01-01', batch: true });
    expect(resolved?.override).toBe(true);
    expect(resolved?.pricingModel).toBe('anthropic/claude-sonnet-4-5');
    expect(resolved?.source.url).toBe('https://platform.claude.com/docs/en/about-claude/pricing');
    // batch ×0.5 from the shipped file default: input 2×0.5=1, output 10×0.5=5; no long-context tier in the override
    expect(resolved?.prices).toEqual({ input: 1, output: 5, cache_read: 0.1, cache_write_5m: 1.25, cache_write_1h: 2 });
    expect(resolved?.tiers).toEqual([]);
  });

  it('adds a self-hosted model matched by a pattern', () => {
    const result = catalog.cost({ provider: 'self_hosted', model: 'llama-3.3-70b', at: '2026-01-01' }, { inputTokens: M, outputTokens: M });
    // 1M×0.1 + 1M×0.2
    expect(result.breakdown?.total).toBeCloseTo(0.3, 12);
    expect(result.pricingModel).toBe('self_hosted/llama-3.3-70b-internal');
  });

  it('leaves the shipped catalog untouched', () => {
    expect(shipped.resolve({ provider: 'openai', model: 'gpt-4o', at: '2025-01-01' })?.prices.input).toBe(2.5);
  });

  it('rejects a bad override with file, entry and field, never dropping it silently', () => {
    let error: PricingConfigError | undefined;
    try {
      loadCatalog({ lenient: true, overrideFiles: [fixture('bad-override.yaml')] });
    } catch (err) {
      error = err as PricingConfigError;
    }
    expect(error).toBeInstanceOf(PricingConfigError);
    expect(error!.issues).toEqual([
      { file: fixture('bad-override.yaml'), entry: 'claude-sonnet-4-5', field: 'prices.output', message: 'is required' },
      { file: fixture('bad-override.yaml'), entry: 'claude-sonnet-4-5', field: 'discount', message: 'must be a positive number (a multiplier), got -1' },
    ]);
  });

  it('reports a missing override file', () => {
    expect(() => loadCatalog({ overrideFiles: ['/nonexistent/prices.yaml'] })).toThrow('/nonexistent/prices.yaml: cannot read: ENOENT');
  });
});

describe('LiteLLM import', () => {
  const catalog = loadCatalog({ lenient: true, overrideFiles: [fixture('litellm.json')] });

  it('converts per-token costs to per-million prices, with reasoning and batch', () => {
    const usage = { inputTokens: 1000, cacheReadTokens: 500, outputTokens: 2000, reasoningTokens: 1000 };
    const result = catalog.cost({ provider: 'openai', model: 'my-finetune', at: '2026-01-01' }, usage);
    // 500×3=0.0015 · 500×1.5=0.00075 · 1000×12=0.012 · reasoning 1000×24=0.024
    expect(result.breakdown?.input).toBeCloseTo(0.0015, 12);
    expect(result.breakdown?.cacheRead).toBeCloseTo(0.00075, 12);
    expect(result.breakdown?.output).toBeCloseTo(0.012, 12);
    expect(result.breakdown?.reasoning).toBeCloseTo(0.024, 12);
    expect(result.breakdown?.total).toBeCloseTo(0.03825, 12);
    // batch: 1.5e-6 / 3e-6 = 0.5 → 1M×3×0.5
    expect(catalog.cost({ provider: 'openai', model: 'my-finetune', batch: true }, { inputTokens: M, outputTokens: 0 }).breakdown?.total).toBeCloseTo(1.5, 12);
  });

  it('turns _above_200k_tokens prices into a whole-request tier', () => {
    const result = catalog.cost({ provider: 'gcp.gemini', model: 'gemini-9-pro' }, { inputTokens: 300_000, outputTokens: 1000 });
    // tier >200k: 300000×2.5=0.75 · 1000×15=0.015
    expect(result.breakdown?.total).toBeCloseTo(0.765, 12);
    expect(result.flags.tierApplied).toBe('above_input_tokens:200000');
  });

  it('maps cache creation costs to 5 minute and 1 hour writes', () => {
    const result = catalog.cost({ provider: 'anthropic', model: 'anthropic/claude-test-1' }, { inputTokens: 1000, cacheWriteTokens: 1000, cacheWrite1hTokens: 400, outputTokens: 0 });
    // 600×3.75=2250 + 400×6=2400 → 0.00465
    expect(result.breakdown?.cacheWrite).toBeCloseTo(0.00465, 12);
    expect(result.flags.estimated).toBe(false);
  });

  it('skips entries without per-token prices', () => {
    expect(catalog.resolve({ provider: 'openai', model: 'dall-e-3' })).toBeUndefined();
  });
});
