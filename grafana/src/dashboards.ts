/**
 * The dashboards, as data: each panel names a query in clickhouse/queries and how to render it.
 * build.ts turns these into Grafana dashboard JSON (grafana/dashboards/*.json) with the queries'
 * SQL rendered for the Grafana ClickHouse plugin, so a dashboard number and `spendtrace report`
 * come from the same SQL text.
 */
import { FILTER_VARIABLES, renderQuery, type Dimension, type QueryRenderOptions } from '@spendtrace/clickhouse';
import type { Dashboard, DataQuery, DataSourceRef, FieldConfigSource, GridPos, Panel, VariableModel } from '@grafana/schema';
import { DashboardCursorSync, VariableHide, VariableRefresh, VariableSort } from '@grafana/schema';
import { pricesTableLiteral, whatIfPrices } from './catalog-prices.ts';
import { DATASOURCE } from './datasource.ts';
import { queryBudgets, querySettings, type GrafanaSettings } from './settings.ts';

export type PanelFormat = 'table' | 'time_series' | 'traces';

export interface PanelSpec {
  title: string;
  description: string;
  type: 'stat' | 'timeseries' | 'table' | 'barchart' | 'traces';
  query: string;
  dimension?: Dimension;
  format: PanelFormat;
  /** Width in grid columns (of 24) and height in rows. */
  w: number;
  h: number;
  unit?: string;
  stacked?: boolean;
  /** Link each trace_id cell to the Workflow trace dashboard. */
  traceLinks?: boolean;
}

export interface DashboardSpec {
  uid: string;
  file: string;
  title: string;
  description: string;
  timeFrom: string;
  panels: PanelSpec[];
  /** Extra template variables after the common six. */
  extraVariables?: (settings: GrafanaSettings) => VariableModel[];
}

/**
 * A query of the ClickHouse data source plugin (v4) in SQL editor mode: Grafana's DataQuery plus
 * the plugin's fields. `format` is the plugin's: 0 time series, 1 table, 3 traces.
 */
export interface ClickHouseQuery extends DataQuery {
  datasource: DataSourceRef;
  editorType: 'sql';
  queryType: 'timeSeries' | 'table' | 'traces';
  format: 0 | 1 | 3;
  rawSql: string;
}

export const WORKFLOW_TRACE_UID = 'spendtrace-workflow-trace';

const table = (title: string, description: string, query: string, extra: Partial<PanelSpec> = {}): PanelSpec => ({
  title,
  description,
  type: 'table',
  query,
  format: 'table',
  w: 12,
  h: 8,
  ...extra,
});
const spendOverTime = (title: string, dimension: Dimension): PanelSpec => ({
  title,
  description: `Spend per interval, one series per ${dimension} (hourly rollup).`,
  type: 'timeseries',
  query: 'spend_over_time',
  dimension,
  format: 'time_series',
  w: 12,
  h: 8,
  unit: 'currencyUSD',
  stacked: true,
});

