/**
 * `spendtrace report` and `spendtrace trace <id>` while a collector holds the embedded store: the
 * CLI cannot open the locked directory, so it finds the collector's advertised query endpoint and
 * runs the same named SQL through it (including the WITH RECURSIVE span tree of `trace`). The
 * output must be exactly what the CLI prints when it reads the store directly (report.test.ts).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIMENSION_NAMES, renderQuery } from '@spendtrace/clickhouse';
import { findRunningCollector } from '../src/query-endpoint/advertise.ts';
import { checkReadOnlyStatement } from '../src/query-endpoint/sql-guard.ts';
import { DASHBOARDS, renderOptions } from '../../grafana/src/dashboards.ts';
import { loadSettings } from '../../grafana/src/settings.ts';
import { LATE_TRACE_ID } from '../../grafana/test/fixtures/seed.ts';
import { openSeededStore } from '../../grafana/test/fixtures/store.ts';
import { startCollectorProcess, type CollectorProcess } from '../../test/e2e/collector-process.ts';
import { runSpendtrace } from '../../test/demo/spendtrace-cli.ts';
import { FEATURE_REPORT_80, LATE_TRACE_80, RANGE_ARGS } from './report-expected.ts';

let collector: CollectorProcess | undefined;
let dataDir: string;
let seedCalls: number;

beforeAll(async () => {
  // Seed the store in this process, release it, then hand the directory to a collector process.
  const seeded = await openSeededStore('spendtrace-report-endpoint');
  dataDir = seeded.dataDir;
  seedCalls = seeded.seed.calls.length;
  await seeded.close();
  collector = await startCollectorProcess({ dataDir });
}, 120_000);

afterAll(async () => {
  await collector?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('report and trace through a running collector', () => {
  it('the collector advertises its query endpoint for the data directory', () => {
    expect(findRunningCollector(dataDir)).toMatchObject({ pid: collector!.child.pid, queryEndpoint: collector!.queryUrl });
  });

  it('spendtrace report prints the same table as on the store itself', async () => {
    const result = await runSpendtrace(['report', '--data-dir', dataDir, ...RANGE_ARGS, '--width', '80']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(FEATURE_REPORT_80);
  });

  it('spendtrace trace prints the workflow tree (WITH RECURSIVE through the endpoint)', async () => {
    const result = await runSpendtrace(['trace', LATE_TRACE_ID, '--data-dir', dataDir, '--width', '80']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(LATE_TRACE_80);
  });

  it('--json through the endpoint carries the per-step costs, rounded to 1e-10 USD', async () => {
    const result = await runSpendtrace(['trace', LATE_TRACE_ID, '--data-dir', dataDir, '--json']);
    expect(result.code).toBe(0);
    const trace = JSON.parse(result.stdout) as { steps: { cost_usd: number | null }[]; totals: { cost_usd: number; calls: number } };
    // The exact sums (report-expected.ts) rounded to 1e-10 USD.
    expect(trace.steps.map((s) => s.cost_usd)).toEqual([null, 0.0141296387, null, 0.0080108643, 0.0018119812]);
    expect(trace.totals).toMatchObject({ calls: 3, cost_usd: 0.0239524841 });
  });

  it('the statement check admits every named query the CLI and the dashboards render, WITH RECURSIVE included', () => {
    const settings = loadSettings();
    const rendered = [
      ...DIMENSION_NAMES.map((by) => renderQuery('spend_by_dimension', 'clickhouse', { dimension: by })),
      ...['spend_total', 'workflow_steps', 'workflow_totals'].map((name) => renderQuery(name, 'clickhouse')),
      ...DASHBOARDS.flatMap((d) => d.panels).map((p) => renderQuery(p.query, 'clickhouse', renderOptions(settings, p.dimension))),
    ];
    for (const sql of rendered) expect(checkReadOnlyStatement(sql), sql).toMatchObject({ ok: true });
    expect(checkReadOnlyStatement(renderQuery('workflow_steps', 'clickhouse'))).toEqual({ ok: true, keyword: 'WITH' });
  });

  it('the endpoint still refuses writes and DDL', async () => {
    for (const sql of ["INSERT INTO genai_calls (trace_id) VALUES ('x')", 'DROP TABLE genai_calls', 'WITH 1 AS x SELECT x; DROP TABLE genai_calls']) {
      const res = await fetch(`${collector!.queryUrl}/`, { method: 'POST', body: sql });
      expect(res.status, sql).toBe(403);
    }
    // The table is still there, with every seeded call.
    const res = await fetch(`${collector!.queryUrl}/`, { method: 'POST', body: 'SELECT count() FROM genai_calls' });
    expect((await res.text()).trim()).toBe(String(seedCalls));
  });
});
