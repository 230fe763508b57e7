import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { migrate } from '@spendtrace/clickhouse';
import { openStore, type Store } from '../src/store/index.ts';
import {
  checkReadOnlyStatement,
  findRunningCollector,
  formatClause,
  removeCollectorInfo,
  startQueryEndpoint,
  writeCollectorInfo,
  type QueryEndpoint,
} from '../src/query-endpoint/index.ts';

let dataDir: string;
let store: Store;
let reader: ClickHouseClient;
let endpoint: QueryEndpoint;
let http: ClickHouseClient;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'spendtrace-endpoint-'));
  store = await openStore({ dataDir, database: 'qe' });
  await migrate(store.client, { database: 'qe' });
  await migrate(store.client, { database: 'other' });
  await store.client.command({
    query: `INSERT INTO qe.genai_calls (timestamp, trace_id, span_id, provider, request_model, feature, input_tokens, cost_usd) VALUES
      ('2025-05-01 12:00:00.000000001', 'aaa', 's1', 'openai', 'gpt-4o', 'chat', 100, 0.25),
      ('2025-05-01 12:00:01', 'aaa', 's2', 'anthropic', 'claude-sonnet-4', 'chat', 50, 0.5),
      ('2025-05-01 12:00:02', 'bbb', 's3', 'openai', 'gpt-4o', 'search', 10, 0.125)`,
  });
  await store.client.command({ query: "INSERT INTO other.genai_calls (trace_id, span_id) VALUES ('zzz', 'z1')" });
  reader = await store.openReadOnlyClient();
  endpoint = await startQueryEndpoint({ client: reader, database: 'qe' });
  http = createClient({ url: endpoint.url, database: 'qe' });
});

