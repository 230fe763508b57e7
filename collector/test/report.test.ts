/**
 * `spendtrace report` and `spendtrace trace` on the seed data set used by the dashboard tests:
 * exact output, and the same numbers as the dashboard panels that embed the same named SQL.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as runReport } from '../src/cli/commands/report.ts';
import { run as runTrace } from '../src/cli/commands/trace.ts';
import { expandPanelQuery } from '../../grafana/src/macros.ts';
import { spendByDimension } from '../../grafana/test/fixtures/expected.ts';
import { LATE_TRACE_ID, RANGE } from '../../grafana/test/fixtures/seed.ts';
import { openSeededStore, queryRows, type SeededStore } from '../../grafana/test/fixtures/store.ts';
import { FEATURE_REPORT_80, LATE_TRACE_80, RANGE_ARGS } from './report-expected.ts';

/** The documented output precision of USD amounts: 1e-10 USD. */
const usd = (value: number): number => Number(value.toFixed(10));

let store: SeededStore;
beforeAll(async () => {
  store = await openSeededStore('spendtrace-report');
});
afterAll(async () => {
  await store?.close();
});

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    const code = await fn();
    return { code, out };
  } finally {
    spy.mockRestore();
  }
}

describe('spendtrace report', () => {
  it('prints the ranked table with totals, fitting 80 columns', async () => {
    const { code, out } = await capture(() => runReport(['--data-dir', store.dataDir, ...RANGE_ARGS, '--width', '80']));
    expect(code).toBe(0);
    expect(out).toBe(FEATURE_REPORT_80);
    for (const line of out.split('\n').slice(0, -3)) expect([...line].length).toBeLessThanOrEqual(79);
  });

  it('rejects a --width it cannot lay out', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await runReport(['--data-dir', store.dataDir, '--width', '30'])).toBe(2);
      expect(await runTrace(['--data-dir', store.dataDir, LATE_TRACE_ID, '--width', 'wide'])).toBe(2);
    } finally {
      stderr.mockRestore();
    }
  });

  it('--json gives the numbers of the dashboard panel that embeds the same query', async () => {
    for (const by of ['feature', 'model', 'provider', 'customer', 'user', 'workflow', 'day'] as const) {
      const { code, out } = await capture(() => runReport(['--data-dir', store.dataDir, ...RANGE_ARGS, '--by', by, '--json']));
      expect(code).toBe(0);
      const report = JSON.parse(out) as { rows: Record<string, unknown>[]; totals: Record<string, number> };
      // No float noise in the text scripts read (0.3810329700000002): at most 10 decimals.
      expect(out).not.toMatch(/_usd": -?\d+\.\d{11,}/);
      // Independent expectation from the seed arrays.
      const expected = spendByDimension(store.seed.calls, RANGE, by);
      expect(report.rows.map((r) => r.name)).toEqual(expected.map((r) => r.name));
      report.rows.forEach((r, i) => {
        expect(r.calls).toBe(expected[i]!.calls);
        expect(r.spend_usd).toBe(usd(expected[i]!.spend_usd as number));
      });
      expect(report.totals.calls).toBe(126);
    }
    // The Overview dashboard's "Top customers" panel, expanded as Grafana does, agrees row for row.
    const overview = JSON.parse(readFileSync(new URL('../../grafana/dashboards/overview.json', import.meta.url), 'utf8')) as {
      panels: { title: string; targets: { rawSql: string }[] }[];
    };
    const panel = overview.panels.find((p) => p.title === 'Top customers')!;
    const all = ['environment', 'service', 'provider', 'model', 'feature', 'customer'].map((name) => ({ name, type: 'query', current: ['$__all'] }));
    const panelRows = await queryRows(store.reader, expandPanelQuery(panel.targets[0]!.rawSql, { ...RANGE, intervalMs: 86_400_000, variables: all }));
    const { out } = await capture(() => runReport(['--data-dir', store.dataDir, ...RANGE_ARGS, '--by', 'customer', '--json']));
    const cli = (JSON.parse(out) as { rows: Record<string, unknown>[] }).rows;
    expect(cli.map((r) => [r.name, r.calls, r.spend_usd, r.share])).toEqual(panelRows.map((r) => [r.name, Number(r.calls), usd(r.spend_usd as number), r.share]));
  });

  it('filters by a dimension value and rejects an unknown dimension', async () => {
    const { out } = await capture(() => runReport(['--data-dir', store.dataDir, ...RANGE_ARGS, '--customer', 'globex', '--json']));
    const report = JSON.parse(out) as { totals: { calls: number } };
    const globex = store.seed.calls.filter((c) => c.customer_id === 'globex' && Date.parse(c.timestamp) >= RANGE.fromMs && Date.parse(c.timestamp) <= RANGE.toMs);
    expect(report.totals.calls).toBe(globex.length);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await runReport(['--data-dir', store.dataDir, '--by', 'planet'])).toBe(2);
    stderr.mockRestore();
  });
});

describe('spendtrace trace', () => {
  it('prints the workflow as a tree with model, tokens, cost and share, and the totals', async () => {
    const { code, out } = await capture(() => runTrace(['--data-dir', store.dataDir, LATE_TRACE_ID.toUpperCase(), '--width', '80']));
    expect(code).toBe(0);
    expect(out).toBe(LATE_TRACE_80);
  });

  it('--json carries the per-step costs and totals, rounded to 1e-10 USD', async () => {
    const { out } = await capture(() => runTrace(['--data-dir', store.dataDir, LATE_TRACE_ID, '--json']));
    const trace = JSON.parse(out) as { steps: { cost_usd: number | null }[]; totals: { cost_usd: number; calls: number } };
    // The exact sums (report-expected.ts) rounded to 1e-10 USD.
    expect(trace.steps.map((s) => s.cost_usd)).toEqual([null, 0.0141296387, null, 0.0080108643, 0.0018119812]);
    expect(trace.totals).toMatchObject({ calls: 3, cost_usd: 0.0239524841 });
  });
});
