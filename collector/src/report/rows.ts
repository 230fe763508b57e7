/** Reading named-query results: ClickHouse's JSON quotes 64-bit integers, so numbers are coerced here. */
import type { ClickHouseClient } from '@clickhouse/client';

export type Row = Record<string, unknown>;

export async function runQuery(client: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<Row[]> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return (await result.json()) as Row[];
}

/** A numeric cell (number or quoted 64-bit integer); null stays null. */
export function num(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isNaN(n) ? null : n;
}

/** A numeric cell that must be present (aggregates over an empty range are 0, not null). */
export function num0(value: unknown): number {
  return num(value) ?? 0;
}

export function str(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}
