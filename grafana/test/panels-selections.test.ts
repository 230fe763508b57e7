/**
 * Every query target of every panel under selections of the filter variables: one value of each of
 * feature / customer / model / provider (alone and all four together), several values (two
 * features and two customers), and a selection that matches nothing. The expected rows are computed
 * from the seed arrays the selection keeps (fixtures/selection.ts). The Feature detail and Customer
 * detail dashboards, made for one feature or customer, are also checked against numbers worked out
 * by hand from the seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandPanelQuery } from '../src/macros.ts';
import type { Row } from './fixtures/expected.ts';
import { openSeededStore, queryRows, type SeededStore } from './fixtures/store.ts';
import type { Selection } from './fixtures/selection.ts';
import { checkTarget, context, dashboardByUid, dashboards, targetsOf, type Dashboard, type Target } from './helpers/panels.ts';
import { expectRows } from './helpers/compare.ts';

let store: SeededStore;
beforeAll(async () => {
  store = await openSeededStore('spendtrace-panels-selections');
});
afterAll(async () => {
  await store?.close();
});

/** Values present in the seed. */
const SELECTIONS: [string, Selection][] = [
  ['feature = summarize', { feature: ['summarize'] }],
  ['customer = initech', { customer: ['initech'] }],
  // Includes the call whose response named no model (attributed to the requested gpt-5-mini).
  ['model = gpt-5-mini', { model: ['gpt-5-mini'] }],
  ['provider = anthropic', { provider: ['anthropic'] }],
  ['feature, customer, model, provider: one value each', { feature: ['chat'], customer: ['globex'], model: ['claude-sonnet-5-5'], provider: ['anthropic'] }],
  // Agent workflow runs for acme and globex, and their search calls.
  ['two features, two customers', { feature: ['search', 'agent'], customer: ['acme', 'globex'] }],
  ['two other features, two other customers', { feature: ['chat', 'summarize'], customer: ['globex', 'initech'] }],
];
// summarize is only ever called for initech.
const NOTHING: Selection = { feature: ['summarize'], customer: ['acme'] };

const FILTERED_DASHBOARDS = ['spendtrace-overview', 'spendtrace-feature', 'spendtrace-customer'];

const each = (dashboard: Dashboard) => targetsOf(dashboard);

describe.each(dashboards.map((d) => [d.title, d] as const))('%s', (_title, dashboard) => {
  describe.each(SELECTIONS)('with %s', (name, selection) => {
    it.each(each(dashboard))('panel "%s" returns the expected numbers', async (label, _panel, target) => {
      const rows = await checkTarget(store, `${dashboard.title} / ${label} / ${name}`, target, selection);
      // These selections leave calls in every panel of the dashboards whose numbers depend on the
      // filters (anomalies and failures may legitimately be none).
      if (FILTERED_DASHBOARDS.includes(dashboard.uid) && !['anomalies', 'failed_calls'].includes(target.meta.spendtraceQuery)) {
        expect(rows.length, `${label} / ${name} returns rows`).toBeGreaterThan(0);
      }
    });
  });

  it.each(each(dashboard))('panel "%s" is empty or zero for a selection that matches nothing', async (label, _panel, target) => {
    const where = `${dashboard.title} / ${label} / nothing`;
    const query = target.meta.spendtraceQuery;
    if (['workflow_totals', 'workflow_steps', 'trace_view'].includes(query)) {
      // One trace id, whatever the filters: the same rows as with All.
      await checkTarget(store, where, target, NOTHING);
      return;
    }
    const rows = await runTarget(target, NOTHING);
    // Aggregates without GROUP BY return one row of zeros (0/0 is NaN, which JSON gives as null);
    // every other query returns no rows.
    const zero: Record<string, Row[]> = {
      spend_total: [{ spend_usd: 0, calls: 0, input_tokens: 0, output_tokens: 0, cost_per_call_usd: null, unpriced_calls: 0 }],
      spend_vs_previous: [{ spend_usd: 0, previous_spend_usd: 0, change_ratio: null }],
      forecast_month_end: [{ month_to_date_usd: 0, forecast_month_usd: 0 }],
      spend_change: [
        {
          previous_spend_usd: 0,
          spend_usd: 0,
          change_usd: 0,
          previous_calls: 0,
          calls: 0,
          previous_cost_per_call_usd: 0,
          volume_effect_usd: 0,
          mix_effect_usd: 0,
          price_size_effect_usd: 0,
        },
      ],
    };
    expectRows(rows, zero[query] ?? [], where);
  });
});

