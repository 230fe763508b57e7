/**
 * `spendtrace trace <trace-id>`: one agent workflow run as an indented span tree with model,
 * tokens, cost and share per step, and the workflow's exact totals; `--json` for scripts.
 */
import { parseArgs } from 'node:util';
import { openReadClient } from '../../store/read-client.ts';
import { outputColumns } from '../../report/table.ts';
import { fetchWorkflowTrace, normalizeTraceId, renderWorkflowTrace } from '../../report/workflow-trace.ts';

export const summary = 'show one workflow run (trace) as a tree with cost per step';

const USAGE = `usage: spendtrace trace <trace-id> [options]

options:
  --json                   machine-readable output
  --width N                lay the table out for N columns (default: the terminal's width, or 80
                           when the output is not a terminal)
  --data-dir DIR           embedded store location (env SPENDTRACE_DATA_DIR, default ./.spendtrace)
  --clickhouse-url URL     ClickHouse server instead (env SPENDTRACE_CLICKHOUSE_URL)
  --database NAME          database holding the spendtrace tables (default spendtrace)
`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean', default: false },
        width: { type: 'string' },
        'data-dir': { type: 'string' },
        'clickhouse-url': { type: 'string' },
        database: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
    });
  } catch (err) {
    process.stderr.write(`spendtrace trace: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write(`spendtrace trace: expected one trace id\n\n${USAGE}`);
    return 2;
  }
  let traceId: string;
  let width: number;
  try {
    traceId = normalizeTraceId(positionals[0] as string);
    width = outputColumns(values.width);
  } catch (err) {
    process.stderr.write(`spendtrace trace: ${(err as Error).message}\n`);
    return 2;
  }
  const reader = await openReadClient({
    dataDir: values['data-dir'],
    url: values['clickhouse-url'],
    database: values.database,
  });
  try {
    const trace = await fetchWorkflowTrace(reader.client, traceId);
    if (trace.steps.length === 0 && !trace.totals) {
      process.stderr.write(`spendtrace trace: no spans or calls stored for trace ${traceId}\n`);
      return 1;
    }
    process.stdout.write(values.json ? `${JSON.stringify(trace, null, 2)}\n` : renderWorkflowTrace(trace, { width }));
    return 0;
  } finally {
    await reader.close();
  }
}
