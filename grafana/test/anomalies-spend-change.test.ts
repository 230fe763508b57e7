/**
 * The Overview's anomaly list and the Spend change decomposition on crafted cases of the seed,
 * with the numbers derived by hand from the seed's definition (fixtures/seed.ts): which features
 * are listed on which day, and that volume + mix + price/size add up to the change.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandPanelQuery, type VariableState } from '../src/macros.ts';
import { loadSettings } from '../src/settings.ts';
import { PREVIOUS_RANGE, RANGE } from './fixtures/seed.ts';
import { openSeededStore, queryRows, type SeededStore } from './fixtures/store.ts';

const DAY_MS = 86_400_000;
const all: VariableState[] = ['environment', 'service', 'provider', 'model', 'feature', 'customer'].map((name) => ({ name, type: 'query', current: ['$__all'] }));
const panelSql = (file: string, title: string): string => {
  const dashboard = JSON.parse(readFileSync(new URL(`../dashboards/${file}`, import.meta.url), 'utf8')) as { panels: { title: string; targets: { rawSql: string }[] }[] };
  return dashboard.panels.find((p) => p.title === title)!.targets[0]!.rawSql;
};

let store: SeededStore;
beforeAll(async () => {
  store = await openSeededStore('spendtrace-anomalies');
});
afterAll(async () => {
  await store?.close();
});

/** The anomaly panel for a 7-day range ending at the last millisecond of March `day` (UTC). */
async function anomaliesOn(day: number): Promise<Record<string, unknown>[]> {
  const toMs = Date.UTC(2026, 2, day + 1) - 1;
  return queryRows(store.reader, expandPanelQuery(panelSql('overview.json', 'Anomalies'), { fromMs: toMs - 7 * DAY_MS + 1, toMs, intervalMs: DAY_MS, variables: all }));
}

describe('Overview anomalies (factor 2 of the feature’s own 7-day baseline)', () => {
  it('uses the anomaly factor of settings.yaml', () => {
    expect(loadSettings().dashboards.anomaly_factor).toBe(2);
  });

  it('lists nothing on ordinary days, although features run in bursts (agent, summarize)', async () => {
    // Their busiest hour is compared with their typical hour with calls, not with an average over
    // all 168 hours of the baseline week (which a once-a-day job exceeds every day).
    for (const day of [9, 10, 11]) expect(await anomaliesOn(day), `March ${day}`).toEqual([]);
  });

  it('lists search the day its prompt grew to 3× (cost per call up about 2×)', async () => {
    const rows = await anomaliesOn(12);
    expect(rows.map((r) => r.name)).toEqual(['search']);
    // gpt-5-mini: input 2^-20, cache read 2^-23, output 2^-18 per token. Six calls a day, call i with
    // input base + 64i (256 of it cached when i is odd) and output 200 + 16i: Σ uncached = 6·base + 960 − 768,
    // Σ cached = 768, Σ output = 1440. Baseline March 5..11: 7 such days at base 1000 plus an unpriced
    // search call on March 10 (43 calls); March 12: base 3000.
    const day = (base: number): number => (6 * base + 960 - 768) * 2 ** -20 + 768 * 2 ** -23 + 1440 * 2 ** -18;
    const recent = day(3000) / 6;
    const baseline = (7 * day(1000)) / 43;
    expect(rows[0]!.recent_calls).toBe(6);
    expect(rows[0]!.recent_cost_per_call_usd).toBe(recent);
    expect(rows[0]!.cost_per_call_ratio as number).toBeCloseTo(recent / baseline, 12);
    expect(recent / baseline).toBeGreaterThan(2);
  });

  // claude-sonnet-5-5: input 2^-18, cache read 2^-21, cache write 5 × 2^-20, output 2^-16 per token.
  // Ordinary chat call i (one per hour, 4 a day): input 4000 + 128i with 2048 cached (and 512
  // written when i = 0), output 500 + 32i; the calls sorted by cost are i = 0, 1, 2, 3.
  const chatCall = (i: number): number =>
    (4000 + 128 * i - 2048 - (i === 0 ? 512 : 0)) * 2 ** -18 + 2048 * 2 ** -21 + (i === 0 ? 512 * 5 * 2 ** -20 : 0) + (500 + 32 * i) * 2 ** -16;

  it('lists chat on the day of the spike, the spike hour against its median hour', async () => {
    const rows = await anomaliesOn(13);
    // Search's busiest hour is now 2.1× its (pre-deploy) median hour as well.
    expect(rows.map((r) => r.name)).toEqual(['chat', 'search']);
    // 4 ordinary calls + 12 spike calls of 60,000 uncached input and 2,000 output, all in 15:00–16:00.
    const spikeHour = 12 * (60_000 * 2 ** -18 + 2_000 * 2 ** -16);
    // Baseline March 6..12: 28 one-call hours, 7 of each i; the lower middle (14th) is an i = 1 call.
    expect(rows[0]).toMatchObject({ recent_calls: 16, recent_max_hourly_usd: spikeHour, baseline_hourly_usd: chatCall(1) });
    expect(rows[0]!.hourly_ratio as number).toBeCloseTo(spikeHour / chatCall(1), 12);
  });

  it('lists chat the day after for the error-surge hour: the spike in its baseline does not hide it', async () => {
    const rows = await anomaliesOn(14);
    expect(rows.map((r) => r.name)).toEqual(['chat']);
    // 20:00–21:00: ten timeouts with 4,000 input and no output, two answers of 450 tokens.
    const surgeHour = 12 * 4000 * 2 ** -18 + 2 * 450 * 2 ** -16;
    // Baseline March 7..13: 28 one-call hours and the spike hour; the 15th of 29 is an i = 2 call.
    expect(rows[0]).toMatchObject({ recent_calls: 16, recent_max_hourly_usd: surgeHour, baseline_hourly_usd: chatCall(2) });
    expect(rows[0]!.hourly_ratio as number).toBeCloseTo(surgeHour / chatCall(2), 12);
  });
});

