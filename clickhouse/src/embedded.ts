/**
 * A `@clickhouse/client` client on embedded ClickHouse (chdb) at a directory.
 *
 * chdb's connection is typed against @clickhouse/client-common while @clickhouse/client bundles
 * its own copy of the same types, so the two declarations differ nominally though identical in
 * shape; this is the one place that bridges them.
 *
 * chdb admits one data directory per process (several sessions on that same directory are fine),
 * and it applies per-request settings as session-wide `SET`s: put per-statement settings in the
 * statement's own SETTINGS clause rather than in `clickhouse_settings`.
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

/** The chdb connection itself, for callers that need to wrap it (e.g. to inject faults in tests). */
export function createEmbeddedConnection(path: string): ClientConnection {
  return createChdbConnection({ path }) as unknown as ClientConnection;
}

export function createEmbeddedClient(path: string): ClickHouseClient {
  return createClient({ connection: createEmbeddedConnection(path) });
}
