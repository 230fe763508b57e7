/**
 * Every panel of every dashboard: its SQL, expanded exactly as Grafana and the ClickHouse plugin
 * expand it (all filters on All, the last 7 days of the seed, a 1-day interval), runs against
 * embedded ClickHouse seeded with the real migrations, and returns the numbers computed
 * independently from the seed arrays.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dimension } from '@spendtrace/clickhouse';
import { DASHBOARDS } from '../src/dashboards.ts';
import { whatIfPrices } from '../src/catalog-prices.ts';
import { expandPanelQuery, type QueryContext, type VariableState } from '../src/macros.ts';
import { loadSettings } from '../src/settings.ts';
import { expectedRows, expectedTraceSteps } from './fixtures/expected.ts';
import { LATE_TRACE_ID, RANGE } from './fixtures/seed.ts';
import { openSeededStore, queryRows, type SeededStore } from './fixtures/store.ts';
import { expectRows } from './helpers/compare.ts';

const settings = loadSettings();
const whatIf = whatIfPrices(settings)[0]!;
const DAY_MS = 86_400_000;

type Panel = { id: number; title: string; type: string; targets: { rawSql: string; meta: { spendtraceQuery: string; dimension?: Dimension } }[] };
type Dashboard = { uid: string; title: string; panels: Panel[]; templating: { list: { name: string; type: string; query: unknown; definition?: string }[] } };

const dashboards = DASHBOARDS.map(
  (d) => JSON.parse(readFileSync(new URL(`../dashboards/${d.file}`, import.meta.url), 'utf8')) as Dashboard,
);

function context(): QueryContext {
  const variables: VariableState[] = ['environment', 'service', 'provider', 'model', 'feature', 'customer'].map((name) => ({
    name,
    type: 'query',
    current: ['$__all'],
  }));
  variables.push({ name: 'whatif_model', type: 'custom', current: whatIf.model });
  variables.push({ name: 'trace_id', type: 'textbox', current: LATE_TRACE_ID });
  return { ...RANGE, intervalMs: DAY_MS, variables };
}

let store: SeededStore;
beforeAll(async () => {
  store = await openSeededStore('spendtrace-panels');
});
afterAll(async () => {
  await store?.close();
});

describe.each(dashboards.map((d) => [d.title, d] as const))('%s', (_title, dashboard) => {
  it.each(dashboard.panels.map((p) => [p.title, p] as const))('panel "%s" returns the expected numbers', async (_t, panel) => {
    const target = panel.targets[0]!;
    const sql = expandPanelQuery(target.rawSql, context());
    expect(sql).not.toMatch(/\$__|\$\{|\{\{/);
    const rows = await queryRows(store.reader, sql);
    const { spendtraceQuery: query, dimension } = target.meta;
    const label = `${dashboard.title} / ${panel.title}`;
    switch (query) {
      case 'workflow_totals':
        // LATE_TRACE_ID: plan + answer (revision 0) and a late verify call (revision 1).
        expectRows(
          rows,
          [
            {
              trace_id: LATE_TRACE_ID,
              workflow: 'research',
              feature: 'agent',
              customer: 'acme',
              calls: 3,
              errors: 0,
              input_tokens: 3000 + 6000 + 1500,
              output_tokens: 400 + 600 + 100,
              cost_usd: store.seed.workflows.filter((w) => w.trace_id === LATE_TRACE_ID).reduce((a, w) => a + w.cost_usd, 0),
              duration_ms: 3000,
              revisions: 2,
            },
          ],
          label,
        );
        break;
      case 'workflow_steps':
        expectRows(rows, expectedTraceSteps(store.seed), label);
        break;
      case 'trace_view': {
        const spans = store.seed.spans.filter((s) => s.TraceId === LATE_TRACE_ID);
        expect(rows.map((r) => r.spanID)).toEqual(spans.map((s) => s.SpanId));
        expect(rows.map((r) => r.operationName)).toEqual(spans.map((s) => s.SpanName));
        expect(rows.map((r) => Number(r.duration))).toEqual(spans.map((s) => s.Duration / 1e6));
        expect(rows.map((r) => Number(r.startTime))).toEqual(spans.map((s) => Date.parse(s.Timestamp)));
        break;
      }
      default:
        expectRows(
          rows,
          expectedRows(store.seed, query, dimension, RANGE, {
            intervalMs: DAY_MS,
            anomalyFactor: settings.dashboards.anomaly_factor,
            budgets: { defaultUsd: settings.budgets.default_usd, customers: settings.budgets.customers },
            whatIf,
          }),
          label,
        );
    }
    expect(rows.length, `${label} returns rows on the seed`).toBeGreaterThan(0);
  });

  it('template variable queries list the seeded values', async () => {
    const columns: Record<string, (c: (typeof store.seed.calls)[number]) => string> = {
      environment: (c) => c.environment,
      service: (c) => c.service_name,
      provider: (c) => c.provider,
      model: (c) => c.response_model || c.request_model,
      feature: (c) => c.feature,
      customer: (c) => c.customer_id,
    };
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      const sql = expandPanelQuery(variable.definition ?? '', context());
      const rows = await queryRows(store.reader, sql);
      const inRange = store.seed.calls.filter((c) => {
        const hour = Math.floor(Date.parse(c.timestamp) / 3_600_000) * 3_600_000;
        return hour >= RANGE.fromMs && hour <= RANGE.toMs;
      });
      const want = [...new Set(inRange.map(columns[variable.name]!))].sort();
      expect(rows.map((r) => r.value), variable.name).toEqual(want);
    }
  });
});
