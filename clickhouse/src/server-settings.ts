/**
 * What the ClickHouse server (or embedded ClickHouse) a client talks to supports, for callers that
 * use a setting only where it exists: a setting a release does not know fails the whole query.
 */
import type { ClickHouseClient } from '@clickhouse/client';

/** Whether the server knows query setting `name`; false when it cannot say (its defaults then apply). */
export async function hasQuerySetting(client: ClickHouseClient, name: string): Promise<boolean> {
  try {
    const result = await client.query({ query: 'SELECT count() AS n FROM system.settings WHERE name = {name:String}', query_params: { name }, format: 'JSONEachRow' });
    const rows = await result.json<{ n: string | number }>();
    return Number(rows[0]?.n) > 0;
  } catch {
    return false;
  }
}
