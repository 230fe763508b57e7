/**
 * `spendtrace query "SQL"`: a read-only query on the configured store, written to stdout in the
 * requested format. Goes to the ClickHouse server when a URL is configured, through the running
 * collector's query endpoint when one holds the data directory, else to the embedded files.
 */
import { pipeline } from 'node:stream/promises';
import type { DataFormat } from '@clickhouse/client';
import { openReadClient } from '../../store/read-client.ts';
import { checkReadOnlyStatement } from '../../query-endpoint/sql-guard.ts';
import { HELP_OPTION, parseCommandArgs, STORE_OPTIONS, STORE_USAGE, storeOptionsFrom, usageError } from '../options.ts';

export const summary = 'run a read-only SQL query on the store';

const USAGE = `usage: spendtrace query "SQL" [options]

options:
  --format NAME            output format when the SQL has no FORMAT clause (default TabSeparated),
                           e.g. JSONEachRow, CSVWithNames, PrettyCompact
  --param NAME=VALUE       value for a {NAME:Type} placeholder in the SQL (repeatable)
${STORE_USAGE}  --database NAME          database for unqualified table names (default spendtrace)
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'query',
    argv,
    {
      options: {
        format: { type: 'string', default: 'TabSeparated' },
        param: { type: 'string', multiple: true, default: [] },
        ...STORE_OPTIONS,
        ...HELP_OPTION,
      },
      allowPositionals: true,
    },
    USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return usageError('query', `expected exactly one SQL argument, got ${positionals.length}`, USAGE);
  const sql = positionals[0]!;
  const check = checkReadOnlyStatement(sql);
  if (!check.ok) return usageError('query', check.reason);
  if (!/^[A-Za-z0-9_]+$/.test(values.format)) return usageError('query', `invalid --format "${values.format}"`);
  const queryParams: Record<string, string> = {};
  for (const param of values.param) {
    const eq = param.indexOf('=');
    if (eq <= 0) return usageError('query', `--param must be NAME=VALUE, got "${param}"`);
    queryParams[param.slice(0, eq)] = param.slice(eq + 1);
  }

  const reader = await openReadClient(storeOptionsFrom(values));
  try {
    const result = await reader.client.exec({
      query: sql,
      clickhouse_settings: { default_format: values.format as DataFormat },
      ...(Object.keys(queryParams).length > 0 ? { query_params: queryParams } : {}),
    });
    await pipeline(result.stream, process.stdout, { end: false });
    return 0;
  } finally {
    await reader.close();
  }
}
