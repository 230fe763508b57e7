/** `spendtrace cost` and `spendtrace prices`, run as a user runs them: the real binary in a child process. */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NODE = join(ROOT, 'node_modules/.bin/node');
const BIN = join(ROOT, 'collector/bin/spendtrace.js');
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const run = promisify(execFile);

async function spendtrace(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(NODE, [BIN, ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('spendtrace cost', () => {
  const example = ['cost', '--provider', 'anthropic', '--model', 'claude-sonnet-4-5', '--input', '250000', '--cache-read', '200000', '--output', '1200', '--at', '2026-01-01T00:00:00Z'];

  it('prints the breakdown as JSON', async () => {
    const { code, stdout } = await spendtrace(...example, '--json');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    // tier >200k: 50000×6=0.3 · 200000×0.6=0.12 · 1200×22.5=0.027
    // USD amounts are rounded to 1e-10, so they are exact decimals.
    expect(out.breakdown).toEqual({ input: 0.3, cacheRead: 0.12, cacheWrite: 0, output: 0.027, reasoning: 0, total: 0.447 });
    expect(out.pricingModel).toBe('anthropic/claude-sonnet-4-5');
    expect(out.flags).toEqual({ unknownModel: false, adjustments: [], estimated: false, tierApplied: 'above_input_tokens:200000' });
    expect(out.period).toEqual({ from: '2025-09-29' });
  });

  it('prints a table for people', async () => {
    const { code, stdout } = await spendtrace(...example);
    expect(code).toBe(0);
    expect(stdout).toContain('anthropic/claude-sonnet-4-5');
    expect(stdout).toMatch(/cache read\s+200,000\s+0\.120000/);
    expect(stdout).toMatch(/total\s+0\.447000/);
    expect(stdout).toContain('tier: input above 200000 tokens');
  });

  it('applies batch, 1 hour cache writes and override files', async () => {
    const { code, stdout } = await spendtrace(
      'cost', '--provider', 'openai', '--model', 'gpt-4o', '--input', '1000000', '--output', '0', '--batch', '--at', '2025-01-01', '--prices', join(FIXTURES, 'overrides/negotiated.yaml'), '--json',
    );
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    // 1M×2.5×0.5 (batch)×0.8 (discount)
    expect(out.breakdown.total).toBe(1);
    expect(out.flags.adjustments).toEqual(['batch', 'discount:0.8']);
  });

  it('prints amounts without float noise (rounded to 1e-10 USD)', async () => {
    // 1000 × 2.5 + 200 × 10 per million: 0.0025 + 0.002, which is 0.0045000000000000005 in floating point.
    const { code, stdout } = await spendtrace('cost', '--provider', 'openai', '--model', 'gpt-4o', '--input', '1000', '--output', '200', '--at', '2026-01-01', '--json');
    expect(code).toBe(0);
    expect(stdout).toContain('"total": 0.0045\n');
    expect(JSON.parse(stdout).breakdown).toEqual({ input: 0.0025, cacheRead: 0, cacheWrite: 0, output: 0.002, reasoning: 0, total: 0.0045 });
  });

  it('exits 3 with a clear message on an unknown model', async () => {
    const { code, stderr } = await spendtrace('cost', '--provider', 'openai', '--model', 'gpt-nonexistent', '--input', '10', '--output', '10');
    expect(code).toBe(3);
    expect(stderr).toContain('unknown model "gpt-nonexistent" for provider "openai"');
  });

  it('exits 2 on inconsistent token counts', async () => {
    const { code, stderr } = await spendtrace('cost', '--provider', 'openai', '--model', 'gpt-4o', '--input', '10', '--cache-read', '20', '--output', '1');
    expect(code).toBe(2);
    expect(stderr).toContain('--input (10) is the total input and must include --cache-read');
  });
});

describe('spendtrace prices', () => {
  it('check passes on the shipped catalog', async () => {
    const { code, stdout, stderr } = await spendtrace('prices', 'check');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok: \d+ entries from \d+ files, \d+ providers, catalog version [0-9a-f]{12}\n$/);
  });

  it('check fails on an invalid catalog and an invalid override, naming both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spendtrace-cli-'));
    tempDirs.push(dir);
    copyFileSync(join(FIXTURES, 'invalid/negative-price.yaml'), join(dir, 'negative-price.yaml'));
    const { code, stderr } = await spendtrace('prices', 'check', '--catalog', dir, '--prices', join(FIXTURES, 'overrides/bad-override.yaml'));
    expect(code).toBe(1);
    expect(stderr).toContain(`error: ${join(dir, 'negative-price.yaml')}: entry "negative": periods[0].prices.output: must not be negative, got -2`);
    expect(stderr).toContain(`error: ${join(FIXTURES, 'overrides/bad-override.yaml')}: entry "claude-sonnet-4-5": discount: must be a positive number (a multiplier), got -1`);
    expect(stderr).toContain('3 problems found');
  });

  it('show explains the match', async () => {
    const { code, stdout } = await spendtrace('prices', 'show', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', '--provider', 'aws.bedrock', '--at', '2026-01-01');
    expect(code).toBe(0);
    expect(stdout).toContain('aws.bedrock/claude-sonnet-4-5');
    expect(stdout).toContain('matched by   id "anthropic.claude-sonnet-4-5-20250929-v1:0"');
    expect(stdout).toContain('[profile us]');
    expect(stdout).toContain('applied      region:us (×1.1)');
  });

  it('list filters by provider', async () => {
    const { code, stdout } = await spendtrace('prices', 'list', '--provider', 'deepseek', '--json');
    expect(code).toBe(0);
    const listed = JSON.parse(stdout) as { provider: string; model: string }[];
    expect(listed.length).toBeGreaterThan(0);
    expect(new Set(listed.map((e) => e.provider))).toEqual(new Set(['deepseek']));
    expect(listed.map((e) => e.model)).toContain('deepseek-chat');
  });
});
