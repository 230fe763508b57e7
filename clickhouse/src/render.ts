/**
 * Turns migration sources into executable statements, for a single node or for a cluster.
 *
 * Migration files use these tokens, so one source serves both deployments:
 *   {{table NAME}}          a data table: `db`.`NAME` (cluster: `db`.`NAME_local`, the shard-local
 *                           replicated table; NAME itself becomes the Distributed table)
 *   {{view NAME}}           a materialized view or other object that keeps its name: `db`.`NAME`
 *   {{on_cluster}}          '' (cluster: ON CLUSTER `name`)
 *   {{engine KIND}}         KIND, e.g. MergeTree or SummingMergeTree(cols)
 *                           (cluster: ReplicatedKIND('/clickhouse/tables/{shard}/{database}/{table}', '{replica}'[, args]))
 *   {{distributed NAME KEY}} nothing (cluster: the Distributed table NAME over NAME_local, sharded by KEY)
 *   {{db}}                  the database
 * The `{shard}`, `{replica}`, `{database}` and `{table}` inside replication paths are ClickHouse
 * server macros, expanded by each server, not by this renderer.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export interface RenderOptions {
  /** Target database; created by `migrate` when missing. */
  database: string;
  /** Cluster name from the servers' `remote_servers` config; omit for a single node. */
  cluster?: string;
}

export interface MigrationSource {
  /** From the file name: 0001_otel_traces.sql → 1. */
  version: number;
  /** From the file name: 0001_otel_traces.sql → otel_traces. */
  name: string;
  /** The file's text, unrendered. */
  sql: string;
  /**
   * sha256 of the SQL without comments and blank lines, recorded when applied, so a migration whose
   * statements were edited afterwards is detected (comment edits are harmless and ignored).
   */
  checksum: string;
}

export interface RenderedMigration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

/** Where the migration files live (clickhouse/migrations). */
export const MIGRATIONS_DIR = join(import.meta.dirname, '..', 'migrations');

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Reads every NNNN_name.sql migration in version order. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): MigrationSource[] {
  const migrations: MigrationSource[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`migration file "${file}" in ${dir} is not named NNNN_name.sql`);
    const sql = readFileSync(join(dir, file), 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: match[2]!,
      sql,
      checksum: createHash('sha256').update(statementText(sql)).digest('hex'),
    });
  }
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new Error(`two migrations share version ${migrations[i]!.version} in ${dir}`);
    }
  }
  return migrations;
}

/** Checks a database or cluster name so it can be spliced into DDL unquoted-safe. */
export function assertIdentifier(kind: string, value: string): void {
  if (!IDENTIFIER.test(value)) {
    throw new Error(`invalid ${kind} name "${value}": use letters, digits and underscores, not starting with a digit`);
  }
}

const quote = (identifier: string): string => `\`${identifier}\``;

/** Expands the tokens of one migration source and splits it into statements. */
export function renderSql(sql: string, options: RenderOptions): string[] {
  assertIdentifier('database', options.database);
  if (options.cluster !== undefined) assertIdentifier('cluster', options.cluster);
  const db = quote(options.database);
  const cluster = options.cluster;

  const rendered = sql.replace(/\{\{\s*([a-z_]+)((?:\s+[^}]+)?)\s*\}\}/g, (token, kind: string, rawArgs: string) => {
    const args = rawArgs.trim();
    switch (kind) {
      case 'db':
        return db;
      case 'on_cluster':
        return cluster === undefined ? '' : ` ON CLUSTER ${quote(cluster)}`;
      case 'table':
        assertIdentifier('table', args);
        return `${db}.${quote(cluster === undefined ? args : localName(args))}`;
      case 'view':
        assertIdentifier('view', args);
        return `${db}.${quote(args)}`;
      case 'engine':
        return cluster === undefined ? args : replicatedEngine(args);
      case 'distributed': {
        const [table, ...key] = args.split(/\s+/);
        if (!table || key.length === 0) throw new Error(`${token} needs a table and a sharding key`);
        assertIdentifier('table', table);
        if (cluster === undefined) return '';
        return (
          `CREATE TABLE IF NOT EXISTS ${db}.${quote(table)} ON CLUSTER ${quote(cluster)} ` +
          `AS ${db}.${quote(localName(table))} ` +
          `ENGINE = Distributed(${quote(cluster)}, ${db}, ${quote(localName(table))}, ${key.join(' ')})`
        );
      }
      default:
        throw new Error(`unknown migration token ${token}`);
    }
  });
  return splitStatements(rendered);
}

/** Renders every migration; with `cluster` set this is the cluster variant of the same sources. */
export function renderMigrations(options: RenderOptions, migrations: MigrationSource[] = loadMigrations()): RenderedMigration[] {
  return migrations.map((m) => ({
    version: m.version,
    name: m.name,
    checksum: m.checksum,
    statements: renderSql(m.sql, options),
  }));
}

/** The whole schema as one SQL script (what `spendtrace migrate --print` shows). */
export function renderMigrationScript(options: RenderOptions, migrations: MigrationSource[] = loadMigrations()): string {
  const parts = [bootstrapStatements(options).join(';\n\n') + ';'];
  for (const m of renderMigrations(options, migrations)) {
    parts.push(`-- ${String(m.version).padStart(4, '0')}_${m.name}\n` + m.statements.map((s) => `${s};`).join('\n\n'));
  }
  return parts.join('\n\n') + '\n';
}

/** The database and the table that records applied migrations. */
export function bootstrapStatements(options: RenderOptions): string[] {
  assertIdentifier('database', options.database);
  const onCluster = options.cluster === undefined ? '' : ` ON CLUSTER ${quote(options.cluster)}`;
  // Every node must see the same record, so in a cluster the record table replicates across all
  // shards (one ZooKeeper path without {shard}) instead of per shard.
  const engine =
    options.cluster === undefined
      ? 'MergeTree'
      : `ReplicatedMergeTree('/clickhouse/tables/all/{database}/{table}', '{replica}')`;
  return [
    `CREATE DATABASE IF NOT EXISTS ${quote(options.database)}${onCluster}`,
    `CREATE TABLE IF NOT EXISTS ${quote(options.database)}.spendtrace_migrations${onCluster} (
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime64(3) DEFAULT now64(3)
) ENGINE = ${engine}
ORDER BY version`,
  ];
}

/** The SQL of a migration source with comment lines and surrounding whitespace removed. */
function statementText(sql: string): string {
  return sql
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('--'))
    .join('\n');
}

/** The shard-local table behind a Distributed table in the cluster variant. */
export function localName(table: string): string {
  return `${table}_local`;
}

function replicatedEngine(engine: string): string {
  const match = /^([A-Za-z]*MergeTree)(?:\((.*)\))?$/s.exec(engine);
  if (!match) throw new Error(`cannot derive a replicated engine from "${engine}"`);
  const path = `'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'`;
  const args = match[2]?.trim();
  return `Replicated${match[1]}(${path}${args ? `, ${args}` : ''})`;
}

/** Splits on `;` at the end of a line; drops pieces that are only comments or whitespace. */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('--')));
}
