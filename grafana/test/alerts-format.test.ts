/**
 * The committed alert rules against Grafana's file-provisioning format (apiVersion 1): the keys
 * Grafana reads, the values it accepts, and the references between the parts of a rule.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALERTS_FILE, GRAFANA_DIR } from '../src/build.ts';
import { DURATION, KNOWN_KEYS } from '../src/alert-provisioning.ts';
import { ALERTS } from '../src/alerts.ts';
import { DATASOURCE, EXPRESSION_DATASOURCE } from '../src/datasource.ts';

type Json = Record<string, unknown>;
const file = parse(readFileSync(`${GRAFANA_DIR}${ALERTS_FILE}`, 'utf8')) as Json;
const groups = file.groups as Json[];
const rules = groups.flatMap((g) => g.rules as Json[]);

const unknownKeys = (object: Json, known: readonly string[]): string[] => Object.keys(object).filter((k) => !known.includes(k));

describe('alert provisioning file', () => {
  it('is apiVersion 1 with one group in the spendtrace folder, evaluated every 5 minutes', () => {
    expect(file.apiVersion).toBe(1);
    expect(unknownKeys(file, KNOWN_KEYS.file)).toEqual([]);
    expect(groups).toHaveLength(1);
    expect(unknownKeys(groups[0]!, KNOWN_KEYS.group)).toEqual([]);
    expect(groups[0]).toMatchObject({ orgId: 1, name: 'spendtrace', folder: 'spendtrace', interval: '5m' });
  });

  it('has the five rules, with unique uids Grafana accepts (at most 40 of [A-Za-z0-9_-])', () => {
    expect(rules.map((r) => r.uid)).toEqual(ALERTS.map((a) => a.uid));
    expect(new Set(rules.map((r) => r.uid)).size).toBe(5);
    for (const r of rules) expect(r.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
  });

  it.each(rules.map((r) => [r.uid as string, r] as const))('rule %s has the documented fields and valid values', (_uid, rule) => {
    expect(unknownKeys(rule, KNOWN_KEYS.rule)).toEqual([]);
    expect(typeof rule.title === 'string' && rule.title.length > 0).toBe(true);
    expect(['NoData', 'Alerting', 'OK', 'KeepLast']).toContain(rule.noDataState);
    expect(['Error', 'Alerting', 'OK', 'KeepLast']).toContain(rule.execErrState);
    expect(rule.for).toMatch(DURATION);
    expect(rule.isPaused).toBe(false);
    const data = rule.data as Json[];
    expect(data.map((d) => d.refId)).toEqual(['A', 'B', 'C']);
    expect(data.map((d) => d.refId)).toContain(rule.condition);
    for (const d of data) {
      expect(unknownKeys(d, KNOWN_KEYS.query)).toEqual([]);
      const range = d.relativeTimeRange as { from: number; to: number };
      expect(Number.isInteger(range.from) && Number.isInteger(range.to) && range.from >= range.to && range.to >= 0).toBe(true);
      expect((d.model as Json).refId).toBe(d.refId);
    }
    // A queries ClickHouse over the rule's range; B and C are server-side expressions on it.
    expect(data[0]).toMatchObject({ datasourceUid: DATASOURCE.uid, model: { datasource: DATASOURCE, editorType: 'sql', format: 1 } });
    expect(data[0]!.relativeTimeRange).toEqual({ from: ALERTS.find((a) => a.uid === rule.uid)!.rangeSeconds, to: 0 });
    for (const d of data.slice(1)) expect(d).toMatchObject({ datasourceUid: EXPRESSION_DATASOURCE.uid, model: { datasource: EXPRESSION_DATASOURCE } });
    // Annotations and labels are plain strings; Grafana expands ${VAR} in annotations and $VAR in
    // labels from its environment, so neither may use that syntax (templates use {{ $values... }}).
    for (const v of Object.values(rule.annotations as Json)) expect(typeof v === 'string' && !v.includes('${')).toBe(true);
    for (const v of Object.values(rule.labels as Json)) expect(typeof v === 'string' && !v.includes('$')).toBe(true);
    expect(rule.labels).toMatchObject({ source: 'spendtrace' });
    expect(`${rule.title as string}${rule.uid as string}`).not.toContain('$');
  });
});