export const DASHBOARDS: DashboardSpec[] = [
  {
    uid: 'spendtrace-overview',
    file: 'overview.json',
    title: 'spendtrace / Overview',
    description: 'Where the LLM money goes: spend, trend, forecast, top features, customers and users, failures and anomalies.',
    timeFrom: 'now-7d',
    panels: [
      { title: 'Spend in range', description: 'Total LLM spend in the time range.', type: 'stat', query: 'spend_total', format: 'table', w: 8, h: 4, unit: 'currencyUSD' },
      { title: 'Spend vs previous period', description: 'Spend in the range against the period of the same length before it.', type: 'stat', query: 'spend_vs_previous', format: 'table', w: 8, h: 4, unit: 'currencyUSD' },
      { title: 'Forecast to month end', description: 'Month-to-date spend projected to the end of the month at the current pace (UTC month of the range end).', type: 'stat', query: 'forecast_month_end', format: 'table', w: 8, h: 4, unit: 'currencyUSD' },
      spendOverTime('Spend by feature', 'feature'),
      spendOverTime('Spend by model', 'model'),
      spendOverTime('Spend by provider', 'provider'),
      table('Cost per call by feature', 'Calls, tokens, spend, cost per call and share per feature.', 'spend_by_dimension', { dimension: 'feature' }),
      table('Top customers', 'Spend per customer.', 'spend_by_dimension', { dimension: 'customer' }),
      table('Top users', 'Spend per user.', 'spend_by_dimension', { dimension: 'user' }),
      table('Errors and empty answers', 'Failed calls and calls that returned no output, and what they cost.', 'failed_calls', { dimension: 'feature' }),
      table('Anomalies', 'Features whose cost per call, or busiest hour, over the last 24 hours jumped against their own 7-day baseline (cost per call; median spend of an hour with calls).', 'anomalies', { dimension: 'feature', w: 24 }),
    ],
  },
  {
    uid: 'spendtrace-feature',
    file: 'feature-detail.json',
    title: 'spendtrace / Feature detail',
    description: 'One feature (pick it in the feature variable): spend, calls, users, customers, models, prompt versions and outliers.',
    timeFrom: 'now-7d',
    panels: [
      spendOverTime('Spend over time', 'feature'),
      { title: 'Calls and cost per call', description: 'Calls per interval and their average cost.', type: 'timeseries', query: 'calls_over_time', format: 'time_series', w: 12, h: 8 },
      table('Top users', 'Spend per user.', 'spend_by_dimension', { dimension: 'user', w: 8 }),
      table('Top customers', 'Spend per customer.', 'spend_by_dimension', { dimension: 'customer', w: 8 }),
      table('Model mix', 'Spend per model.', 'spend_by_dimension', { dimension: 'model', w: 8 }),
      table('Prompt versions', 'Cost per call, tokens in and out and cache hit rate per prompt version.', 'prompt_versions', { w: 24 }),
      table('Slowest calls', 'The 20 slowest calls; the trace id opens the trace.', 'slowest_calls'),
      table('Most expensive calls', 'The 20 most expensive calls; the trace id opens the trace.', 'most_expensive_calls'),
    ],
  },
  {
    uid: 'spendtrace-customer',
    file: 'customer-detail.json',
    title: 'spendtrace / Customer detail',
    description: 'One customer (pick it in the customer variable): spend, features, models, daily trend against the budget.',
    timeFrom: 'now-30d',
    panels: [
      { title: 'Spend', description: 'Spend in the range.', type: 'stat', query: 'spend_total', format: 'table', w: 8, h: 4, unit: 'currencyUSD' },
      table('Budget', 'Month-to-date spend against the monthly budget (grafana/settings.yaml).', 'customer_budget', { w: 16, h: 4 }),
      { title: 'Daily trend and budget', description: 'Daily spend, running total and the monthly budget.', type: 'timeseries', query: 'customer_daily_trend', format: 'time_series', w: 24, h: 8, unit: 'currencyUSD' },
      table('Features used', 'Spend per feature.', 'spend_by_dimension', { dimension: 'feature' }),
      table('Models', 'Spend per model.', 'spend_by_dimension', { dimension: 'model' }),
    ],
  },
  {
    uid: 'spendtrace-models',
    file: 'models-providers.json',
    title: 'spendtrace / Models and providers',
    description: 'Model mix, tokens by kind, caching, reasoning, latency, and what the same calls would cost on another model.',
    timeFrom: 'now-7d',
    panels: [
      spendOverTime('Model mix over time', 'model'),
      table('Spend by provider', 'Spend per provider.', 'spend_by_dimension', { dimension: 'provider' }),
      table('Tokens by kind', 'Uncached input, cache reads and writes, visible output and reasoning per model; reasoning share of output.', 'tokens_by_kind', { dimension: 'model' }),
      table('Cache hit rate and savings', 'Share of input read from cache, and what the cache reads saved at the model’s uncached input price.', 'cache_savings', { dimension: 'model' }),
      table('Latency and time to first chunk', 'Mean, median and p95 latency per model; mean time to first chunk of streamed calls.', 'latency_by_model', { dimension: 'model' }),
      table('What-if: re-priced on another model', 'The same calls priced with the catalog prices of the model picked in "What-if model".', 'whatif_reprice', { dimension: 'model' }),
    ],
    extraVariables: (settings) => [whatIfVariable(settings)],
  },
  {
    uid: 'spendtrace-workflows',
    file: 'agent-workflows.json',
    title: 'spendtrace / Agent workflows',
    description: 'Agent workflow runs (one trace each) by cost; each trace id opens the Workflow trace dashboard.',
    timeFrom: 'now-7d',
    panels: [
      table('Workflows by cost', 'Workflow runs with exact totals; click a trace id for its steps.', 'workflows_by_cost', { w: 24, h: 10, traceLinks: true }),
      { title: 'Cost per workflow run', description: 'Runs per cost band (lower bound, USD).', type: 'barchart', query: 'workflow_cost_distribution', format: 'table', w: 12, h: 8 },
      table('Spend by workflow', 'Calls and spend per workflow name.', 'spend_by_dimension', { dimension: 'workflow' }),
    ],
  },
  {
    uid: WORKFLOW_TRACE_UID,
    file: 'workflow-trace.json',
    title: 'spendtrace / Workflow trace',
    description: 'One workflow run: its steps in span-tree order with model, tokens, cost and share, and the trace view.',
    timeFrom: 'now-7d',
    panels: [
      table('Totals', 'Exact totals of the run, late spans included.', 'workflow_totals', { w: 24, h: 4 }),
      table('Steps', 'Spans in tree order; LLM calls with model, tokens, cost and share of the run.', 'workflow_steps', { w: 24, h: 10 }),
      { title: 'Trace', description: 'The trace in the plugin’s trace view.', type: 'traces', query: 'trace_view', format: 'traces', w: 24, h: 12 },
    ],
    extraVariables: () => [
      {
        type: 'textbox',
        name: 'trace_id',
        label: 'Trace id',
        query: '',
        current: { text: '', value: '' },
        hide: VariableHide.dontHide,
      },
    ],
  },
  {
    uid: 'spendtrace-spend-change',
    file: 'spend-change.json',
    title: 'spendtrace / Spend change',
    description: 'Why spend changed between the period before the range and the range: volume, mix and price/size effects.',
    timeFrom: 'now-7d',
    panels: [
      table('Decomposition', 'Change in spend split into volume (more calls), mix (feature × model shift) and price/size (tokens per call, prices) effects; they add up to the change.', 'spend_change', { w: 24, h: 5 }),
      table('By feature and model', 'Spend and calls per feature × model segment in both periods.', 'spend_change_by_segment', { w: 24, h: 10 }),
    ],
  },
];

