/**
 * Number and text formatting for the terminal views. Every column has a fixed width so a table
 * fits an 80-column terminal; values that would not fit are shortened, never wrapped.
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

/** Cuts text to `width` characters, marking the cut with an ellipsis. */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

export interface Column {
  header: string;
  width: number;
  align: 'left' | 'right';
}

/** Lays out one row: each cell truncated to its column and padded; columns separated by one space. */
export function layoutRow(columns: readonly Column[], cells: readonly string[]): string {
  return columns
    .map((col, i) => {
      const cell = truncate(cells[i] ?? '', col.width);
      const pad = col.width - [...cell].length;
      return col.align === 'left' ? cell + ' '.repeat(pad) : ' '.repeat(pad) + cell;
    })
    .join(' ')
    .trimEnd();
}

/** `2026-03-08 00:00` in UTC. */
export function formatUtcMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}
