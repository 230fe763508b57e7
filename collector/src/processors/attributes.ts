import type { AttrValue, Attributes } from '../model.ts';

/*
 * Typed reads of OTLP attributes. Instrumentations disagree on types (token counts as strings,
 * int64 as bigint, booleans as "true"), so every read coerces what it sensibly can and ignores the
 * rest instead of failing the span.
 */

export function readString(attrs: Attributes, key: string): string {
  const v = attrs[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return '';
}

/** A non-negative finite number, or undefined when absent or unusable. */
export function readNumber(attrs: Attributes, key: string): number | undefined {
  return toNumber(attrs[key]);
}

export function toNumber(v: AttrValue | undefined): number | undefined {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint') n = Number(v);
  else if (typeof v === 'string' && v.trim() !== '') n = Number(v);
  else return undefined;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export function readBoolean(attrs: Attributes, key: string): boolean | undefined {
  const v = attrs[key];
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

export function readStringList(attrs: Attributes, key: string): string[] {
  const v = attrs[key];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (typeof v === 'string' && v !== '') return [v];
  return [];
}

/** The first key among `keys` present with a non-empty string value. */
export function firstString(attrs: Attributes, keys: readonly string[]): string {
  for (const key of keys) {
    const v = readString(attrs, key);
    if (v !== '') return v;
  }
  return '';
}

/** The first key among `keys` present with a usable number. */
export function firstNumber(attrs: Attributes, keys: readonly string[]): number | undefined {
  for (const key of keys) {
    const v = readNumber(attrs, key);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** A JSON object carried as a string attribute (Langfuse usage/cost details), or as a kvlist. */
export function readJsonObject(attrs: Attributes, key: string): Record<string, unknown> | undefined {
  const v = attrs[key];
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)) return v;
  if (typeof v !== 'string' || v === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(v);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
