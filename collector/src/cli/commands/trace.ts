/**
 * `spendtrace trace <trace-id>`: one agent workflow run as an indented span tree with model,
 * tokens, cost and share per step, and the workflow's exact totals; `--json` for scripts.
 */
import { openReadClient } from '../../store/read-client.ts';
import { outputColumns } from '../../report/table.ts';
import { fetchWorkflowTrace, normalizeTraceId, renderWorkflowTrace } from '../../report/workflow-trace.ts';
import { HELP_OPTION, parseCommandArgs, printError, STORE_OPTIONS, STORE_USAGE, storeOptionsFrom, TABLE_USAGE, usageError } from '../options.ts';

export const summary = 'show one workflow run (trace) as a tree with cost per step';

const USAGE = `usage: spendtrace trace <trace-id> [options]

options:
${TABLE_USAGE}${STORE_USAGE}  --database NAME          database holding the spendtrace tables (default spendtrace)
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'trace',
    argv,
    {
      options: {
        json: { type: 'boolean', default: false },
        width: { type: 'string' },
        ...STORE_OPTIONS,
        ...HELP_OPTION,
      },
      allowPositionals: true,
    },
    USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return usageError('trace', 'expected one trace id', USAGE);
  let traceId: string;
  let width: number;
  try {
    traceId = normalizeTraceId(positionals[0] as string);
    width = outputColumns(values.width);
  } catch (err) {
    return usageError('trace', (err as Error).message);
  }
  const reader = await openReadClient(storeOptionsFrom(values));
  try {
    const trace = await fetchWorkflowTrace(reader.client, traceId);
    if (trace.steps.length === 0 && !trace.totals) {
      printError('trace', `no spans or calls stored for trace ${traceId}`);
      return 1;
    }
    process.stdout.write(values.json ? `${JSON.stringify(trace, null, 2)}\n` : renderWorkflowTrace(trace, { width }));
    return 0;
  } finally {
    await reader.close();
  }
}
