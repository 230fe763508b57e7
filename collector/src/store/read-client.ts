/**
 * A read-only ClickHouse client for commands that look inside the store (`spendtrace query`,
 * `report`, `trace`), chosen the way a user expects:
 *   1. a ClickHouse server when a URL is configured;
 *   2. else the running collector's query endpoint, when a collector holds the data directory
 *      (embedded ClickHouse admits one process per directory);
 *   3. else the embedded store itself, opened read-only.
 * Unqualified table names resolve in `database` in all three cases.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { assertIdentifier } from '@spendtrace/clickhouse';
import { findRunningCollector } from '../query-endpoint/advertise.ts';
import { DEFAULT_DATABASE, embeddedStorePath, openEmbeddedReadOnlyClient } from './open-store.ts';

export const DEFAULT_DATA_DIR = './.spendtrace';

export interface ReadClientOptions {
  /** Default: SPENDTRACE_DATA_DIR, else ./.spendtrace */
  dataDir?: string;
  /** Default: SPENDTRACE_CLICKHOUSE_URL */
  url?: string;
  /** Default: SPENDTRACE_CLICKHOUSE_DATABASE, else spendtrace */
  database?: string;
  username?: string;
  password?: string;
}

export interface ReadClient {
  client: ClickHouseClient;
  /** Which store answered: a server, a running collector's endpoint, or the embedded files. */
  via: 'server' | 'collector' | 'embedded';
  database: string;
  /** The server URL, the endpoint URL, or the embedded directory. */
  location: string;
  close(): Promise<void>;
}

/** Resolves the data dir / URL / database from options, then the environment, then defaults. */
export function resolveStoreLocation(options: ReadClientOptions = {}): { dataDir: string; url: string | undefined; database: string } {
  const dataDir = resolve(options.dataDir ?? process.env.SPENDTRACE_DATA_DIR ?? DEFAULT_DATA_DIR);
  const url = options.url ?? (process.env.SPENDTRACE_CLICKHOUSE_URL || undefined);
  const database = options.database ?? (process.env.SPENDTRACE_CLICKHOUSE_DATABASE || DEFAULT_DATABASE);
  assertIdentifier('database', database);
  return { dataDir, url, database };
}

export async function openReadClient(options: ReadClientOptions = {}): Promise<ReadClient> {
  const { dataDir, url, database } = resolveStoreLocation(options);

  if (url) {
    const client = createClient({
      url,
      username: options.username ?? process.env.SPENDTRACE_CLICKHOUSE_USER,
      password: options.password ?? process.env.SPENDTRACE_CLICKHOUSE_PASSWORD,
      database,
      clickhouse_settings: { readonly: '1' },
    });
    return { client, via: 'server', database, location: url, close: () => client.close() };
  }

  const collector = findRunningCollector(dataDir);
  if (collector) {
    const client = createClient({ url: collector.queryEndpoint, database });
    return { client, via: 'collector', database, location: collector.queryEndpoint, close: () => client.close() };
  }

  const path = embeddedStorePath(dataDir);
  if (!existsSync(path)) {
    throw new Error(
      `no spendtrace store in ${dataDir}: start "spendtrace collector" or run "spendtrace migrate" there, ` +
        'or point at a server with --clickhouse-url / SPENDTRACE_CLICKHOUSE_URL',
    );
  }
  const client = await openEmbeddedReadOnlyClient(path, database).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot open the embedded store in ${path}: ${message}`, { cause: err });
  });
  return { client, via: 'embedded', database, location: path, close: () => client.close() };
}
