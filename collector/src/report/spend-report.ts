/**
 * `spendtrace report`: spend by one dimension over a time range, from the named queries
 * `spend_by_dimension` and `spend_total` — the same SQL the dashboards embed.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryParams, renderQuery, type Dimension, type FilterVariable } from '@spendtrace/clickhouse';
import { formatCount, formatShare, formatUsd, formatUtcMinute, layoutRow, type Column } from './format.ts';
import { num, num0, runQuery, str } from './rows.ts';

export interface SpendRow {
  name: string;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  spend_usd: number;
  cost_per_call_usd: number | null;
  share: number | null;
}

export interface SpendTotals {
  calls: number;
  input_tokens: number;
  output_tokens: number;
  spend_usd: number;
  cost_per_call_usd: number | null;
  unpriced_calls: number;
}

export interface SpendReport {
  by: Dimension;
  from: string;
  to: string;
  filters: Partial<Record<FilterVariable, string[]>>;
  totals: SpendTotals;
  rows: SpendRow[];
}

export interface SpendReportRequest {
  by: Dimension;
  fromMs: number;
  toMs: number;
  filters?: Partial<Record<FilterVariable, string[]>>;
}

export async function fetchSpendReport(client: ClickHouseClient, request: SpendReportRequest): Promise<SpendReport> {
  const params = queryParams({ fromMs: request.fromMs, toMs: request.toMs, filters: request.filters });
  const [rows, totals] = await Promise.all([
    runQuery(client, renderQuery('spend_by_dimension', 'clickhouse', { dimension: request.by }), params),
    runQuery(client, renderQuery('spend_total', 'clickhouse'), params),
  ]);
  const t = totals[0] ?? {};
  const calls = num0(t.calls);
  return {
    by: request.by,
    from: new Date(request.fromMs).toISOString(),
    to: new Date(request.toMs).toISOString(),
    filters: request.filters ?? {},
    totals: {
      calls,
      input_tokens: num0(t.input_tokens),
      output_tokens: num0(t.output_tokens),
      spend_usd: num0(t.spend_usd),
      cost_per_call_usd: calls === 0 ? null : num(t.cost_per_call_usd),
      unpriced_calls: num0(t.unpriced_calls),
    },
    rows: rows.map((r) => ({
      name: str(r.name),
      calls: num0(r.calls),
      input_tokens: num0(r.input_tokens),
      output_tokens: num0(r.output_tokens),
      spend_usd: num0(r.spend_usd),
      cost_per_call_usd: num(r.cost_per_call_usd),
      share: num(r.share),
    })),
  };
}

const DIMENSION_HEADERS: Record<Dimension, string> = {
  feature: 'FEATURE',
  model: 'MODEL',
  provider: 'PROVIDER',
  customer: 'CUSTOMER',
  user: 'USER',
  workflow: 'WORKFLOW',
  day: 'DAY (UTC)',
};

/** 79 characters wide: fits an 80-column terminal without wrapping. */
function columns(by: Dimension): Column[] {
  return [
    { header: '#', width: 3, align: 'right' },
    { header: DIMENSION_HEADERS[by], width: 19, align: 'left' },
    { header: 'CALLS', width: 7, align: 'right' },
    { header: 'TOKENS IN', width: 10, align: 'right' },
    { header: 'TOKENS OUT', width: 10, align: 'right' },
    { header: 'COST', width: 10, align: 'right' },
    { header: '$/CALL', width: 7, align: 'right' },
    { header: 'SHARE', width: 6, align: 'right' },
  ];
}

export function renderSpendReport(report: SpendReport): string {
  const cols = columns(report.by);
  const from = formatUtcMinute(Date.parse(report.from));
  const to = formatUtcMinute(Date.parse(report.to));
  const lines: string[] = [];
  lines.push(`Spend by ${report.by}, ${from} to ${to} UTC`);
  const filterText = Object.entries(report.filters)
    .filter(([, values]) => values && values.length > 0)
    .map(([k, values]) => `${k}=${(values as string[]).join(',')}`)
    .join(' ');
  if (filterText) lines.push(`Filters: ${filterText}`);
  lines.push('');
  if (report.rows.length === 0) {
    lines.push('No LLM calls in this range.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(layoutRow(cols, cols.map((c) => c.header)));
  report.rows.forEach((r, i) => {
    lines.push(
      layoutRow(cols, [
        String(i + 1),
        r.name,
        formatCount(r.calls, 7),
        formatCount(r.input_tokens, 10),
        formatCount(r.output_tokens, 10),
        formatUsd(r.spend_usd),
        formatUsd(r.cost_per_call_usd),
        formatShare(r.share),
      ]),
    );
  });
  const t = report.totals;
  lines.push(layoutRow(cols, ['', '', '-'.repeat(7), '-'.repeat(10), '-'.repeat(10), '-'.repeat(10), '-'.repeat(7), '-'.repeat(6)]));
  lines.push(
    layoutRow(cols, [
      '',
      'TOTAL',
      formatCount(t.calls, 7),
      formatCount(t.input_tokens, 10),
      formatCount(t.output_tokens, 10),
      formatUsd(t.spend_usd),
      formatUsd(t.cost_per_call_usd),
      formatShare(t.calls === 0 ? null : 1),
    ]),
  );
  if (t.unpriced_calls > 0) {
    lines.push('');
    lines.push(
      `${formatCount(t.unpriced_calls)} call${t.unpriced_calls === 1 ? '' : 's'} on models without a catalog price: ` +
        'counted, but not in the cost (see spendtrace prices).',
    );
  }
  return `${lines.join('\n')}\n`;
}
