/**
 * `spendtrace query "SQL"`: a read-only query on the configured store, written to stdout in the
 * requested format. Goes to the ClickHouse server when a URL is configured, through the running
 * collector's query endpoint when one holds the data directory, else to the embedded files.
 */
import { parseArgs } from 'node:util';
import { pipeline } from 'node:stream/promises';
import type { DataFormat } from '@clickhouse/client';
import { openReadClient } from '../../store/read-client.ts';
import { checkReadOnlyStatement } from '../../query-endpoint/sql-guard.ts';

export const summary = 'run a read-only SQL query on the store';

const USAGE = `usage: spendtrace query "SQL" [options]

options:
  --format NAME            output format when the SQL has no FORMAT clause (default TabSeparated),
                           e.g. JSONEachRow, CSVWithNames, PrettyCompact
  --param NAME=VALUE       value for a {NAME:Type} placeholder in the SQL (repeatable)
  --data-dir DIR           embedded store location (env SPENDTRACE_DATA_DIR, default ./.spendtrace)
  --clickhouse-url URL     ClickHouse server instead (env SPENDTRACE_CLICKHOUSE_URL)
  --database NAME          database for unqualified table names (default spendtrace)
`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        format: { type: 'string', default: 'TabSeparated' },
        param: { type: 'string', multiple: true, default: [] },
        'data-dir': { type: 'string' },
        'clickhouse-url': { type: 'string' },
        database: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
    });
  } catch (err) {
    process.stderr.write(`spendtrace query: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write(`spendtrace query: expected exactly one SQL argument, got ${positionals.length}\n\n${USAGE}`);
    return 2;
  }
  const sql = positionals[0]!;
  const check = checkReadOnlyStatement(sql);
  if (!check.ok) {
    process.stderr.write(`spendtrace query: ${check.reason}\n`);
    return 2;
  }
  if (!/^[A-Za-z0-9_]+$/.test(values.format)) {
    process.stderr.write(`spendtrace query: invalid --format "${values.format}"\n`);
    return 2;
  }
  const queryParams: Record<string, string> = {};
  for (const param of values.param) {
    const eq = param.indexOf('=');
    if (eq <= 0) {
      process.stderr.write(`spendtrace query: --param must be NAME=VALUE, got "${param}"\n`);
      return 2;
    }
    queryParams[param.slice(0, eq)] = param.slice(eq + 1);
  }

  const reader = await openReadClient({
    dataDir: values['data-dir'],
    url: values['clickhouse-url'],
    database: values.database,
  });
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
