/**
 * Grafana's alert rule file-provisioning format (apiVersion 1), as Grafana reads it
 * (provisioning/alerting: AlertRuleGroupV1, AlertRuleV1, QueryV1) and documents it under
 * "Use configuration files to provision alerting resources". The generator's output is typed
 * with it, and grafana/test/alerts-format.test.ts checks the committed file against it.
 */

/** What a rule reports when its query returns no data. */
export type NoDataState = 'NoData' | 'Alerting' | 'OK' | 'KeepLast';
/** What a rule reports when its query fails. */
export type ExecErrState = 'Error' | 'Alerting' | 'OK' | 'KeepLast';

export interface AlertQuery {
  refId: string;
  queryType?: string;
  /** Seconds before the evaluation time: `from` ≥ `to`. */
  relativeTimeRange: { from: number; to: number };
  /** A data source uid, or `__expr__` for server-side expressions. */
  datasourceUid: string;
  /** The data source's query (or the expression); passed to it verbatim, macros included. */
  model: Record<string, unknown> & { refId: string };
}

export interface AlertRule {
  uid: string;
  title: string;
  /** The refId whose result decides firing. */
  condition: string;
  data: AlertQuery[];
  dashboardUid?: string;
  panelId?: number;
  noDataState: NoDataState;
  execErrState: ExecErrState;
  /** Pending period, a duration such as `0s` or `5m`. */
  for: string;
  keepFiringFor?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  isPaused?: boolean;
}

export interface AlertRuleGroup {
  orgId?: number;
  name: string;
  /** Folder title (created when missing). */
  folder: string;
  /** Evaluation interval, a duration such as `1m`. */
  interval: string;
  rules: AlertRule[];
}

export interface AlertProvisioningFile {
  apiVersion: 1;
  groups: AlertRuleGroup[];
  deleteRules?: { orgId?: number; uid: string }[];
}

/** The keys Grafana reads, per object (the rest are ignored by it, so a typo would go unnoticed). */
export const KNOWN_KEYS = {
  file: ['apiVersion', 'groups', 'deleteRules'],
  group: ['orgId', 'name', 'folder', 'interval', 'rules'],
  rule: [
    'uid', 'title', 'condition', 'data', 'dashboardUid', 'panelId', 'noDataState', 'execErrState', 'for', 'keepFiringFor',
    'missing_series_evals_to_resolve', 'annotations', 'labels', 'isPaused', 'notification_settings', 'record',
  ],
  query: ['refId', 'queryType', 'relativeTimeRange', 'datasourceUid', 'model'],
} as const;

/** Grafana's (Prometheus-style) durations: `0s`, `5m`, `1h30m`, ... */
export const DURATION = /^(?:0|(?:\d+y)?(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?)$/;
