/**
 * Opens the ClickHouse store: embedded ClickHouse (chdb) under the data directory when no URL is
 * configured, a ClickHouse server when one is. Both are driven through `@clickhouse/client`, so
 * everything above this module is the same code for both.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { assertIdentifier, createEmbeddedClient } from '@spendtrace/clickhouse';

export const DEFAULT_DATABASE = 'spendtrace';

export interface StoreOptions {
  /** Data directory; the embedded store lives in `<dataDir>/clickhouse`. */
  dataDir: string;
  /** ClickHouse server, e.g. http://localhost:8123; when set the embedded store is not used. */
  url?: string;
  /** Database holding the spendtrace tables (default `spendtrace`). */
  database?: string;
  username?: string;
  password?: string;
}

export interface Store {
  /**
   * The writer client. It is not bound to `database` (the database may not exist before
   * migrations run), so statements name tables as `database.table`.
   */
  client: ClickHouseClient;
  /** True for embedded ClickHouse (chdb), false for a server. */
  embedded: boolean;
  database: string;
  /** `<dataDir>/clickhouse` when embedded, else the server URL. */
  location: string;
  /**
   * Opens an additional client for read-only queries, bound to `database` and refusing writes
   * (`readonly=1`). Embedded: a second chdb session on the same directory (sessions of one process
   * share it; settings stay per session). Close it before closing the store.
   */
  openReadOnlyClient(): Promise<ClickHouseClient>;
  close(): Promise<void>;
}

/** The embedded store's directory inside a data dir. */
export function embeddedStorePath(dataDir: string): string {
  return join(dataDir, 'clickhouse');
}

export async function openStore(options: StoreOptions): Promise<Store> {
  const database = options.database ?? DEFAULT_DATABASE;
  assertIdentifier('database', database);

  if (options.url) {
    const url = options.url;
    const client = createClient({ url, username: options.username, password: options.password });
    return {
      client,
      embedded: false,
      database,
      location: url,
      async openReadOnlyClient() {
        return createClient({
          url,
          username: options.username,
          password: options.password,
          database,
          clickhouse_settings: { readonly: '1' },
        });
      },
      close: () => client.close(),
    };
  }

  const path = embeddedStorePath(options.dataDir);
  mkdirSync(path, { recursive: true });
  const client = createEmbeddedClient(path);
  return {
    client,
    embedded: true,
    database,
    location: path,
    openReadOnlyClient: () => openEmbeddedReadOnlyClient(path, database),
    close: () => client.close(),
  };
}

/**
 * A chdb session on `path` that refuses writes. chdb applies settings as session-wide `SET`s, so
 * `readonly = 1` and the current database are set once here and hold for every later query on
 * this session, whatever the caller passes.
 */
export async function openEmbeddedReadOnlyClient(path: string, database: string): Promise<ClickHouseClient> {
  assertIdentifier('database', database);
  const client = createEmbeddedClient(path);
  try {
    await client.command({ query: `USE \`${database}\`` });
    await client.command({ query: 'SET readonly = 1' });
  } catch (err) {
    await client.close();
    throw err;
  }
  return client;
}
