/**
 * An attribute value as the string the OpenTelemetry Collector contrib ClickHouse exporter stores in
 * its Map(String, String) columns: strings as is, numbers and booleans in decimal / `true`, bytes as
 * base64, arrays and maps as JSON.
 */
import type { AttrValue } from '../../model.ts';

export function attributeToString(value: AttrValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return '';
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return JSON.stringify(toJsonValue(value));
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