async function runTarget(target: Target, selection: Selection): Promise<Record<string, unknown>[]> {
  return queryRows(store.reader, expandPanelQuery(target.rawSql, context(selection)));
}

/** Runs every target of every panel and checks the hand-computed rows given per panel title. */
async function expectPanels(dashboard: Dashboard, selection: Selection, want: Record<string, Row[]>): Promise<void> {
  expect(Object.keys(want).sort()).toEqual(dashboard.panels.map((p) => p.title).sort());
  for (const panel of dashboard.panels) {
    for (const target of panel.targets) {
      const label = `${dashboard.title} / ${panel.title} [${target.refId}]`;
      // Both the rows from the filtered seed arrays and the ones worked out by hand.
      const rows = await checkTarget(store, label, target, selection);
      expectRows(rows, want[panel.title]!, `${label} (by hand)`);
    }
  }
}

// Costs in the seed are multiples of 2^-21 USD (summarize on gemini-3-flash: input 2^-21, output
// 2^-19 per token) and 2^-23 USD (all models), so the sums below are exact.
const U21 = 2 ** -21;
const U23 = 2 ** -23;
const DAYS = ['2026-03-08', '2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13', '2026-03-14'];

describe('Feature detail for one feature (summarize)', () => {
  // summarize: 2 calls a day (06:15 and 18:15, 1500 and 1550 ms) on gemini-3-flash for initech,
  // user u6, prompt summarize v1, 8000 input tokens and 300 output tokens; the 18:15 call answers
  // nothing (0 output) on every fourth day: day indexes 8 and 12 (March 9 and 13) in the range.
  // A call costs 8000 + 300 * 4 = 9200 (or 8000 when empty) units of 2^-21 USD.
  // Range March 8..14: 14 calls, 112000 input, 12 * 300 = 3600 output tokens,
  // 12 * 9200 + 2 * 8000 = 126400 units.
  const spend = 126400 * U21;
  const daily = (day: string): number => (day === '2026-03-09' || day === '2026-03-13' ? 9200 + 8000 : 2 * 9200) * U21;
  const one = (name: string): Row => ({ name, calls: 14, input_tokens: 112000, output_tokens: 3600, spend_usd: spend, cost_per_call_usd: spend / 14, share: 1 });
  // Slowest: the seven 18:15 calls (1550 ms) by time, then the seven 06:15 calls (1500 ms).
  const late = DAYS.map((d) => ({ duration_ms: 1550, cost_usd: (d === '2026-03-09' || d === '2026-03-13' ? 8000 : 9200) * U21, feature: 'summarize', model: 'gemini-3-flash' }));
  const early = DAYS.map(() => ({ duration_ms: 1500, cost_usd: 9200 * U21, feature: 'summarize', model: 'gemini-3-flash' }));
  // Most expensive: the twelve 9200-unit calls by time, then the two empty answers (March 9, 13).
  const byTime = DAYS.flatMap((d, i) => [early[i]!, late[i]!]);

  it('every panel shows that feature only', async () => {
    await expectPanels(dashboardByUid('spendtrace-feature'), { feature: ['summarize'] }, {
      'Spend over time': DAYS.map((d) => ({ time: `${d} 00:00:00`, name: 'summarize', spend_usd: daily(d) })),
      'Calls and cost per call': DAYS.map((d) => ({ time: `${d} 00:00:00`, calls: 2, cost_per_call_usd: daily(d) / 2 })),
      'Top users': [one('u6')],
      'Top customers': [one('initech')],
      'Model mix': [one('gemini-3-flash')],
      'Prompt versions': [
        { prompt: 'summarize', version: 'v1', calls: 14, cost_per_call_usd: spend / 14, avg_input_tokens: 8000, avg_output_tokens: 3600 / 14, cache_hit_rate: 0 },
      ],
      'Slowest calls': [...late, ...early],
      'Most expensive calls': [...byTime.filter((r) => r.cost_usd === 9200 * U21), late[1]!, late[5]!],
    });
  });
});

