/**
 * `spendtrace report`: where the money went, ranked by one dimension, with totals, cost per call
 * and share; `--json` for scripts. Reads the same named SQL as the Grafana dashboards.
 */
import { parseArgs } from 'node:util';
import { DIMENSION_NAMES, FILTER_VARIABLES, type Dimension, type FilterVariable } from '@spendtrace/clickhouse';
import { openReadClient } from '../../store/read-client.ts';
import { fetchSpendReport, renderSpendReport } from '../../report/spend-report.ts';
import { outputColumns } from '../../report/table.ts';
import { resolveRange } from '../../report/time-range.ts';

export const summary = 'spend by feature, model, provider, customer, user, workflow or day';

const USAGE = `usage: spendtrace report [options]

options:
  --by DIMENSION           ${DIMENSION_NAMES.join(' | ')} (default feature)
  --since WHEN             start: a duration back from --until (30m, 24h, 7d, 2w) or a UTC date /
                           date-time like 2026-03-01 or 2026-03-01T12:00:00Z (default 7d)
  --until WHEN             end, inclusive (default now)
  --environment, --service, --provider, --model, --feature, --customer VALUE
                           only calls with this value (repeatable; values of one option are OR-ed)
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
        by: { type: 'string', default: 'feature' },
        since: { type: 'string' },
        until: { type: 'string' },
        json: { type: 'boolean', default: false },
        width: { type: 'string' },
        'data-dir': { type: 'string' },
        'clickhouse-url': { type: 'string' },
        database: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        ...Object.fromEntries(FILTER_VARIABLES.map((v) => [v, { type: 'string' as const, multiple: true as const }])),
      },
      allowPositionals: false,
    });
  } catch (err) {
    process.stderr.write(`spendtrace report: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const values = parsed.values as Record<string, unknown>;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const by = String(values.by);
  if (!(DIMENSION_NAMES as readonly string[]).includes(by)) {
    process.stderr.write(`spendtrace report: --by must be one of ${DIMENSION_NAMES.join(', ')}\n`);
    return 2;
  }
  let range;
  let width: number;
  try {
    range = resolveRange(values.since as string | undefined, values.until as string | undefined);
    width = outputColumns(values.width as string | undefined);
  } catch (err) {
    process.stderr.write(`spendtrace report: ${(err as Error).message}\n`);
    return 2;
  }
  const filters: Partial<Record<FilterVariable, string[]>> = {};
  for (const v of FILTER_VARIABLES) {
    const list = values[v] as string[] | undefined;
    if (list && list.length > 0) filters[v] = list;
  }

  const reader = await openReadClient({
    dataDir: values['data-dir'] as string | undefined,
    url: values['clickhouse-url'] as string | undefined,
    database: values.database as string | undefined,
  });
  try {
    const report = await fetchSpendReport(reader.client, { by: by as Dimension, ...range, filters });
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderSpendReport(report, { width }));
    return 0;
  } finally {
    await reader.close();
  }
}
