/**
 * Dashboards against Grafana's dashboard schema (@grafana/schema 13). The package ships types and
 * enums but no JSON schema or validator, so validation is in two parts:
 *  - compile time: build.ts returns the schema's `Dashboard` (panels `Panel`, variables
 *    `VariableModel`, ...), so `tsc` (the typecheck step of the test run) rejects a malformed
 *    dashboard; the @ts-expect-error lines below prove that it does;
 *  - run time: every object of the committed JSON uses only keys the schema types declare, has the
 *    keys they require, and enum-valued fields hold values of the schema's enums.
 */
import { readFileSync } from 'node:fs';
import type { Dashboard, GridPos, Panel, VariableModel } from '@grafana/schema';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { GRAFANA_DIR } from '../src/build.ts';
import { DASHBOARDS, buildDashboard } from '../src/dashboards.ts';
import {
  ANNOTATION_KEYS,
  CURSOR_SYNC,
  DASHBOARD_KEYS,
  DASHBOARD_LINK_KEYS,
  GRID_POS_KEYS,
  PANEL_KEYS,
  REQUIRED,
  VARIABLE_HIDE,
  VARIABLE_KEYS,
  VARIABLE_REFRESH,
  VARIABLE_SORT,
  VARIABLE_TYPES,
  keys,
} from './helpers/grafana-schema.ts';

type Json = Record<string, unknown>;

/** Keys of `object` the schema does not declare (`extra` are known additions), and required keys it lacks. */
function shapeErrors(what: string, object: Json, known: ReadonlySet<string>, required: readonly string[], extra: readonly string[] = []): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(object)) if (!known.has(key) && !extra.includes(key)) errors.push(`${what}: unknown key ${key}`);
  for (const key of required) if (!(key in object)) errors.push(`${what}: missing ${key}`);
  return errors;
}

describe('the generator is typed with Grafana’s schema', () => {
  it('returns a schema Dashboard, and tsc rejects malformed parts', () => {
    expectTypeOf(buildDashboard).returns.toEqualTypeOf<Dashboard>();
    // @ts-expect-error a dashboard needs a schemaVersion
    const noVersion: Dashboard = { title: 'x' };
    // @ts-expect-error a panel needs a type
    const noType: Panel = { title: 'x' };
    // @ts-expect-error a variable type must be one Grafana knows
    const badType: VariableModel = { name: 'x', type: 'dropdown' };
    // @ts-expect-error grid positions are numbers
    const badGrid: GridPos = { x: '0', y: 0, w: 1, h: 1 };
    // @ts-expect-error a key list that misses one of the type's keys (static) does not compile
    keys<GridPos>()(['h', 'w', 'x', 'y']);
    expect([noVersion, noType, badType, badGrid].length).toBe(4);
  });
});

describe.each(DASHBOARDS.map((d) => [d.file, JSON.parse(readFileSync(`${GRAFANA_DIR}dashboards/${d.file}`, 'utf8')) as Json] as const))(
  'dashboards/%s',
  (_file, dashboard) => {
    it('uses only keys of the schema and has the required ones', () => {
      const errors = shapeErrors('dashboard', dashboard, DASHBOARD_KEYS, REQUIRED.dashboard);
      for (const link of dashboard.links as Json[]) errors.push(...shapeErrors('link', link, DASHBOARD_LINK_KEYS, REQUIRED.link));
      for (const a of (dashboard.annotations as { list: Json[] }).list) errors.push(...shapeErrors('annotation', a, ANNOTATION_KEYS, REQUIRED.annotation));
      for (const p of dashboard.panels as Json[]) {
        errors.push(...shapeErrors(`panel ${p.title as string}`, p, PANEL_KEYS, REQUIRED.panel));
        errors.push(...shapeErrors(`panel ${p.title as string} gridPos`, p.gridPos as Json, GRID_POS_KEYS, REQUIRED.gridPos));
        for (const t of p.targets as Json[]) expect(typeof t.refId).toBe('string');
      }
      // `definition` is not in the schema type but is what Grafana itself writes for query variables.
      for (const v of (dashboard.templating as { list: Json[] }).list) errors.push(...shapeErrors(`variable ${v.name as string}`, v, VARIABLE_KEYS, REQUIRED.variable, ['definition']));
      expect(errors).toEqual([]);
    });

    it('enum-valued fields hold values of the schema’s enums', () => {
      expect(CURSOR_SYNC.has(dashboard.graphTooltip as number)).toBe(true);
      for (const v of (dashboard.templating as { list: Json[] }).list) {
        expect(VARIABLE_TYPES.has(v.type as string), `variable ${v.name as string} type`).toBe(true);
        expect(VARIABLE_HIDE.has(v.hide as number)).toBe(true);
        if ('refresh' in v) expect(VARIABLE_REFRESH.has(v.refresh as number)).toBe(true);
        if ('sort' in v) expect(VARIABLE_SORT.has(v.sort as number)).toBe(true);
      }
      for (const link of dashboard.links as Json[]) expect(['link', 'dashboards']).toContain(link.type);
    });
  },
);
