/**
 * `spendtrace trace <trace-id>`: one workflow run as an indented span tree with model, tokens,
 * cost and share per step, and the exact totals — from the named queries `workflow_steps` and
 * `workflow_totals`, the same SQL as the Workflow trace dashboard.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryParams, renderQuery } from '@spendtrace/clickhouse';
import { formatCount, formatDurationMs, formatShare, formatUsd, roundUsd, truncateMiddle } from './format.ts';
import { layoutTable, type TableColumn } from './table.ts';
import { num, num0, runQuery, str } from './rows.ts';

export interface TraceStep {
  depth: number;
  name: string;
  span_id: string;
  time: string;
  duration_ms: number;
  /** Null for steps that are not LLM calls (agent, tool and other spans). */
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  share: number | null;
}

export interface TraceTotals {
  workflow: string;
  root_span: string;
  feature: string;
  customer: string;
  calls: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  duration_ms: number;
  revisions: number;
}

export interface WorkflowTrace {
  trace_id: string;
  steps: TraceStep[];
  /** Undefined when the collector has not summed the trace (yet). */
  totals: TraceTotals | undefined;
}

/** Trace ids are stored as lower-case hex. */
export function normalizeTraceId(id: string): string {
  const normalized = id.trim().toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(normalized)) throw new Error(`"${id}" is not a trace id (32 hex digits)`);
  return normalized;
}

/** USD amounts are rounded to USD_DECIMALS here, for the tree and `--json` alike (format.ts says why). */
export async function fetchWorkflowTrace(client: ClickHouseClient, traceId: string): Promise<WorkflowTrace> {
  const id = normalizeTraceId(traceId);
  // The time range does not apply to a single trace; only the trace id is bound.
  const params = queryParams({ fromMs: 0, toMs: 0, text: { trace_id: id } });
  const [steps, totals] = await Promise.all([
    runQuery(client, renderQuery('workflow_steps', 'clickhouse'), params),
    runQuery(client, renderQuery('workflow_totals', 'clickhouse'), params),
  ]);
  const t = totals[0];
  return {
    trace_id: id,
    steps: steps.map((s) => ({
      depth: num0(s.depth),
      name: str(s.step).trimStart(),
      span_id: str(s.span_id),
      time: str(s.time),
      duration_ms: num0(s.duration_ms),
      model: s.model === null || s.model === undefined ? null : str(s.model),
      input_tokens: num(s.input_tokens),
      output_tokens: num(s.output_tokens),
      cost_usd: roundUsd(num(s.cost_usd)),
      share: num(s.share),
    })),
    totals: t
      ? {
          workflow: str(t.workflow),
          root_span: str(t.root_span),
          feature: str(t.feature),
          customer: str(t.customer),
          calls: num0(t.calls),
          errors: num0(t.errors),
          input_tokens: num0(t.input_tokens),
          output_tokens: num0(t.output_tokens),
          cost_usd: roundUsd(num0(t.cost_usd)),
          duration_ms: num0(t.duration_ms),
          revisions: num0(t.revisions),
        }
      : undefined,
  };
}

/**
 * Tree guides (├─ └─ │) from the depth sequence: the rows arrive in span-tree order, so a step's
 * children follow it directly and a step is the last child when no later sibling follows.
 */
function treePrefixes(depths: number[]): string[] {
  const prefixes: string[] = [];
  for (let i = 0; i < depths.length; i++) {
    const depth = depths[i] as number;
    if (depth === 0) {
      prefixes.push('');
      continue;
    }
    let prefix = '';
    for (let level = 1; level <= depth; level++) {
      // Is there a later row at this level before the tree climbs above it?
      let continues = false;
      for (let j = i + 1; j < depths.length; j++) {
        const d = depths[j] as number;
        if (d < level) break;
        if (d === level) {
          continues = true;
          break;
        }
      }
      if (level === depth) prefix += continues ? '├─ ' : '└─ ';
      else prefix += continues ? '│  ' : '   ';
    }
    prefixes.push(prefix);
  }
  return prefixes;
}

export interface RenderOptions {
  /** Terminal width in columns (default 80); the table uses one column less, so no line wraps. */
  width?: number;
}

export function renderWorkflowTrace(trace: WorkflowTrace, options: RenderOptions = {}): string {
  const lines: string[] = [];
  const t = trace.totals;
  const maxWidth = (options.width ?? 80) - 1;
  const about: string[] = [];
  if (t?.workflow) about.push(`workflow ${t.workflow}`);
  if (t?.feature) about.push(`feature ${t.feature}`);
  if (t?.customer) about.push(`customer ${t.customer}`);
  const title = [`Trace ${trace.trace_id}`, ...about].join(', ');
  // Too long for one line: the attribution goes on a line of its own rather than wrapping.
  if ([...title].length <= maxWidth || about.length === 0) lines.push(title);
  else lines.push(`Trace ${trace.trace_id}`, about.join(', '));
  lines.push('');
  const prefixes = treePrefixes(trace.steps.map((s) => s.depth));
  const columns: TableColumn[] = [
    {
      header: 'STEP',
      align: 'left',
      flexible: true,
      spill: true,
      // The tree guides stay whole; the step name is cut in the middle.
      fit: (cell, width, row) => {
        const prefix = prefixes[row] ?? '';
        const guide = [...prefix].length;
        return guide < width - 2 ? prefix + truncateMiddle(cell.slice(prefix.length), width - guide) : truncateMiddle(cell, width);
      },
    },
    { header: 'MODEL', align: 'left', flexible: true },
    { header: 'TOKENS IN/OUT', align: 'right' },
    { header: 'COST', align: 'right' },
    { header: 'SHARE', align: 'right' },
  ];
  const rows = trace.steps.map((s, i) => {
    const isCall = s.model !== null;
    return [
      `${prefixes[i]}${s.name}`,
      isCall ? s.model || '(unknown)' : '',
      isCall ? `${formatCount(s.input_tokens ?? 0)}/${formatCount(s.output_tokens ?? 0)}` : '',
      isCall ? formatUsd(s.cost_usd) : '',
      isCall ? formatShare(s.share) : '',
    ];
  });
  lines.push(...layoutTable(columns, rows, maxWidth).lines);
  lines.push('');
  if (t) {
    lines.push(
      `Total: ${formatCount(t.calls)} call${t.calls === 1 ? '' : 's'}, ` +
        `${formatCount(t.input_tokens)} tokens in, ${formatCount(t.output_tokens)} out, ` +
        `${formatUsd(t.cost_usd)}, ${formatDurationMs(t.duration_ms)}, ` +
        `${formatCount(t.errors)} error${t.errors === 1 ? '' : 's'}`,
    );
  } else {
    lines.push('Total: not summed yet (the collector sums a workflow once its root span ends).');
  }
  return `${lines.join('\n')}\n`;
}
