/**
 * `spendtrace report`: spend by one dimension over a time range, from the named queries
 * `spend_by_dimension` and `spend_total` — the same SQL the dashboards embed.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryParams, renderQuery, type Dimension, type FilterVariable } from '@spendtrace/clickhouse';
import { formatCount, formatShare, formatUsd, formatUtcMinute, roundUsd } from './format.ts';
import { layoutTable, RULE, type TableCell, type TableColumn } from './table.ts';
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

/** USD amounts are rounded to USD_DECIMALS here, for the table and `--json` alike (format.ts says why). */
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
      spend_usd: roundUsd(num0(t.spend_usd)),
      cost_per_call_usd: calls === 0 ? null : roundUsd(num(t.cost_per_call_usd)),
      unpriced_calls: num0(t.unpriced_calls),
    },
    rows: rows.map((r) => ({
      name: str(r.name),
      calls: num0(r.calls),
      input_tokens: num0(r.input_tokens),
      output_tokens: num0(r.output_tokens),
      spend_usd: roundUsd(num0(r.spend_usd)),
      cost_per_call_usd: roundUsd(num(r.cost_per_call_usd)),
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

const COUNT_COLUMNS = ['CALLS', 'TOKENS IN', 'TOKENS OUT'];

function columns(by: Dimension): TableColumn[] {
  return [
    { header: '#', align: 'right' },
    { header: DIMENSION_HEADERS[by], align: 'left', flexible: true },
    ...COUNT_COLUMNS.map((header) => ({ header, align: 'right' as const })),
    { header: 'COST', align: 'right' },
    { header: '$/CALL', align: 'right' },
    { header: 'SHARE', align: 'right' },
  ];
}

export interface RenderOptions {
  /** Terminal width in columns (default 80); tables use one column less, so no line wraps. */
  width?: number;
}

/** The ranked rows, a rule and the totals; counts in full, or compact (1.2M) when `compact`. */
function tableRows(report: SpendReport, compact: boolean): TableCell[][] {
  const count = (n: number): string => formatCount(n, compact ? 7 : Infinity);
  const t = report.totals;
  return [
    ...report.rows.map((r, i) => [
      String(i + 1),
      r.name,
      count(r.calls),
      count(r.input_tokens),
      count(r.output_tokens),
      formatUsd(r.spend_usd),
      formatUsd(r.cost_per_call_usd),
      formatShare(r.share),
    ]),
    ['', '', RULE, RULE, RULE, RULE, RULE, RULE],
    ['', 'TOTAL', count(t.calls), count(t.input_tokens), count(t.output_tokens), formatUsd(t.spend_usd), formatUsd(t.cost_per_call_usd), formatShare(t.calls === 0 ? null : 1)],
  ];
}

export function renderSpendReport(report: SpendReport, options: RenderOptions = {}): string {
  const maxWidth = (options.width ?? 80) - 1;
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
  const cols = columns(report.by);
  let table = layoutTable(cols, tableRows(report, false), maxWidth);
  const longestName = Math.max(...report.rows.map((r) => [...r.name].length), 'TOTAL'.length);
  // Names cut to fit: give them the room of full-precision token counts first.
  if ((table.widths[1] as number) < longestName) table = layoutTable(cols, tableRows(report, true), maxWidth);
  lines.push(...table.lines);
  const t = report.totals;
  if (t.unpriced_calls > 0) {
    lines.push('');
    lines.push(
      `${formatCount(t.unpriced_calls)} call${t.unpriced_calls === 1 ? '' : 's'} on models without a catalog price: ` +
        'counted, but not in the cost (see spendtrace prices).',
    );
  }
  return `${lines.join('\n')}\n`;
}