afterAll(async () => {
  await http.close();
  await endpoint.close();
  await reader.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('query endpoint with @clickhouse/client', () => {
  it('answers queries with parameters in JSONEachRow', async () => {
    const result = await http.query({
      query: 'SELECT feature, count() AS calls, sum(cost_usd) AS cost FROM genai_calls WHERE provider = {provider:String} GROUP BY feature ORDER BY feature',
      query_params: { provider: 'openai' },
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([
      { feature: 'chat', calls: 1, cost: 0.25 },
      { feature: 'search', calls: 1, cost: 0.125 },
    ]);
  });

  it('uses the database a request names', async () => {
    const other = createClient({ url: endpoint.url, database: 'other' });
    const result = await other.query({ query: 'SELECT trace_id FROM genai_calls', format: 'JSONEachRow' });
    expect(await result.json()).toEqual([{ trace_id: 'zzz' }]);
    await other.close();
  });

  it('keeps nanosecond timestamps and numeric parameters', async () => {
    const result = await http.query({
      query: 'SELECT toString(timestamp) AS ts FROM genai_calls WHERE input_tokens > {min:UInt32} ORDER BY ts',
      query_params: { min: 60 },
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([{ ts: '2025-05-01 12:00:00.000000001' }]);
  });

  it('pings', async () => {
    expect(await http.ping()).toEqual({ success: true });
  });

  it.each([
    ['INSERT', "INSERT INTO genai_calls (trace_id) VALUES ('x')"],
    ['CREATE', 'CREATE TABLE t (x UInt8) ENGINE = Memory'],
    ['ALTER', 'ALTER TABLE genai_calls DELETE WHERE 1'],
    ['DROP', 'DROP TABLE genai_calls'],
    ['TRUNCATE', 'TRUNCATE TABLE genai_calls'],
  ])('refuses %s', async (keyword, sql) => {
    await expect(http.command({ query: sql })).rejects.toMatchObject({
      code: '164',
      type: 'READONLY',
      message: `Cannot execute query in readonly mode: ${keyword} is not allowed: this endpoint is read-only and accepts only SELECT, SHOW, DESCRIBE, EXISTS, WITH and EXPLAIN. `,
    });
    const count = await http.query({ query: 'SELECT count() AS n FROM genai_calls', format: 'JSONEachRow' });
    expect(await count.json()).toEqual([{ n: 3 }]);
  });

  it('refuses writes hidden in table functions through the session readonly setting', async () => {
    await expect(
      http.query({ query: "SELECT * FROM file('leak.csv', 'CSV', 'x String') LIMIT 1", format: 'JSONEachRow' }).then((r) => r.json()),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^\d+$/) });
  });
});

describe('query endpoint over raw HTTP', () => {
  it('serves GET /?query= in TabSeparated by default, like ClickHouse', async () => {
    const response = await fetch(`${endpoint.url}/?query=${encodeURIComponent('SELECT count() FROM genai_calls')}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-clickhouse-format')).toBe('TabSeparated');
    expect(await response.text()).toBe('3\n');
  });

  it('honours default_format, a FORMAT clause and a POST body', async () => {
    const byDefault = await fetch(`${endpoint.url}/?default_format=CSV&database=qe`, { method: 'POST', body: 'SELECT trace_id, span_id FROM genai_calls ORDER BY span_id LIMIT 2' });
    expect(byDefault.headers.get('x-clickhouse-format')).toBe('CSV');
    expect(await byDefault.text()).toBe('"aaa","s1"\n"aaa","s2"\n');
    const clause = await fetch(`${endpoint.url}/?query=${encodeURIComponent('SELECT span_id FROM genai_calls')}`, {
      method: 'POST',
      body: 'ORDER BY span_id DESC LIMIT 1 FORMAT JSONEachRow',
    });
    expect(clause.headers.get('x-clickhouse-format')).toBe('JSONEachRow');
    expect(await clause.text()).toBe('{"span_id":"s3"}\n');
  });

  it('answers /ping with Ok.', async () => {
    const response = await fetch(`${endpoint.url}/ping`);
    expect([response.status, await response.text()]).toEqual([200, 'Ok.\n']);
  });

  it('reports errors with ClickHouse codes and statuses', async () => {
    const missing = await fetch(`${endpoint.url}/?query=${encodeURIComponent('SELECT * FROM no_such_table')}`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-clickhouse-exception-code')).toBe('60');
    expect(await missing.text()).toMatch(/^Code: 60\. DB::Exception: .*no_such_table.*\(UNKNOWN_TABLE\)/s);

    const two = await fetch(`${endpoint.url}/`, { method: 'POST', body: "SELECT 1; INSERT INTO genai_calls (trace_id) VALUES ('x')" });
    expect(two.status).toBe(403);
    expect(await two.text()).toBe(
      'Code: 164. DB::Exception: Cannot execute query in readonly mode: only one statement per request is accepted. (READONLY) (spendtrace query endpoint)\n',
    );
  });

  it('leaves the writer session writable', async () => {
    await store.client.command({ query: "INSERT INTO qe.genai_workflows (trace_id) VALUES ('w1')" });
    const result = await http.query({ query: 'SELECT trace_id FROM genai_workflows', format: 'JSONEachRow' });
    expect(await result.json()).toEqual([{ trace_id: 'w1' }]);
  });
});

describe('statement check', () => {
  it('accepts read statements and ignores keywords inside literals and comments', () => {
    expect(checkReadOnlyStatement('-- note\n  (SELECT 1)')).toEqual({ ok: true, keyword: 'SELECT' });
    expect(checkReadOnlyStatement("WITH 'DROP TABLE x; y' AS s SELECT s;")).toEqual({ ok: true, keyword: 'WITH' });
    expect(checkReadOnlyStatement('/* INSERT */ show tables')).toEqual({ ok: true, keyword: 'SHOW' });
    expect(checkReadOnlyStatement('SET readonly = 0')).toMatchObject({ ok: false });
    expect(checkReadOnlyStatement('')).toEqual({ ok: false, reason: 'empty query' });
  });

  it('finds a trailing FORMAT clause', () => {
    expect(formatClause('SELECT 1 FORMAT JSONEachRow;')).toBe('JSONEachRow');
    expect(formatClause("SELECT 'FORMAT CSV'")).toBeUndefined();
  });
});

describe('collector advertisement', () => {
  it('finds a live collector and ignores a dead one', () => {
    writeCollectorInfo(dataDir, { pid: process.pid, queryEndpoint: endpoint.url, database: 'qe', startedAt: '2025-05-01T00:00:00Z' });
    expect(findRunningCollector(dataDir)).toEqual({ pid: process.pid, queryEndpoint: endpoint.url, database: 'qe', startedAt: '2025-05-01T00:00:00Z' });
    removeCollectorInfo(dataDir);
    expect(existsSync(join(dataDir, 'collector.json'))).toBe(false);
    // pid 2^22+1 is above Linux's pid_max default, so no such process exists.
    writeCollectorInfo(dataDir, { pid: 4_194_305, queryEndpoint: endpoint.url, database: 'qe', startedAt: '' });
    expect(findRunningCollector(dataDir)).toBeUndefined();
    removeCollectorInfo(dataDir, 4_194_305);
  });
});
