/**
 * Alert rules, evaluated the way Grafana does: query A over the rule's relative time range ending
 * at "now", B = reduce(last) per series, C = B > threshold; the rule fires for every series where
 * C is true. Each case picks a "now" in the seed data where the rule must or must not fire.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GRAFANA_DIR, ALERTS_FILE } from '../src/build.ts';
import { expandPanelQuery } from '../src/macros.ts';
import { openSeededStore, queryRows, type SeededStore } from './fixtures/store.ts';

type Rule = {
  uid: string;
  condition: string;
  data: { refId: string; relativeTimeRange: { from: number }; model: { rawSql?: string; type?: string; reducer?: string; expression?: string; conditions?: { evaluator: { type: string; params: number[] } }[] } }[];
};
const rules = (parse(readFileSync(`${GRAFANA_DIR}${ALERTS_FILE}`, 'utf8')) as { groups: { rules: Rule[] }[] }).groups[0]!.rules;
const rule = (uid: string): Rule => rules.find((r) => r.uid === uid)!;

let store: SeededStore;
beforeAll(async () => {
  store = await openSeededStore('spendtrace-alerts');
});
afterAll(async () => {
  await store?.close();
});

/** Firing series as label → value (label '' for a single number). */
async function evaluate(r: Rule, nowMs: number): Promise<Record<string, number>> {
  const a = r.data.find((d) => d.refId === 'A')!;
  const b = r.data.find((d) => d.refId === 'B')!;
  const c = r.data.find((d) => d.refId === r.condition)!;
  expect(b.model).toMatchObject({ type: 'reduce', expression: 'A', reducer: 'last' });
  expect(c.model).toMatchObject({ type: 'threshold', expression: 'B' });
  const sql = expandPanelQuery(a.model.rawSql!, { fromMs: nowMs - a.relativeTimeRange.from * 1000, toMs: nowMs, intervalMs: 1000, variables: [] });
  const rows = await queryRows(store.reader, sql);
  const evaluator = c.model.conditions![0]!.evaluator;
  expect(evaluator.type).toBe('gt');
  const firing: Record<string, number> = {};
  for (const row of rows) {
    const labels = Object.entries(row).filter(([, v]) => typeof v === 'string').map(([, v]) => v as string);
    const value = Object.values(row).find((v) => typeof v === 'number') as number;
    if (value > (evaluator.params[0] as number)) firing[labels.join(',')] = value;
  }
  return firing;
}

const t = (iso: string): number => Date.parse(iso);

describe('alert rules on crafted cases', () => {
  it('daily spend: fires on the spike day, not on an ordinary day', async () => {
    // Threshold 1 USD (settings.yaml). March 13 holds the 12-call spike (~3.2 USD); March 10 ~0.12 USD.
    expect(Object.keys(await evaluate(rule('spendtrace-daily-spend'), t('2026-03-13T23:59:59.999Z')))).toEqual(['']);
    expect(await evaluate(rule('spendtrace-daily-spend'), t('2026-03-10T23:59:59.999Z'))).toEqual({});
  });
  it('hourly spike: fires right after the spike hour, not at the same hour of an ordinary day', async () => {
    expect(Object.keys(await evaluate(rule('spendtrace-hourly-spike'), t('2026-03-13T16:00:00Z')))).toEqual(['']);
    expect(await evaluate(rule('spendtrace-hourly-spike'), t('2026-03-10T16:00:00Z'))).toEqual({});
  });
  it('feature cost per call: fires for search the day after the longer prompt shipped, for no feature before', async () => {
    // From March 12 the search prompt is ~3x longer: cost per call ~1.9x its baseline (> 1.5).
    expect(Object.keys(await evaluate(rule('spendtrace-feature-cost-per-call'), t('2026-03-12T23:59:59.999Z')))).toEqual(['search']);
    expect(await evaluate(rule('spendtrace-feature-cost-per-call'), t('2026-03-10T23:59:59.999Z'))).toEqual({});
  });
  it('customer budget: globex (2 USD budget) goes over with the spike, acme and initech stay under', async () => {
    expect(await evaluate(rule('spendtrace-customer-budget'), t('2026-03-12T23:59:59.999Z'))).toEqual({});
    expect(Object.keys(await evaluate(rule('spendtrace-customer-budget'), t('2026-03-13T23:59:59.999Z')))).toEqual(['globex']);
  });
  it('error surge: fires for the hour where 10 of 12 calls timed out, not for a quiet hour', async () => {
    const firing = await evaluate(rule('spendtrace-error-surge'), t('2026-03-14T21:00:00Z'));
    expect(firing).toEqual({ '': 10 / 12 });
    expect(await evaluate(rule('spendtrace-error-surge'), t('2026-03-14T19:30:00Z'))).toEqual({});
  });
});
