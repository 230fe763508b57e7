import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { openStore, type Store } from '../src/store/index.ts';
import { removeCollectorInfo, startQueryEndpoint, writeCollectorInfo, type QueryEndpoint } from '../src/query-endpoint/index.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const BIN = join(ROOT, 'collector', 'bin', 'spendtrace.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function spendtrace(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const cleanEnv = { ...process.env };
  delete cleanEnv.SPENDTRACE_DATA_DIR;
  delete cleanEnv.SPENDTRACE_CLICKHOUSE_URL;
  delete cleanEnv.SPENDTRACE_CLICKHOUSE_DATABASE;
  return new Promise((done) => {
    execFile(NODE, [BIN, ...args], { env: { ...cleanEnv, ...env }, cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'spendtrace-cli-'));
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('spendtrace migrate and query (separate processes)', () => {
  it('migrates an embedded store once', async () => {
    const first = await spendtrace(['migrate', '--data-dir', dataDir]);
    expect(first).toEqual({ code: 0, stdout: `applied migrations 0001, 0002, 0003, 0004, 0005, 0006, 0007 to database spendtrace at ${join(dataDir, 'clickhouse')}\n`, stderr: '' });
    const again = await spendtrace(['migrate'], { SPENDTRACE_DATA_DIR: dataDir });
    expect(again).toEqual({
      code: 0,
      stdout: `database spendtrace at ${join(dataDir, 'clickhouse')} is up to date (migrations 0001, 0002, 0003, 0004, 0005, 0006, 0007)\n`,
      stderr: '',
    });
  });

  it('prints the cluster variant without touching a store', async () => {
    const printed = await spendtrace(['migrate', '--cluster', 'main', '--database', 'obs', '--print']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('CREATE TABLE IF NOT EXISTS `obs`.`genai_calls_local` ON CLUSTER `main`');
    expect(printed.stdout).toContain('ENGINE = Distributed(`main`, `obs`, `genai_calls_local`, cityHash64(trace_id))');
  });

  it('explains bad arguments', async () => {
    expect(await spendtrace(['migrate', '--cluster', 'main', '--data-dir', dataDir])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'spendtrace: --cluster needs --clickhouse-url (the embedded store is a single node); use --print to see the cluster SQL\n',
    });
    expect(await spendtrace(['migrate', '--ttl-days', 'ten', '--data-dir', dataDir])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'spendtrace: --ttl-days must be a whole number of days, got "ten"\n',
    });
    const write = await spendtrace(['query', 'DROP TABLE genai_calls', '--data-dir', dataDir]);
    expect(write).toEqual({
      code: 2,
      stdout: '',
      stderr: 'spendtrace query: DROP is not allowed: this endpoint is read-only and accepts only SELECT, SHOW, DESCRIBE, EXISTS, WITH and EXPLAIN\n',
    });
    const empty = mkdtempSync(join(tmpdir(), 'spendtrace-cli-empty-'));
    const none = await spendtrace(['query', 'SELECT 1', '--data-dir', empty]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(
      `spendtrace: no spendtrace store in ${empty}: start "spendtrace collector" or run "spendtrace migrate" there, or point at a server with --clickhouse-url / SPENDTRACE_CLICKHOUSE_URL\n`,
    );
    rmSync(empty, { recursive: true, force: true });
  });

  it('queries the embedded store directly when no collector runs', async () => {
    const result = await spendtrace([
      'query',
      'SELECT version, name FROM spendtrace_migrations WHERE version <= {max:UInt32} ORDER BY version',
      '--param',
      'max=2',
      '--format',
      'JSONEachRow',
      '--data-dir',
      dataDir,
    ]);
    expect(result).toEqual({ code: 0, stdout: '{"version":1,"name":"otel_traces"}\n{"version":2,"name":"genai_calls"}\n', stderr: '' });
  });

  describe('with a running collector holding the data dir', () => {
    let store: Store;
    let reader: ClickHouseClient;
    let endpoint: QueryEndpoint;

    beforeAll(async () => {
      store = await openStore({ dataDir });
      await store.client.command({
        query: "INSERT INTO spendtrace.genai_calls (trace_id, span_id, feature, cost_usd) VALUES ('t1', 's1', 'chat', 0.5), ('t2', 's2', 'search', 0.25)",
      });
      reader = await store.openReadOnlyClient();
      endpoint = await startQueryEndpoint({ client: reader, database: 'spendtrace' });
      writeCollectorInfo(dataDir, { pid: process.pid, queryEndpoint: endpoint.url, database: 'spendtrace', startedAt: new Date().toISOString() });
    });

    afterAll(async () => {
      removeCollectorInfo(dataDir);
      await endpoint.close();
      await reader.close();
      await store.close();
    });

    it('goes through the query endpoint', async () => {
      const tsv = await spendtrace(['query', 'SELECT feature, cost_usd FROM genai_calls ORDER BY feature', '--data-dir', dataDir]);
      expect(tsv).toEqual({ code: 0, stdout: 'chat\t0.5\nsearch\t0.25\n', stderr: '' });
      const json = await spendtrace(
        ['query', 'SELECT trace_id FROM genai_calls WHERE feature = {f:String}', '--format', 'JSONEachRow', '--param', 'f=search'],
        { SPENDTRACE_DATA_DIR: dataDir },
      );
      expect(json).toEqual({ code: 0, stdout: '{"trace_id":"t2"}\n', stderr: '' });
    });

    it('refuses to migrate under a running collector', async () => {
      const result = await spendtrace(['migrate', '--data-dir', dataDir]);
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr: `spendtrace: a collector (pid ${process.pid}) holds ${dataDir}; it applies migrations when it starts, so stop it first or run migrate there\n`,
      });
    });
  });
});
