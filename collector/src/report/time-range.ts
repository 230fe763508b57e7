/**
 * `--since` / `--until` parsing: a duration back from now (`30m`, `24h`, `7d`, `2w`) or an
 * ISO date / date-time (UTC unless it names a zone).
 */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a point in time; durations count back from `now`. */
export function parseInstant(text: string, now: number): number {
  const duration = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text.trim());
  if (duration) return now - Number(duration[1]) * (UNIT_MS[duration[2] as string] as number);
  const isoish = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/.test(text.trim())
    ? `${text.trim().replace(' ', 'T')}${text.includes('T') || text.includes(' ') ? 'Z' : 'T00:00:00Z'}`
    : text.trim();
  const ms = Date.parse(isoish);
  if (Number.isNaN(ms)) throw new Error(`cannot read "${text}" as a time: use e.g. 7d, 24h, 2026-03-01 or 2026-03-01T12:00:00Z`);
  return ms;
}

/** The inclusive [from, to] range in milliseconds for --since / --until. */
export function resolveRange(since: string | undefined, until: string | undefined, now = Date.now()): { fromMs: number; toMs: number } {
  const toMs = until === undefined ? now : parseInstant(until, now);
  const fromMs = parseInstant(since ?? '7d', toMs);
  if (fromMs > toMs) throw new Error('--since is after --until');
  return { fromMs, toMs };
}
