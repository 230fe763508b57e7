/**
 * `spendtrace migrate`: applies the ClickHouse migrations to the embedded store or a server, or
 * prints them (`--print`, e.g. the cluster variant to review or run with clickhouse-client).
 */
import { migrate, renderMigrationScript } from '@spendtrace/clickhouse';
import { openStore } from '../../store/open-store.ts';
import { resolveStoreLocation } from '../../store/read-client.ts';
import { findRunningCollector } from '../../query-endpoint/advertise.ts';
import { HELP_OPTION, parseCommandArgs, STORE_OPTIONS, STORE_USAGE, storeOptionsFrom } from '../options.ts';

export const summary = 'create or upgrade the ClickHouse schema (or print it, for a cluster)';

const USAGE = `usage: spendtrace migrate [options]

Applies pending migrations (each once; re-running applies nothing) to the embedded store in the
data directory, or to a ClickHouse server with --clickhouse-url.

options:
${STORE_USAGE}  --database NAME          database (env SPENDTRACE_CLICKHOUSE_DATABASE, default spendtrace)
  --cluster NAME           cluster variant: ON CLUSTER, Replicated and Distributed tables (server only)
  --ttl-days N             keep spans, calls and workflows N days (0 removes the TTL)
  --rollup-ttl-days N      keep the hourly/daily rollups N days (0 removes the TTL)
  --print                  print the SQL instead of applying it
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'migrate',
    argv,
    {
      options: {
        ...STORE_OPTIONS,
        cluster: { type: 'string' },
        'ttl-days': { type: 'string' },
        'rollup-ttl-days': { type: 'string' },
        print: { type: 'boolean', default: false },
        ...HELP_OPTION,
      },
      allowPositionals: false,
    },
    USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;

  const { dataDir, url, database } = resolveStoreLocation(storeOptionsFrom(values));
  const ttlDays = parseDays('--ttl-days', values['ttl-days']);
  const rollupTtlDays = parseDays('--rollup-ttl-days', values['rollup-ttl-days']);
  const cluster = values.cluster;

  if (values.print) {
    process.stdout.write(renderMigrationScript({ database, ...(cluster ? { cluster } : {}) }));
    return 0;
  }
  if (cluster && !url) {
    throw new Error('--cluster needs --clickhouse-url (the embedded store is a single node); use --print to see the cluster SQL');
  }
  if (!url) {
    const collector = findRunningCollector(dataDir);
    if (collector) {
      throw new Error(
        `a collector (pid ${collector.pid}) holds ${dataDir}; it applies migrations when it starts, so stop it first or run migrate there`,
      );
    }
  }

  const store = await openStore({
    dataDir,
    url,
    database,
    username: process.env.SPENDTRACE_CLICKHOUSE_USER,
    password: process.env.SPENDTRACE_CLICKHOUSE_PASSWORD,
  });
  try {
    const result = await migrate(store.client, {
      database,
      ...(cluster ? { cluster } : {}),
      ...(ttlDays !== undefined ? { ttlDays } : {}),
      ...(rollupTtlDays !== undefined ? { rollupTtlDays } : {}),
    });
    const where = store.embedded ? store.location : url;
    process.stdout.write(
      result.applied.length === 0
        ? `database ${database} at ${where} is up to date (migrations ${formatVersions(result.current)})\n`
        : `applied migrations ${formatVersions(result.applied)} to database ${database} at ${where}\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

function parseDays(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`${flag} must be a whole number of days, got "${value}"`);
  return Number(value);
}

function formatVersions(versions: number[]): string {
  return versions.map((v) => String(v).padStart(4, '0')).join(', ') || '(none)';
}
