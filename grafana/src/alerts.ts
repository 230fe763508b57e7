/**
 * The alert rules (Grafana unified alerting file provisioning). Each rule runs one named query
 * (clickhouse/queries/alert_*.sql) over a relative time range, reduces each series to its last
 * value and compares it with a threshold from grafana/settings.yaml.
 */
import { renderQuery } from '@spendtrace/clickhouse';
import type { AlertProvisioningFile, AlertRule } from './alert-provisioning.ts';
import { DATASOURCE, EXPRESSION_DATASOURCE } from './datasource.ts';
import { renderOptions } from './dashboards.ts';
import type { GrafanaSettings } from './settings.ts';

export interface AlertSpec {
  uid: string;
  title: string;
  query: string;
  /** Seconds back from now that the query covers. */
  rangeSeconds: number;
  threshold: (settings: GrafanaSettings) => number;
  for: string;
  summary: string;
  severity: 'warning' | 'critical';
}

const DAY = 86_400;
const HOUR = 3_600;

export const ALERTS: AlertSpec[] = [
  {
    uid: 'spendtrace-daily-spend',
    title: 'Daily spend over threshold',
    query: 'alert_daily_spend',
    rangeSeconds: DAY,
    threshold: (s) => s.alerts.daily_spend_usd,
    for: '0s',
    summary: 'LLM spend over the last 24 hours is {{ humanize $values.B.Value }} USD, above the daily threshold.',
    severity: 'warning',
  },
  {
    uid: 'spendtrace-hourly-spike',
    title: 'Hourly spend spike',
    query: 'alert_hourly_spend_spike',
    rangeSeconds: 8 * DAY,
    threshold: (s) => s.alerts.hourly_spike_factor,
    for: '0s',
    summary: 'The last hour cost {{ humanize $values.B.Value }}× an average hour of the past 7 days.',
    severity: 'critical',
  },
  {
    uid: 'spendtrace-feature-cost-per-call',
    title: 'Feature cost per call up',
    query: 'alert_feature_cost_per_call',
    rangeSeconds: 8 * DAY,
    threshold: (s) => s.alerts.feature_cost_per_call_factor,
    for: '0s',
    summary: 'Feature {{ $labels.feature }}: cost per call is {{ humanize $values.B.Value }}× its 7-day baseline.',
    severity: 'warning',
  },
  {
    uid: 'spendtrace-customer-budget',
    title: 'Customer over budget',
    query: 'alert_customer_budget',
    rangeSeconds: 31 * DAY,
    threshold: (s) => s.alerts.budget_alert_ratio,
    for: '0s',
    summary: 'Customer {{ $labels.customer }} has used {{ humanizePercentage $values.B.Value }} of its monthly budget.',
    severity: 'warning',
  },
  {
    uid: 'spendtrace-error-surge',
    title: 'Error surge',
    query: 'alert_error_surge',
    rangeSeconds: HOUR,
    threshold: (s) => s.alerts.error_rate,
    for: '0s',
    summary: '{{ humanizePercentage $values.B.Value }} of LLM calls failed in the last hour.',
    severity: 'critical',
  },
];

export function buildAlertRule(spec: AlertSpec, settings: GrafanaSettings): AlertRule {
  const rawSql = renderQuery(spec.query, 'grafana', renderOptions(settings));
  return {
    uid: spec.uid,
    title: spec.title,
    condition: 'C',
    data: [
      {
        refId: 'A',
        relativeTimeRange: { from: spec.rangeSeconds, to: 0 },
        datasourceUid: DATASOURCE.uid,
        model: {
          refId: 'A',
          datasource: DATASOURCE,
          editorType: 'sql',
          queryType: 'table',
          format: 1,
          rawSql,
          intervalMs: 1000,
          maxDataPoints: 43200,
        },
      },
      {
        refId: 'B',
        relativeTimeRange: { from: 0, to: 0 },
        datasourceUid: EXPRESSION_DATASOURCE.uid,
        model: { refId: 'B', datasource: EXPRESSION_DATASOURCE, type: 'reduce', expression: 'A', reducer: 'last', settings: { mode: 'dropNN' } },
      },
      {
        refId: 'C',
        relativeTimeRange: { from: 0, to: 0 },
        datasourceUid: EXPRESSION_DATASOURCE.uid,
        model: {
          refId: 'C',
          datasource: EXPRESSION_DATASOURCE,
          type: 'threshold',
          expression: 'B',
          conditions: [{ evaluator: { type: 'gt', params: [spec.threshold(settings)] } }],
        },
      },
    ],
    noDataState: 'OK',
    execErrState: 'Error',
    for: spec.for,
    annotations: {
      summary: spec.summary,
      description: `Query: clickhouse/queries/${spec.query}.sql. Threshold: grafana/settings.yaml.`,
    },
    labels: { source: 'spendtrace', severity: spec.severity },
    isPaused: false,
  };
}

export function buildAlertProvisioning(settings: GrafanaSettings): AlertProvisioningFile {
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: 'spendtrace',
        folder: 'spendtrace',
        interval: '5m',
        rules: ALERTS.map((a) => buildAlertRule(a, settings)),
      },
    ],
  };
}
