/**
 * User-settable retention: a TTL in days on the raw tables and, separately, on the rollups (which
 * are small, so they usually live longer than the calls they summarise).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { localName, assertIdentifier, type RenderOptions } from './render.ts';
import { RAW_TABLE_TTL, ROLLUP_TABLE_TTL } from './tables.ts';

export interface RetentionOptions {
  /** Days to keep spans, calls and workflows. 0 removes the TTL; undefined leaves it unchanged. */
  ttlDays?: number;
  /** Days to keep the hourly/daily rollups and unknown-model counts. 0 removes; undefined leaves. */
  rollupTtlDays?: number;
}

/** The ALTER statements that set the requested TTLs (none for options left undefined). */
export function retentionStatements(options: RenderOptions & RetentionOptions): string[] {
  assertIdentifier('database', options.database);
  const statements: string[] = [];
  const groups: Array<[number | undefined, Readonly<Record<string, string>>, string]> = [
    [options.ttlDays, RAW_TABLE_TTL, 'ttlDays'],
    [options.rollupTtlDays, ROLLUP_TABLE_TTL, 'rollupTtlDays'],
  ];
  for (const [days, tables, option] of groups) {
    if (days === undefined) continue;
    if (!Number.isInteger(days) || days < 0) {
      throw new Error(`${option} must be a whole number of days (0 removes the TTL), got ${days}`);
    }
    for (const [table, expression] of Object.entries(tables)) {
      const target = `\`${options.database}\`.\`${options.cluster === undefined ? table : localName(table)}\``;
      const onCluster = options.cluster === undefined ? '' : ` ON CLUSTER \`${options.cluster}\``;
      statements.push(
        days === 0
          ? `ALTER TABLE ${target}${onCluster} REMOVE TTL`
          : `ALTER TABLE ${target}${onCluster} MODIFY TTL ${expression} + INTERVAL ${days} DAY`,
      );
    }
  }
  return statements;
}

/** Applies `retentionStatements`; removing a TTL that is not set is not an error. */
export async function applyRetention(client: ClickHouseClient, options: RenderOptions & RetentionOptions): Promise<void> {
  for (const statement of retentionStatements(options)) {
    try {
      await client.command({ query: statement });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (statement.endsWith('REMOVE TTL') && /TTL/i.test(message) && /doesn't have|does not have|no TTL/i.test(message)) continue;
      throw err;
    }
  }
}
