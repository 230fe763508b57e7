/** grafana/settings.yaml: the values users tune (alert thresholds, budgets, what-if models). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const SETTINGS_PATH = fileURLToPath(new URL('../settings.yaml', import.meta.url));

export interface GrafanaSettings {
  alerts: {
    daily_spend_usd: number;
    hourly_spike_factor: number;
    feature_cost_per_call_factor: number;
    feature_min_calls: number;
    budget_alert_ratio: number;
    error_rate: number;
    error_min_calls: number;
  };
  dashboards: { anomaly_factor: number };
  budgets: { default_usd: number; customers: Record<string, number> };
  whatif: { priced_on: string; models: string[] };
}

function requireNumber(path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${SETTINGS_PATH}: ${path} must be a non-negative number`);
  }
  return value;
}

export function loadSettings(path = SETTINGS_PATH): GrafanaSettings {
  const raw = parse(readFileSync(path, 'utf8')) as Partial<GrafanaSettings>;
  const alerts = raw.alerts ?? ({} as GrafanaSettings['alerts']);
  for (const key of [
    'daily_spend_usd',
    'hourly_spike_factor',
    'feature_cost_per_call_factor',
    'feature_min_calls',
    'budget_alert_ratio',
    'error_rate',
    'error_min_calls',
  ] as const) {
    requireNumber(`alerts.${key}`, alerts[key]);
  }
  requireNumber('dashboards.anomaly_factor', raw.dashboards?.anomaly_factor);
  requireNumber('budgets.default_usd', raw.budgets?.default_usd);
  for (const [customer, usd] of Object.entries(raw.budgets?.customers ?? {})) requireNumber(`budgets.customers.${customer}`, usd);
  if (!raw.whatif || !Array.isArray(raw.whatif.models) || raw.whatif.models.length === 0) {
    throw new Error(`${SETTINGS_PATH}: whatif.models must list at least one provider/model`);
  }
  return {
    alerts,
    dashboards: { anomaly_factor: raw.dashboards?.anomaly_factor as number },
    budgets: { default_usd: raw.budgets?.default_usd as number, customers: raw.budgets?.customers ?? {} },
    whatif: { priced_on: String(raw.whatif.priced_on), models: raw.whatif.models.map(String) },
  };
}

/** The numbers named by {{setting ...}} tokens in the named queries. */
export function querySettings(settings: GrafanaSettings): Record<string, number> {
  return { ...settings.alerts, ...settings.dashboards };
}

export function queryBudgets(settings: GrafanaSettings): { defaultUsd: number; customers: Record<string, number> } {
  return { defaultUsd: settings.budgets.default_usd, customers: settings.budgets.customers };
}
