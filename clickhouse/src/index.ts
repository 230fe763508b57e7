/**
 * @spendtrace/clickhouse — the schema (versioned migrations, single node and cluster) and the
 * runner that applies it.
 */
export { TABLES, VIEWS, PLAIN_VIEWS, RAW_TABLE_TTL, ROLLUP_TABLE_TTL, type TableName } from './tables.ts';
export {
  MIGRATIONS_DIR,
  loadMigrations,
  renderSql,
  renderMigrations,
  renderMigrationScript,
  bootstrapStatements,
  localName,
  assertIdentifier,
  type RenderOptions,
  type MigrationSource,
  type RenderedMigration,
} from './render.ts';
export { migrate, appliedMigrations, type MigrateOptions, type MigrateResult } from './migrate.ts';
export { retentionStatements, applyRetention, type RetentionOptions } from './retention.ts';
export {
  QUERIES_DIR,
  FILTER_VARIABLES,
  FILTER_SETS,
  CALL_MODEL_EXPR,
  DIMENSIONS,
  DIMENSION_NAMES,
  queryNames,
  loadQueryTemplate,
  renderQuery,
  renderTemplate,
  queryParams,
  type QueryTarget,
  type FilterVariable,
  type Dimension,
  type QueryParams,
  type RenderOptions as QueryRenderOptions,
} from './queries.ts';
export { createEmbeddedClient, createEmbeddedConnection } from './embedded.ts';
export { hasQuerySetting } from './server-settings.ts';
export { niceEmbeddedThreads, keepEmbeddedThreadsNiced, NODE_THREAD_NAMES, MAX_NICE } from './embedded-thread-priority.ts';
