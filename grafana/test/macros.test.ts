/** The expander follows the plugin's own rules (pkg/macros, sqlutil parseArgs, CHDatasource). */
import { describe, expect, it } from 'vitest';
import { applyConditionalAll, expandBackendMacros, expandPanelQuery, interpolateVariables, type QueryContext } from '../src/macros.ts';

// 2026-03-08T00:00:00.250Z .. 2026-03-14T23:59:59.999Z: seconds are floored, milliseconds kept.
const ctx = (over: Partial<QueryContext> = {}): QueryContext => ({
  fromMs: 1772928000250,
  toMs: 1773532799999,
  intervalMs: 3_600_000,
  variables: [
    { name: 'feature', type: 'query', current: ['search', "o'brien"], options: [{ text: 'search', value: 'search' }, { text: 'chat', value: 'chat' }] },
    { name: 'all', type: 'query', current: ['$__all'], options: [{ text: 'a', value: 'a' }, { text: 'b', value: 'b' }] },
    { name: 'allc', type: 'query', current: '$__all', allValue: '.*', options: [{ text: 'a', value: 'a' }] },
    { name: 'single', type: 'textbox', current: 'abc' },
    { name: 'none', type: 'query', current: '' },
  ],
  ...over,
});

describe('backend macros', () => {
  it('time filters in seconds, milliseconds and dates', () => {
    expect(expandBackendMacros('WHERE $__timeFilter(ts)', ctx())).toBe('WHERE ts >= toDateTime(1772928000) AND ts <= toDateTime(1773532799)');
    expect(expandBackendMacros('WHERE $__timeFilter_ms(ts)', ctx())).toBe(
      'WHERE ts >= fromUnixTimestamp64Milli(1772928000250) AND ts <= fromUnixTimestamp64Milli(1773532799999)',
    );
    expect(expandBackendMacros('$__dateFilter(d)', ctx())).toBe("d >= toDate('2026-03-08') AND d <= toDate('2026-03-14')");
    expect(expandBackendMacros('$__dt(d, t)', ctx())).toBe(
      "(d >= toDate('2026-03-08') AND d <= toDate('2026-03-14')) AND (t >= toDateTime(1772928000) AND t <= toDateTime(1773532799))",
    );
  });
  it('from/to, intervals, nested arguments and names that are prefixes of others', () => {
    expect(expandBackendMacros('$__fromTime, $__toTime, $__fromTime_ms, $__toTime_ms', ctx())).toBe(
      'toDateTime(1772928000), toDateTime(1773532799), fromUnixTimestamp64Milli(1772928000250), fromUnixTimestamp64Milli(1773532799999)',
    );
    expect(expandBackendMacros('$__timeInterval(toDateTime(a, b)) / $__interval_s', ctx())).toBe(
      'toStartOfInterval(toDateTime(toDateTime(a, b)), INTERVAL 3600 second) / 3600',
    );
    expect(expandBackendMacros('$__interval_s', ctx({ intervalMs: 200 }))).toBe('1');
    expect(expandBackendMacros('$__timeInterval_ms(t)', ctx({ intervalMs: 250 }))).toBe('toStartOfInterval(toDateTime64(t, 3), INTERVAL 250 millisecond)');
    // Arguments only when "(" follows the name directly.
    expect(expandBackendMacros('$__fromTime AND x IN (1)', ctx())).toBe('toDateTime(1772928000) AND x IN (1)');
  });
  it('rejects wrong argument counts and unclosed brackets', () => {
    expect(() => expandBackendMacros('$__timeFilter', ctx())).toThrow(/expected 1 argument, received 0/);
    expect(() => expandBackendMacros('$__timeFilter(a, b)', ctx())).toThrow(/received 2/);
    expect(() => expandBackendMacros('$__timeFilter(a', ctx())).toThrow(/missing close bracket/);
  });
});

describe('template variables', () => {
  it('multi-value: plugin default format, :singlequote, :csv, :sqlstring', () => {
    expect(interpolateVariables('IN (${feature})', ctx())).toBe("IN ('search','o'brien')");
    expect(interpolateVariables('IN (${feature:singlequote})', ctx())).toBe("IN ('search','o\\'brien')");
    expect(interpolateVariables('${feature:csv}', ctx())).toBe("search,o'brien");
    expect(interpolateVariables('${feature:sqlstring}', ctx())).toBe("'search','o''brien'");
    expect(interpolateVariables('$feature [[feature:csv]]', ctx())).toBe("'search','o'brien' search,o'brien");
  });
  it('All without a custom all value expands to every option; with one, to the raw all value', () => {
    expect(interpolateVariables('IN (${all:singlequote})', ctx())).toBe("IN ('a','b')");
    expect(interpolateVariables('match(x, ${allc:singlequote})', ctx())).toBe('match(x, .*)');
  });
  it('single values, built-ins, and unknown names left alone', () => {
    expect(interpolateVariables("'$single' ${single:singlequote}", ctx())).toBe("'abc' 'abc'");
    expect(interpolateVariables('$__from $__to $__interval $__interval_ms', ctx())).toBe('1772928000250 1773532799999 1h 3600000');
    expect(interpolateVariables('$__timeFilter(ts) $unknown', ctx())).toBe('$__timeFilter(ts) $unknown');
  });
});

describe('$__conditionalAll', () => {
  it('drops the condition for All or an empty selection, keeps it otherwise', () => {
    const sql = 'WHERE $__conditionalAll(f IN (${all:singlequote}), $all) AND $__conditionalAll(g IN (${feature:singlequote}), ${feature}) AND $__conditionalAll(h = 1, $none)';
    expect(applyConditionalAll(sql, ctx().variables)).toBe('WHERE 1=1 AND g IN (${feature:singlequote}) AND 1=1');
  });
  it('keeps top-level commas of the condition apart from nested ones', () => {
    const sql = "$__conditionalAll(if(a != '', a, b) IN (${feature:singlequote}), $feature)";
    expect(expandPanelQuery(sql, ctx())).toBe("if(a != '', a, b) IN ('search','o\\'brien')");
  });
});
