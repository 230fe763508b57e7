/**
 * Number and text formatting for the terminal views (table layout is in table.ts). Values that
 * would not fit are shortened, never wrapped.
 */

const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Integer with thousands separators, or a compact form (12.3M) when it would exceed `width`. */
export function formatCount(value: number, width = Infinity): string {
  const full = INT.format(value);
  if (full.length <= width) return full;
  for (const [unit, size] of [
    ['k', 1e3],
    ['M', 1e6],
    ['B', 1e9],
    ['T', 1e12],
  ] as const) {
    const compact = `${(value / size).toFixed(1)}${unit}`;
    if (compact.length <= width && value / size < 1000) return compact;
  }
  return full;
}

/**
 * The precision of USD amounts the CLI prints (`report`, `trace`, `cost`; JSON and tables): 1e-10
 * USD. Costs are sums of token counts times per-million prices in binary floating point, so they
 * carry noise in the last bits (0.0045000000000000005); no bill is meaningful to a ten-billionth of
 * a dollar, so amounts are rounded to it for display. Stored values and the named SQL are untouched.
 */
export const USD_DECIMALS = 10;

/** `value` rounded to USD_DECIMALS decimals (the nearest double to that decimal); null stays null. */
export function roundUsd(value: number): number;
export function roundUsd(value: number | null): number | null;
export function roundUsd(value: number | null): number | null {
  if (value === null || !Number.isFinite(value)) return value;
  // toFixed rounds the exact binary value in decimal, and Number() reads back the nearest double,
  // which JSON then prints in its shortest form. `+ 0` turns -0 into 0.
  return Number(value.toFixed(USD_DECIMALS)) + 0;
}

/** USD with 4 decimals below $1,000 (LLM calls cost fractions of a cent), 2 above, none above $1M. */
export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${sign}$${INT.format(Math.round(abs))}`;
  if (abs >= 1000) return `${sign}$${abs.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return `${sign}$${abs.toFixed(4)}`;
}

/** A share in [0, 1] as a percentage with one decimal. */
export function formatShare(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return `${(value * 100).toFixed(1)}%`;
}

/** Milliseconds as a short duration: 850 ms, 3.0 s, 2.5 min. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

const SEPARATORS = new Set(['.', '-', '_', '/', ':', '@', ' ']);

/**
 * Cuts text to `width` characters by dropping its middle, marked with an ellipsis. Model ids and
 * step names differ at the end (`us.anthropic.claude-…-v1:0`, `generate_content gemini-…-flash`),
 * so the tail keeps at least 40%. Within that, the cut keeps the most characters, where a cut
 * inside a word (not at `.-_/:@` or a space) counts as 8 characters lost; ties go to the split
 * nearest 40/60. `us.anthropic.claude-sonnet-5-5-v1:0` in 27 columns is `us…claude-sonnet-5-5-v1:0`.
 */
export function truncateMiddle(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width < 3) return chars.slice(0, width).join('');
  const kept = width - 1;
  const sep = (i: number): boolean => SEPARATORS.has(chars[i] ?? '');
  // A clean head ends on a word, right before a separator; a clean tail starts on a word, right after one.
  const headCut = (head: number): number => (sep(head) && !sep(head - 1) ? 0 : 1);
  const tailCut = (start: number): number => (sep(start - 1) && !sep(start) ? 0 : 1);
  const minTail = Math.ceil(kept * 0.4);
  let best = { head: kept - minTail, tail: minTail, score: -Infinity, cuts: 2, skew: Infinity };
  // Names are short (ids, span names): trying every split is cheap.
  if (chars.length <= 256) {
    for (let head = 1; head <= kept - minTail; head++) {
      for (let tail = kept - head; tail >= minTail; tail--) {
        const cuts = headCut(head) + tailCut(chars.length - tail);
        const score = head + tail - 8 * cuts;
        const skew = Math.abs(head - kept * 0.4);
        if (score > best.score || (score === best.score && (cuts < best.cuts || (cuts === best.cuts && skew < best.skew)))) {
          best = { head, tail, score, cuts, skew };
        }
      }
    }
  } else {
    best.head = Math.floor(kept * 0.4);
    best.tail = kept - best.head;
  }
  return `${chars.slice(0, best.head).join('')}…${chars.slice(chars.length - best.tail).join('')}`;
}

/** `2026-03-08 00:00` in UTC. */
export function formatUtcMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}
