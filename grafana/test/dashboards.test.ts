/** The committed provisioning files are the build output, and every dashboard is well formed. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GRAFANA_DIR, generatedFiles } from '../src/build.ts';
import { DATASOURCE } from '../src/datasource.ts';
import { DASHBOARDS } from '../src/dashboards.ts';

describe('generated files', () => {
  it.each([...generatedFiles()].map(([path, content]) => [path, content] as const))('%s equals the build output', (path, content) => {
    expect(readFileSync(`${GRAFANA_DIR}${path}`, 'utf8')).toBe(content);
  });
});

type Json = Record<string, unknown>;
const load = (file: string): Json => JSON.parse(readFileSync(`${GRAFANA_DIR}dashboards/${file}`, 'utf8')) as Json;

describe.each(DASHBOARDS.map((d) => [d.file, load(d.file)] as const))('dashboard %s', (_file, dashboard) => {
  const panels = dashboard.panels as Json[];
  const variables = (dashboard.templating as { list: Json[] }).list;

  it('has the top-level fields of Grafana’s dashboard schema', () => {
    expect(typeof dashboard.uid).toBe('string');
    expect((dashboard.uid as string).length).toBeLessThanOrEqual(40);
    expect(typeof dashboard.title).toBe('string');
    expect(dashboard.schemaVersion).toBe(41);
    expect(dashboard.time).toEqual({ from: expect.stringMatching(/^now-\d+d$/), to: 'now' });
    expect(Array.isArray(panels) && panels.length > 0).toBe(true);
  });

  it('panels have unique ids, a grid position inside 24 columns without overlaps, a datasource and a query', () => {
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const cells = new Set<string>();
    for (const p of panels) {
      const g = p.gridPos as { x: number; y: number; w: number; h: number };
      expect(Number.isInteger(g.x) && Number.isInteger(g.y) && g.w > 0 && g.h > 0).toBe(true);
      expect(g.x + g.w).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title as string} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      expect(p.datasource).toEqual(DATASOURCE);
      const targets = p.targets as Json[];
      expect(targets.length).toBeGreaterThan(0);
      for (const t of targets) {
        expect(t.datasource).toEqual(DATASOURCE);
        expect(t.editorType).toBe('sql');
        expect(typeof t.rawSql === 'string' && (t.rawSql as string).trim().length > 0).toBe(true);
        expect([0, 1, 3]).toContain(t.format);
      }
    }
  });

  it('offers the six filter variables (multi-value with All) on the provisioned data source', () => {
    const names = variables.map((v) => v.name);
    expect(names.slice(0, 6)).toEqual(['environment', 'service', 'provider', 'model', 'feature', 'customer']);
    for (const v of variables.slice(0, 6)) {
      expect(v).toMatchObject({ type: 'query', multi: true, includeAll: true, datasource: DATASOURCE });
      expect((v.query as Json).rawSql).toBe(v.definition);
    }
    // Every $var a panel uses is defined.
    for (const p of panels) {
      for (const t of p.targets as Json[]) {
        for (const m of (t.rawSql as string).matchAll(/\$\{(\w+)(?::\w+)?\}|\$(?!__)(\w+)/g)) {
          expect(names, `${p.title as string} uses ${m[1] ?? m[2]}`).toContain(m[1] ?? m[2]);
        }
      }
    }
  });
});

describe('provisioning', () => {
  it('the data source has a fixed uid and traces settings pointing at otel_traces', () => {
    const ds = parse(readFileSync(`${GRAFANA_DIR}provisioning/datasources/clickhouse.yaml`, 'utf8')) as { apiVersion: number; datasources: Json[] };
    expect(ds.apiVersion).toBe(1);
    const [source] = ds.datasources;
    expect(source).toMatchObject({ uid: DATASOURCE.uid, type: DATASOURCE.type });
    expect((source?.jsonData as Json).traces).toMatchObject({ defaultTable: 'otel_traces', otelEnabled: true, traceIdColumn: 'TraceId' });
  });
  it('the dashboard provider loads files into the spendtrace folder', () => {
    const p = parse(readFileSync(`${GRAFANA_DIR}provisioning/dashboards/spendtrace.yaml`, 'utf8')) as { apiVersion: number; providers: Json[] };
    expect(p.apiVersion).toBe(1);
    expect(p.providers[0]).toMatchObject({ type: 'file', folder: 'spendtrace' });
  });
  it('workflow trace ids link to the Workflow trace dashboard', () => {
    const wf = load('agent-workflows.json');
    const text = JSON.stringify(wf.panels);
    expect(text).toContain('/d/spendtrace-workflow-trace/workflow-trace?var-trace_id=${__value.raw}');
  });
});
