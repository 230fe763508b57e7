import { expect } from 'vitest';

/** ClickHouse JSON quotes 64-bit integers; compare numbers as numbers. */
function normalize(value: unknown): unknown {
  if (typeof value === 'string' && /^-?\d+$/.test(value) && value.length < 16) return Number(value);
  return value;
}

/**
 * Asserts the rows equal the expected ones, column by column over the expected columns, in order.
 * Floating-point results are compared to 12 significant digits: ClickHouse and JavaScript may add
 * the same numbers in a different order (the seed's costs are exact, its ratios are not).
 */
export function expectRows(actual: Record<string, unknown>[], expected: Record<string, unknown>[], label: string): void {
  expect(actual.length, `${label}: row count`).toBe(expected.length);
  expected.forEach((exp, i) => {
    const act = actual[i] as Record<string, unknown>;
    for (const [key, want] of Object.entries(exp)) {
      const got = normalize(act[key]);
      const where = `${label}: row ${i} column ${key}`;
      if (typeof want === 'number' && Number.isFinite(want) && !Number.isInteger(want)) {
        expect(typeof got, where).toBe('number');
        expect(Math.abs((got as number) - want), `${where}: ${String(got)} vs ${want}`).toBeLessThanOrEqual(Math.abs(want) * 1e-12 + 1e-15);
      } else {
        expect(got, where).toEqual(want);
      }
    }
  });
}
