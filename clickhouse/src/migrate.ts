/**
 * Applies pending migrations in version order and records each one in `spendtrace_migrations`,
 * so running it again (every collector start does) applies nothing new.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { bootstrapStatements, loadMigrations, renderSql, type MigrationSource, type RenderOptions } from './render.ts';
import { applyRetention, type RetentionOptions } from './retention.ts';

export interface MigrateOptions extends RenderOptions, RetentionOptions {
  /** Migration sources; defaults to clickhouse/migrations. */
  migrations?: MigrationSource[];
}

export interface MigrateResult {
  /** Versions applied by this run, in order; empty when the schema was already current. */
  applied: number[];
  /** Every version recorded after this run. */
  current: number[];
}

/**
 * Brings `options.database` up to date. DDL statements use IF NOT EXISTS, so a run interrupted
 * half-way through a migration is finished by the next run. A migration whose file changed after
 * it was applied is an error (a new migration is the way to change the schema).
 * `ttlDays` / `rollupTtlDays`, when given, are applied after the migrations (see retention.ts).
 */
export async function migrate(client: ClickHouseClient, options: MigrateOptions): Promise<MigrateResult> {
  const migrations = options.migrations ?? loadMigrations();
  for (const statement of bootstrapStatements(options)) await client.command({ query: statement });

  const recorded = await appliedMigrations(client, options.database);
  for (const m of migrations) {
    const checksum = recorded.get(m.version);
    if (checksum !== undefined && checksum !== m.checksum) {
      throw new Error(
        `migration ${formatVersion(m.version)}_${m.name} was changed after it was applied to database "${options.database}"; ` +
          'add a new migration instead of editing an applied one',
      );
    }
  }

  const applied: number[] = [];
  for (const m of migrations) {
    if (recorded.has(m.version)) continue;
    for (const statement of renderSql(m.sql, options)) {
      try {
        await client.command({ query: statement });
      } catch (err) {
        throw new Error(
          `migration ${formatVersion(m.version)}_${m.name} failed: ${err instanceof Error ? err.message : String(err)}\n` +
            `statement:\n${statement}`,
          { cause: err },
        );
      }
    }
    await client.insert({
      table: `${options.database}.spendtrace_migrations`,
      values: [{ version: m.version, name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
    });
    applied.push(m.version);
  }

  await applyRetention(client, options);
  const current = [...new Set([...recorded.keys(), ...applied])].sort((a, b) => a - b);
  return { applied, current };
}

/** version → checksum of every migration recorded in the database. */
export async function appliedMigrations(client: ClickHouseClient, database: string): Promise<Map<number, string>> {
  const result = await client.query({
    query: `SELECT version, any(checksum) AS checksum FROM ${database}.spendtrace_migrations GROUP BY version ORDER BY version`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ version: number; checksum: string }>();
  return new Map(rows.map((r) => [Number(r.version), r.checksum]));
}

function formatVersion(version: number): string {
  return String(version).padStart(4, '0');
}
