/**
 * Reading catalog and override files from disk: YAML or JSON, catalog format or a LiteLLM price
 * map. Parsing and validation problems come back as issues naming the file; nothing here throws.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { fromLiteLLM, isLiteLLMPriceMap } from './litellm.ts';
import type { CatalogFile, CatalogIssue } from './types.ts';
import { validateCatalogFile, type FileKind } from './validate.ts';

const CATALOG_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface LoadedFile {
  path: string;
  kind: FileKind;
  catalog: CatalogFile;
}

export interface LoadResult {
  files: LoadedFile[];
  issues: CatalogIssue[];
  /** Raw contents in load order, for the catalog version hash. */
  contents: string[];
}

function parseText(path: string, text: string): { value?: unknown; issue?: CatalogIssue } {
  try {
    const value: unknown = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
    return { value };
  } catch (err) {
    return { issue: { file: path, message: `cannot parse: ${(err as Error).message.split('\n')[0]}` } };
  }
}

function readText(path: string, issues: CatalogIssue[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    issues.push({ file: path, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return undefined;
  }
}

function addValidated(raw: unknown, path: string, kind: FileKind, out: LoadResult): void {
  const { catalog, issues } = validateCatalogFile(raw, path, kind);
  out.issues.push(...issues);
  if (catalog) out.files.push({ path, kind, catalog });
}

/** Every `*.yaml`, `*.yml` and `*.json` file of the shipped catalog directory, in name order. */
export function readCatalogDir(dir: string): LoadResult {
  const out: LoadResult = { files: [], issues: [], contents: [] };
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => CATALOG_EXTENSIONS.has(extname(name).toLowerCase())).sort();
  } catch (err) {
    out.issues.push({ file: dir, message: `cannot read catalog directory: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    const text = readText(path, out.issues);
    if (text === undefined) continue;
    out.contents.push(`${name}\0${text}`);
    const { value, issue } = parseText(path, text);
    if (issue) out.issues.push(issue);
    else addValidated(value, path, 'catalog', out);
  }
  return out;
}

/**
 * One user override file: a catalog file (`provider` + `entries`), a list of them, or a LiteLLM
 * `model_prices_and_context_window.json`.
 */
export function readOverrideFile(path: string): LoadResult {
  const out: LoadResult = { files: [], issues: [], contents: [] };
  const text = readText(path, out.issues);
  if (text === undefined) return out;
  out.contents.push(`${basename(path)}\0${text}`);
  const { value, issue } = parseText(path, text);
  if (issue) {
    out.issues.push(issue);
    return out;
  }
  if (isLiteLLMPriceMap(value)) {
    // A LiteLLM map has no checked date of its own; the file's modification day stands in for it.
    const checked = statSync(path).mtime.toISOString().slice(0, 10);
    for (const file of fromLiteLLM(value, { url: `litellm:${basename(path)}`, checked }).files) addValidated(file, path, 'override', out);
    return out;
  }
  if (Array.isArray(value)) value.forEach((file: unknown) => addValidated(file, path, 'override', out));
  else addValidated(value, path, 'override', out);
  return out;
}

/** Short, stable fingerprint of file contents: the catalog version callers record with each price. */
export function contentHash(contents: readonly string[], length = 12): string {
  const hash = createHash('sha256');
  for (const content of contents) hash.update(content).update('\0');
  return hash.digest('hex').slice(0, length);
}
