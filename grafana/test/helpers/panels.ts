/**
 * Runs one query target of a dashboard panel the way Grafana would send it (plugin macros and
 * template variables expanded for a selection of the filter variables) and compares the rows with
 * the ones computed from the seed arrays kept by that selection.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Dimension } from '@spendtrace/clickhouse';
import { whatIfPrices } from '../../src/catalog-prices.ts';
import { DASHBOARDS } from '../../src/dashboards.ts';
import { expandPanelQuery, type QueryContext, type VariableState } from '../../src/macros.ts';
import { loadSettings } from '../../src/settings.ts';
import { expectedRows, expectedTraceSteps, type Row } from '../fixtures/expected.ts';
import { LATE_TRACE_ID, RANGE } from '../fixtures/seed.ts';
import { selectSeed, type FilterName, type Selection } from '../fixtures/selection.ts';
import { queryRows, type SeededStore } from '../fixtures/store.ts';
import { expectRows } from './compare.ts';

export const settings = loadSettings();
export const whatIf = whatIfPrices(settings)[0]!;
export const DAY_MS = 86_400_000;
const FILTERS: FilterName[] = ['environment', 'service', 'provider', 'model', 'feature', 'customer'];

export type Target = { refId: string; rawSql: string; meta: { spendtraceQuery: string; dimension?: Dimension } };
export type Panel = { id: number; title: string; type: string; targets: Target[] };
export type Dashboard = { uid: string; title: string; panels: Panel[]; templating: { list: { name: string; type: string; query: unknown; definition?: string }[] } };

export const dashboards = DASHBOARDS.map(
  (d) => JSON.parse(readFileSync(new URL(`../../dashboards/${d.file}`, import.meta.url), 'utf8')) as Dashboard,
);
export const dashboardByUid = (uid: string): Dashboard => dashboards.find((d) => d.uid === uid)!;

/** Every (panel, target) pair of a dashboard, labelled for test names. */
export const targetsOf = (dashboard: Dashboard): [string, Panel, Target][] =>
  dashboard.panels.flatMap((p) => p.targets.map((t) => [`${p.title} [${t.refId}]`, p, t] as [string, Panel, Target]));

/**
 * The dashboard state: variables not in the selection on All; selected ones hold the chosen values
 * (Grafana keeps a multi-value variable's selection as an array, also with one value).
 */
export function context(selection: Selection = {}): QueryContext {
  const variables: VariableState[] = FILTERS.map((name) => ({ name, type: 'query', current: selection[name] ?? ['$__all'] }));
  variables.push({ name: 'whatif_model', type: 'custom', current: whatIf.model });
  variables.push({ name: 'trace_id', type: 'textbox', current: LATE_TRACE_ID });
  return { ...RANGE, intervalMs: DAY_MS, variables };
}

/** Runs the target under the selection; returns the rows after asserting them. */
export async function checkTarget(store: SeededStore, label: string, target: Target, selection: Selection = {}): Promise<Record<string, unknown>[]> {
  const sql = expandPanelQuery(target.rawSql, context(selection));
  expect(sql).not.toMatch(/\$__|\$\{|\{\{/);
  const rows = await queryRows(store.reader, sql);
  const { spendtraceQuery: query, dimension } = target.meta;
  const seed = store.seed;
  switch (query) {
    // The Workflow trace dashboard shows one trace id; the filter variables do not apply to it.
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
            cost_usd: seed.workflows.filter((w) => w.trace_id === LATE_TRACE_ID).reduce((a, w) => a + w.cost_usd, 0),
            duration_ms: 3000,
            revisions: 2,
          },
        ],
        label,
      );
      break;
    case 'workflow_steps':
      expectRows(rows, expectedTraceSteps(seed), label);
      break;
    case 'trace_view': {
      const spans = seed.spans.filter((s) => s.TraceId === LATE_TRACE_ID);
      expect(rows.map((r) => r.spanID)).toEqual(spans.map((s) => s.SpanId));
      expect(rows.map((r) => r.operationName)).toEqual(spans.map((s) => s.SpanName));
      expect(rows.map((r) => Number(r.duration))).toEqual(spans.map((s) => s.Duration / 1e6));
      expect(rows.map((r) => Number(r.startTime))).toEqual(spans.map((s) => Date.parse(s.Timestamp)));
      break;
    }
    default:
      expectRows(rows, expectedFor(selectSeed(seed, selection), query, dimension), label);
  }
  return rows;
}

export function expectedFor(seed: SeededStore['seed'], query: string, dimension?: Dimension): Row[] {
  return expectedRows(seed, query, dimension, RANGE, {
    intervalMs: DAY_MS,
    anomalyFactor: settings.dashboards.anomaly_factor,
    budgets: { defaultUsd: settings.budgets.default_usd, customers: settings.budgets.customers },
    whatIf,
  });
}