describe('Spend change decomposition', () => {
  it('splits the change between the previous week and the range into volume, mix and price/size that add up', async () => {
    const [row] = await queryRows(store.reader, expandPanelQuery(panelSql('spend-change.json', 'Decomposition'), { ...RANGE, intervalMs: DAY_MS, variables: all }));
    const inRange = (r: { fromMs: number; toMs: number }) => store.seed.calls.filter((c) => Date.parse(c.timestamp) >= r.fromMs && Date.parse(c.timestamp) <= r.toMs);
    const spend = (calls: typeof store.seed.calls): number => calls.reduce((a, c) => a + c.cost_usd, 0);
    // Previous week (March 1–7): search 42, chat 28, summarize 14, agent 7 runs × 2 + verify calls on
    // March 1, 4 and 7 = 101. The range (March 8–14): 126, as in the feature report.
    expect(row).toMatchObject({ previous_calls: 101, calls: 126 });
    const c0 = spend(inRange(PREVIOUS_RANGE));
    const c1 = spend(inRange(RANGE));
    expect(row!.previous_spend_usd).toBe(c0);
    expect(row!.spend_usd).toBe(c1);
    expect(row!.change_usd).toBe(c1 - c0);
    // Volume: 25 more calls at the previous week's cost per call.
    expect(row!.volume_effect_usd as number).toBeCloseTo((126 - 101) * (c0 / 101), 12);
    const effects = (row!.volume_effect_usd as number) + (row!.mix_effect_usd as number) + (row!.price_size_effect_usd as number);
    expect(effects).toBeCloseTo(c1 - c0, 12);
    // The chat spike (same segment, longer calls) is a price/size effect, not volume or mix.
    expect(row!.price_size_effect_usd as number).toBeGreaterThan((row!.volume_effect_usd as number) + (row!.mix_effect_usd as number));
  });
});
