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

const RANGE_ARGS = ['--since', '2026-03-08', '--until', '2026-03-14T23:59:59.999Z'];

describe('spendtrace report', () => {
  it('prints the ranked table with totals, fitting 80 columns', async () => {
    const { code, out } = await capture(() => runReport(['--data-dir', store.dataDir, ...RANGE_ARGS]));
    expect(code).toBe(0);
    // chat: 7 days × 4 calls + 12 spike calls + 12 error-surge calls = 52; agent: 7 runs × 2 calls
    // + 2 late verify calls (Mar 10, Mar 13) = 16; search: 7 × 6 + 1 unpriced = 43; summarize: 7 × 2 = 14;
    // (none): the unattributed call of Mar 10. Costs are the seed's exact sums, rounded to 4 places.
    expect(out).toBe(
      [
        'Spend by feature, 2026-03-08 00:00 to 2026-03-14 23:59 UTC',
        '',
        '  # FEATURE               CALLS  TOKENS IN TOKENS OUT       COST  $/CALL  SHARE',
        '  1 chat                     52    885,376     40,244    $3.8035 $0.0731  91.9%',
        '  2 agent                    16     66,000      7,200    $0.1586 $0.0099   3.8%',
        '  3 search                   43     85,220     10,130    $0.1148 $0.0027   2.8%',
        '  4 summarize                14    112,000      3,600    $0.0603 $0.0043   1.5%',
        '  5 (none)                    1      2,048        256    $0.0029 $0.0029   0.1%',
        '                        ------- ---------- ---------- ---------- ------- ------',
        '    TOTAL                   126  1,150,644     61,430    $4.1401 $0.0329 100.0%',
        '',
        '1 call on models without a catalog price: counted, but not in the cost (see spendtrace prices).',
        '',
      ].join('\n'),
    );
    for (const line of out.split('\n').slice(0, -3)) expect([...line].length).toBeLessThanOrEqual(80);
  });

  it('--json gives the numbers of the dashboard panel that embeds the same query', async () => {
    for (const by of ['feature', 'model', 'provider', 'customer', 'user', 'workflow', 'day'] as const) {
      const { code, out } = await capture(() => runReport(['--data-dir', store.dataDir, ...RANGE_ARGS, '--by', by, '--json']));
      expect(code).toBe(0);
      const report = JSON.parse(out) as { rows: Record<string, unknown>[]; totals: Record<string, number> };
      // Independent expectation from the seed arrays.
      const expected = spendByDimension(store.seed.calls, RANGE, by);
      expect(report.rows.map((r) => r.name)).toEqual(expected.map((r) => r.name));
      report.rows.forEach((r, i) => {
        expect(r.calls).toBe(expected[i]!.calls);
        expect(r.spend_usd).toBe(expected[i]!.spend_usd);
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
    expect(cli.map((r) => [r.name, r.calls, r.spend_usd, r.share])).toEqual(panelRows.map((r) => [r.name, Number(r.calls), r.spend_usd, r.share]));
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
    const { code, out } = await capture(() => runTrace(['--data-dir', store.dataDir, LATE_TRACE_ID.toUpperCase()]));
    expect(code).toBe(0);
    // plan: 1976 uncached × 2^-18 + 1024 × 2^-21 + 272 × 2^-16 + 128 × 2^-16 = 0.014129638671875;
    // answer: 6000 × 2^-20 + 600 × 2^-18 = 0.0080108642578125; verify: 1500 × 2^-20 + 100 × 2^-18 = 0.001811981201171875;
    // total 0.023952484130859375; shares 59.0%, 33.4%, 7.6%.
    expect(out).toBe(
      [
        `Trace ${LATE_TRACE_ID}, workflow research, feature agent, customer acme`,
        '',
        'STEP                           MODEL              TOKENS IN/OUT     COST  SHARE',
        'invoke_agent researcher',
        '├─ chat claude-sonnet-5-5      claude-sonnet-5-5      3,000/400  $0.0141  59.0%',
        '├─ execute_tool search_web',
        '└─ chat claude-haiku-5-5       claude-haiku-5-5       6,000/600  $0.0080  33.4%',
        '   └─ chat claude-haiku-5-5    claude-haiku-5-5       1,500/100  $0.0018   7.6%',
        '',
        'Total: 3 calls, 10,500 tokens in, 1,100 out, $0.0240, 3.0 s, 0 errors',
        '',
      ].join('\n'),
    );
  });

  it('--json carries the exact per-step costs and totals', async () => {
    const { out } = await capture(() => runTrace(['--data-dir', store.dataDir, LATE_TRACE_ID, '--json']));
    const trace = JSON.parse(out) as { steps: { cost_usd: number | null }[]; totals: { cost_usd: number; calls: number } };
    expect(trace.steps.map((s) => s.cost_usd)).toEqual([null, 0.014129638671875, null, 0.0080108642578125, 0.001811981201171875]);
    expect(trace.totals).toMatchObject({ calls: 3, cost_usd: 0.023952484130859375 });
  });
});