describe('Customer detail for one customer (initech)', () => {
  // initech in March 8..14 (day indexes 7..13), in units of 2^-23 USD:
  // - summarize, all 14 calls: 126400 * 4 = 505600.
  // - search on gpt-5-mini when (day + i) % 3 == 2: i in {1,4} {0,3} {2,5} {1,4} on days 7..10,
  //   {0,3} {2,5} {1,4} after the deploy on days 11..13 (input 3000 + 64i instead of 1000 + 64i).
  //   A call costs (input - 256(i%2)) * 8 + 256(i%2) + (200 + 16i) * 32
  //   = 14400 + 1024i - 1792(i%2) before the deploy, 16000 more after it:
  //   i: 0 → 0, 1 → -768, 2 → 2048, 3 → 1280, 4 → 4096, 5 → 3328 on top of 14400.
  //   Days 7..10: 32128 + 30080 + 34176 + 32128 = 128512; days 11..13: 62080 + 66176 + 64128 = 192384;
  //   together 320896 over 14 calls; input 8 * 1000 + 64 * 20 + 6 * 3000 + 64 * 15 = 28240,
  //   output 14 * 200 + 16 * (20 + 15) = 3360.
  // - agent, the research workflow on days 8 and 11 (day % 3 == 2, no late span): plan on sonnet
  //   (3000 in with 1024 cached, 400 out) = 1976 * 32 + 1024 * 4 + 400 * 128 = 118528 and answer on
  //   haiku (6000 in, 600 out) = 6000 * 8 + 600 * 32 = 67200; two runs: 371456 over 4 calls,
  //   input 2 * 9000 = 18000, output 2 * 1000 = 2000.
  // Total 505600 + 320896 + 371456 = 1197952 over 32 calls; input 112000 + 28240 + 18000 = 158240,
  // output 3600 + 3360 + 2000 = 8960.
  const total = 1197952 * U23;
  const row = (name: string, calls: number, input: number, output: number, units: number): Row => ({
    name,
    calls,
    input_tokens: input,
    output_tokens: output,
    spend_usd: units * U23,
    cost_per_call_usd: (units * U23) / calls,
    share: units / 1197952,
  });
  // Month to date (March 1..14) adds days 0..6: summarize 505600 again (empty answers on days 0 and
  // 4), search 34176 + 32128 + 30080 + 34176 + 32128 + 30080 + 34176 = 226944 (i in {2,5} {1,4}
  // {0,3} ...), agent on days 2 and 5 = 371456: 1104000, so 1104000 + 1197952 = 2301952.
  // initech has no budget of its own in settings.yaml: the default, 5 USD.

  it('every panel shows that customer only', async () => {
    const dashboard = dashboardByUid('spendtrace-customer');
    const selection: Selection = { customer: ['initech'] };
    const trend = (await runTarget(dashboard.panels.find((p) => p.title === 'Daily trend and budget')!.targets[0]!, selection)).map((r) => ({
      time: r.time,
      budget_usd: r.budget_usd,
    }));
    // One row a day (initech has calls every day), each with the 5 USD budget line.
    expect(trend).toEqual(DAYS.map((d) => ({ time: `${d} 00:00:00`, budget_usd: 5 })));
    await expectPanels(dashboard, selection, {
      Spend: [{ spend_usd: total, calls: 32, input_tokens: 158240, output_tokens: 8960, cost_per_call_usd: total / 32, unpriced_calls: 0 }],
      Budget: [{ customer: 'initech', month_to_date_usd: 2301952 * U23, budget_usd: 5, budget_used: (2301952 * U23) / 5 }],
      // The running total ends at the range's spend.
      'Daily trend and budget': [...Array(6).fill({}), { cumulative_usd: total, budget_usd: 5 }],
      'Features used': [row('summarize', 14, 112000, 3600, 505600), row('agent', 4, 18000, 2000, 371456), row('search', 14, 28240, 3360, 320896)],
      // Models: summarize is gemini; search is gpt-5-mini; agent runs split into sonnet
      // (2 * 118528 = 237056) and haiku (2 * 67200 = 134400).
      Models: [
        row('gemini-3-flash', 14, 112000, 3600, 505600),
        row('gpt-5-mini', 14, 28240, 3360, 320896),
        row('claude-sonnet-5-5', 2, 6000, 800, 237056),
        row('claude-haiku-5-5', 2, 12000, 1200, 134400),
      ],
    });
  });
});