function whatIfVariable(settings: GrafanaSettings): VariableModel {
  const models = settings.whatif.models;
  const first = models[0] ?? '';
  return {
    type: 'custom',
    name: 'whatif_model',
    label: 'What-if model',
    query: models.join(','),
    options: models.map((m, i) => ({ text: m, value: m, selected: i === 0 })),
    current: { text: first, value: first },
    multi: false,
    includeAll: false,
    hide: VariableHide.dontHide,
  };
}

/** Options for rendering the named queries into dashboard / alert SQL. */
export function renderOptions(settings: GrafanaSettings, dimension?: Dimension): QueryRenderOptions {
  return {
    dimension,
    settings: querySettings(settings),
    budgets: queryBudgets(settings),
    catalogPrices: pricesTableLiteral(whatIfPrices(settings)),
  };
}

const VARIABLE_LABELS: Record<string, string> = {
  environment: 'Environment',
  service: 'Service',
  provider: 'Provider',
  model: 'Model',
  feature: 'Feature',
  customer: 'Customer',
};

/** The six filter variables: multi-value, All = no filter ($__conditionalAll in every query). */
function filterVariables(): VariableModel[] {
  return FILTER_VARIABLES.map((name) => {
    const sql = renderQuery('variable_values', 'grafana', { variable: name });
    // The variable's own datasource applies; its query names none.
    const query: Omit<ClickHouseQuery, 'datasource'> = { refId: `var-${name}`, editorType: 'sql', queryType: 'table', format: 1, rawSql: sql };
    // `definition` is not in the schema's VariableModel but is what Grafana shows for a query
    // variable in the dashboard settings, so it is kept.
    const variable: VariableModel & { definition: string } = {
      type: 'query',
      name,
      label: VARIABLE_LABELS[name],
      datasource: DATASOURCE,
      query: { ...query },
      definition: sql,
      refresh: VariableRefresh.onTimeRangeChanged,
      sort: VariableSort.alphabeticalAsc,
      multi: true,
      includeAll: true,
      current: { text: ['All'], value: ['$__all'] },
      options: [],
      hide: VariableHide.dontHide,
    };
    return variable;
  });
}

