/**
 * An attribute value as the string the OpenTelemetry Collector contrib ClickHouse exporter stores in
 * its Map(String, String) columns: strings as is, numbers and booleans in decimal / `true`, bytes as
 * base64, arrays and maps as JSON.
 */
import type { AttrValue } from '../../model.ts';

export function attributeToString(value: AttrValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return '';
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) {
    const plain = plainStringArrayJson(value);
    if (plain !== undefined) return plain;
  }
  return JSON.stringify(toJsonValue(value));
}

/**
 * Formatting a fractional number is costly next to a lookup, and a collector sees the same few
 * (temperatures, top_p, latencies in whole milliseconds) on span after span. Bounded by clearing.
 */
const numberTexts = new Map<number, string>();

function numberText(value: number): string {
  let text = numberTexts.get(value);
  if (text === undefined) {
    if (numberTexts.size >= 4096) numberTexts.clear();
    text = value.toString();
    numberTexts.set(value, text);
  }
  return text;
}

/**
 * JSON of an array of strings that need no escaping (finish reasons and the like), built without
 * JSON.stringify; undefined when an element is not such a string.
 */
function plainStringArrayJson(values: readonly AttrValue[]): string | undefined {
  for (const v of values) {
    if (typeof v !== 'string') return undefined;
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      // Quote, backslash and control characters are escaped by JSON; lone surrogates too.
      if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return undefined;
    }
  }
  return values.length === 0 ? '[]' : `["${values.join('","')}"]`;
}

function toJsonValue(value: AttrValue): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJsonValue(v);
    return out;
  }
  return value;
}
