/**
 * `spendtrace report`: where the money went, ranked by one dimension, with totals, cost per call
 * and share; `--json` for scripts. Reads the same named SQL as the Grafana dashboards.
 */
import { DIMENSION_NAMES, FILTER_VARIABLES, type Dimension, type FilterVariable } from '@spendtrace/clickhouse';
import { openReadClient } from '../../store/read-client.ts';
import { fetchSpendReport, renderSpendReport } from '../../report/spend-report.ts';
import { outputColumns } from '../../report/table.ts';
import { resolveRange } from '../../report/time-range.ts';
import { HELP_OPTION, parseCommandArgs, STORE_OPTIONS, STORE_USAGE, storeOptionsFrom, TABLE_USAGE, usageError } from '../options.ts';

export const summary = 'spend by feature, model, provider, customer, user, workflow or day';

const USAGE = `usage: spendtrace report [options]

options:
  --by DIMENSION           ${DIMENSION_NAMES.join(' | ')} (default feature)
  --since WHEN             start: a duration back from --until (30m, 24h, 7d, 2w) or a UTC date /
                           date-time like 2026-03-01 or 2026-03-01T12:00:00Z (default 7d)
  --until WHEN             end, inclusive (default now)
  --environment, --service, --provider, --model, --feature, --customer VALUE
                           only calls with this value (repeatable; values of one option are OR-ed)
${TABLE_USAGE}${STORE_USAGE}  --database NAME          database holding the spendtrace tables (default spendtrace)
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'report',
    argv,
    {
      options: {
        by: { type: 'string', default: 'feature' },
        since: { type: 'string' },
        until: { type: 'string' },
        json: { type: 'boolean', default: false },
        width: { type: 'string' },
        ...STORE_OPTIONS,
        ...HELP_OPTION,
        ...Object.fromEntries(FILTER_VARIABLES.map((v) => [v, { type: 'string' as const, multiple: true as const }])),
      },
      allowPositionals: false,
    },
    USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const values = parsed.values as Record<string, unknown>;
  const by = String(values.by);
  if (!(DIMENSION_NAMES as readonly string[]).includes(by)) return usageError('report', `--by must be one of ${DIMENSION_NAMES.join(', ')}`);
  let range;
  let width: number;
  try {
    range = resolveRange(values.since as string | undefined, values.until as string | undefined);
    width = outputColumns(values.width as string | undefined);
  } catch (err) {
    return usageError('report', (err as Error).message);
  }
  const filters: Partial<Record<FilterVariable, string[]>> = {};
  for (const v of FILTER_VARIABLES) {
    const list = values[v] as string[] | undefined;
    if (list && list.length > 0) filters[v] = list;
  }

  const reader = await openReadClient(storeOptionsFrom(values as Parameters<typeof storeOptionsFrom>[0]));
  try {
    const report = await fetchSpendReport(reader.client, { by: by as Dimension, ...range, filters });
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderSpendReport(report, { width }));
    return 0;
  } finally {
    await reader.close();
  }
}
