/**
 * Every query target of every panel of every dashboard: its SQL, expanded exactly as Grafana and
 * the ClickHouse plugin expand it (all filters on All, the last 7 days of the seed, a 1-day
 * interval), runs against embedded ClickHouse seeded with the real migrations, and returns the
 * numbers computed independently from the seed arrays. Selections of the filter variables are
 * covered in panels-selections.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RANGE } from './fixtures/seed.ts';
import { openSeededStore, queryRows, type SeededStore } from './fixtures/store.ts';
import { expandPanelQuery } from '../src/macros.ts';
import { checkTarget, context, dashboards, targetsOf } from './helpers/panels.ts';

let store: SeededStore;
beforeAll(async () => {
  store = await openSeededStore('spendtrace-panels');
});
afterAll(async () => {
  await store?.close();
});

describe.each(dashboards.map((d) => [d.title, d] as const))('%s', (_title, dashboard) => {
  it.each(targetsOf(dashboard))('panel "%s" returns the expected numbers', async (label, panel, target) => {
    const rows = await checkTarget(store, `${dashboard.title} / ${label}`, target);
    expect(rows.length, `${panel.title} returns rows on the seed`).toBeGreaterThan(0);
  });

  it('template variable queries list the seeded values', async () => {
    const columns: Record<string, (c: (typeof store.seed.calls)[number]) => string> = {
      environment: (c) => c.environment,
      service: (c) => c.service_name,
      provider: (c) => c.provider,
      model: (c) => c.response_model || c.request_model,
      feature: (c) => c.feature,
      customer: (c) => c.customer_id,
    };
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      const sql = expandPanelQuery(variable.definition ?? '', context());
      const rows = await queryRows(store.reader, sql);
      const inRange = store.seed.calls.filter((c) => {
        const hour = Math.floor(Date.parse(c.timestamp) / 3_600_000) * 3_600_000;
        return hour >= RANGE.fromMs && hour <= RANGE.toMs;
      });
      const want = [...new Set(inRange.map(columns[variable.name]!))].sort();
      expect(rows.map((r) => r.value), variable.name).toEqual(want);
    }
  });
});