const FORMAT_CODES: Record<PanelFormat, Pick<ClickHouseQuery, 'format' | 'queryType'>> = {
  time_series: { format: 0, queryType: 'timeSeries' },
  table: { format: 1, queryType: 'table' },
  traces: { format: 3, queryType: 'traces' },
};

function buildPanel(spec: PanelSpec, id: number, gridPos: GridPos, settings: GrafanaSettings): Panel {
  const rawSql = renderQuery(spec.query, 'grafana', renderOptions(settings, spec.dimension));
  const codes = FORMAT_CODES[spec.format];
  const overrides: FieldConfigSource['overrides'] = [];
  if (spec.traceLinks) {
    overrides.push({
      matcher: { id: 'byName', options: 'trace_id' },
      properties: [
        {
          id: 'links',
          value: [
            {
              title: 'Workflow trace',
              url: `/d/${WORKFLOW_TRACE_UID}/workflow-trace?var-trace_id=\${__value.raw}&\${__url_time_range}`,
            },
          ],
        },
      ],
    });
  }
  const fieldConfig: FieldConfigSource = {
    defaults: {
      ...(spec.unit ? { unit: spec.unit } : {}),
      ...(spec.stacked ? { custom: { stacking: { mode: 'normal', group: 'A' }, fillOpacity: 40, drawStyle: 'line' } } : {}),
    },
    overrides,
  };
  const target: ClickHouseQuery & { meta: Record<string, string> } = {
    refId: 'A',
    datasource: DATASOURCE,
    editorType: 'sql',
    queryType: codes.queryType,
    format: codes.format,
    rawSql,
    meta: { spendtraceQuery: spec.query, ...(spec.dimension ? { dimension: spec.dimension } : {}) },
  };
  return {
    id,
    type: spec.type,
    title: spec.title,
    description: `${spec.description} Query: clickhouse/queries/${spec.query}.sql`,
    datasource: DATASOURCE,
    gridPos,
    fieldConfig,
    options: spec.type === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none' } : {},
    // Panel.targets is typed as plain records in the schema; the spread keeps our typed query.
    targets: [{ ...target }],
  };
}

/** Packs panels left to right into rows of 24 columns. */
function layout(panels: PanelSpec[]): GridPos[] {
  const out: GridPos[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const p of panels) {
    if (x + p.w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    out.push({ x, y, w: p.w, h: p.h });
    x += p.w;
    rowHeight = Math.max(rowHeight, p.h);
  }
  return out;
}

/** One dashboard, typed with Grafana's own dashboard schema (@grafana/schema), so tsc rejects a malformed one. */
export function buildDashboard(spec: DashboardSpec, settings: GrafanaSettings): Dashboard {
  const positions = layout(spec.panels);
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['spendtrace', 'llm-cost'],
    timezone: 'utc',
    editable: true,
    graphTooltip: DashboardCursorSync.Crosshair,
    schemaVersion: 41,
    version: 1,
    refresh: '5m',
    time: { from: spec.timeFrom, to: 'now' },
    timepicker: {},
    links: [
      {
        type: 'dashboards',
        title: 'spendtrace',
        tags: ['spendtrace'],
        asDropdown: true,
        includeVars: true,
        keepTime: true,
        icon: 'external link',
        tooltip: '',
        targetBlank: false,
      },
    ],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: { list: [...filterVariables(), ...(spec.extraVariables?.(settings) ?? [])] },
    panels: spec.panels.map((p, i) => buildPanel(p, i + 1, positions[i] as GridPos, settings)),
  };
}
