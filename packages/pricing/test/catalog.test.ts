/** Catalog loading and validation: every problem is named by file, entry and field. */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalog, PricingConfigError, SHIPPED_CATALOG_DIR, type CatalogIssue } from '../src/index.ts';

const INVALID = fileURLToPath(new URL('./fixtures/invalid/', import.meta.url));
const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A catalog directory holding only the named fixture file. */
function catalogDirWith(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'spendtrace-pricing-'));
  tempDirs.push(dir);
  copyFileSync(join(INVALID, fixture), join(dir, fixture));
  return dir;
}

function issuesOf(catalogDir: string): CatalogIssue[] {
  try {
    loadCatalog({ catalogDir });
  } catch (err) {
    expect(err).toBeInstanceOf(PricingConfigError);
    return [...(err as PricingConfigError).issues];
  }
  throw new Error('expected the catalog to be rejected');
}

describe('catalog validation', () => {
  it('rejects an entry without a source, naming file, entry and field', () => {
    const dir = catalogDirWith('missing-source.yaml');
    const issues = issuesOf(dir);
    expect(issues).toEqual([
      { file: join(dir, 'missing-source.yaml'), entry: 'no-source', field: 'source', message: 'is required (url and checked date of the published prices)' },
    ]);
  });

  it('rejects overlapping periods', () => {
    const dir = catalogDirWith('overlapping-periods.yaml');
    expect(issuesOf(dir)).toEqual([
      { file: join(dir, 'overlapping-periods.yaml'), entry: 'overlapping', field: 'periods[1].from', message: 'overlaps periods[0], which runs until 2025-06-01' },
    ]);
  });

  it('rejects a negative price', () => {
    const dir = catalogDirWith('negative-price.yaml');
    const err = (() => {
      try {
        loadCatalog({ catalogDir: dir });
      } catch (e) {
        return e as PricingConfigError;
      }
      throw new Error('expected the catalog to be rejected');
    })();
    expect(err.file).toBe(join(dir, 'negative-price.yaml'));
    expect(err.entry).toBe('negative');
    expect(err.field).toBe('periods[0].prices.output');
    expect(err.message).toBe(`${join(dir, 'negative-price.yaml')}: entry "negative": periods[0].prices.output: must not be negative, got -2`);
  });

  it('reports every problem of a file at once: order, numbers, dates, regexes, unknown keys, duplicate ids', () => {
    const dir = catalogDirWith('many-problems.yaml');
    const file = join(dir, 'many-problems.yaml');
    const found = issuesOf(dir).map((i) => [i.entry, i.field]);
    expect(found).toEqual([
      ['unordered', 'periods[1].from'],
      ['bad-regex', 'colour'],
      ['bad-regex', 'match.patterns[0]'],
      ['bad-regex', 'periods[0].prices.output'],
      ['bad-regex', 'source.checked'],
      ['duplicate-id', 'match.ids'],
    ]);
    const messages = issuesOf(dir).map((i) => i.message);
    expect(messages[0]).toBe('periods must be in ascending order: 2025-01-01 does not follow 2025-06-01');
    expect(messages[3]).toBe('must be a number, got "2 USD"');
    expect(messages[5]).toBe(`id "good" is already used by entry "good" of provider acme (${file})`);
  });

  it('lenient loading keeps the valid entries and lists the problems', () => {
    const catalog = loadCatalog({ catalogDir: catalogDirWith('many-problems.yaml'), lenient: true });
    expect(catalog.entries().map((e) => e.model)).toEqual(['good']);
    expect(catalog.issues).toHaveLength(6);
    expect(catalog.cost({ provider: 'acme', model: 'good', at: '2025-06-01' }, { inputTokens: 1_000_000, outputTokens: 0 }).breakdown?.total).toBe(1);
  });

  it('names the file when YAML does not parse', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spendtrace-pricing-'));
    tempDirs.push(dir);
    writeFileSync(join(dir, 'broken.yaml'), 'provider: acme\nentries: [\n');
    const issues = issuesOf(dir);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.file).toBe(join(dir, 'broken.yaml'));
    expect(issues[0]!.message.startsWith('cannot parse: ')).toBe(true);
  });

  it('loads the shipped catalog without a single problem', () => {
    const catalog = loadCatalog();
    expect(catalog.issues).toEqual([]);
    expect(catalog.entries().length).toBeGreaterThan(100);
    for (const provider of ['openai', 'anthropic', 'gcp.gemini']) {
      expect(catalog.entries().some((e) => e.provider === provider)).toBe(true);
    }
  });

  it('resolves every id and alias of the shipped catalog to its own entry', () => {
    const catalog = loadCatalog({ lenient: true });
    const misrouted: string[] = [];
    for (const e of catalog.entries()) {
      for (const id of [e.model, ...(e.entry.match?.ids ?? []), ...(e.entry.match?.aliases ?? [])]) {
        const resolved = catalog.resolve({ provider: e.provider, model: id, at: e.entry.periods[0]!.from });
        if (resolved?.pricingModel !== `${e.provider}/${e.model}`) misrouted.push(`${e.provider} ${id} → ${resolved?.pricingModel ?? 'unknown'}`);
      }
    }
    expect(misrouted).toEqual([]);
  });

  it('versions the catalog by content', () => {
    const a = loadCatalog();
    const b = loadCatalog({ catalogDir: SHIPPED_CATALOG_DIR });
    expect(a.version).toMatch(/^[0-9a-f]{12}$/);
    expect(b.version).toBe(a.version);
    const fixture = loadCatalog({ catalogDir: fileURLToPath(new URL('./fixtures/catalog/', import.meta.url)) });
    expect(fixture.version).not.toBe(a.version);
  });
});
