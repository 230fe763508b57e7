/**
 * Table layout for the terminal views. Columns are as wide as their content, so short numbers
 * leave room for long names; when the table is still wider than the terminal, the flexible (name)
 * columns give up width, widest first, and their cells are cut in the middle. Numbers are never cut.
 */
import { truncateMiddle } from './format.ts';

export interface TableColumn {
  header: string;
  align: 'left' | 'right';
  /** May be narrowed below its content when the table does not fit. */
  flexible?: boolean;
  /** Narrowest a flexible column gets (default: its header, at least 10). */
  minWidth?: number;
  /** How a cell is shortened to `width` (default: cut in the middle). */
  fit?: (cell: string, width: number, row: number) => string;
  /**
   * A cell whose row is empty after it runs on over the empty columns (e.g. a tree step that is
   * not an LLM call); such cells do not widen the column.
   */
  spill?: boolean;
}

/** A cell drawn as a rule (dashes across the column), e.g. above a totals row. */
export const RULE: unique symbol = Symbol('rule');
export type TableCell = string | typeof RULE;

export interface TableLayout {
  widths: number[];
  /** Spaces between columns: two when the table fits with them, else one. */
  gap: number;
  lines: string[];
}

const length = (text: string): number => [...text].length;

/**
 * Lays out the header and rows within `maxWidth` characters per line (trailing spaces trimmed).
 * Lines exceed `maxWidth` only when even the narrowest flexible columns do not fit.
 */
export function layoutTable(columns: readonly TableColumn[], rows: readonly (readonly TableCell[])[], maxWidth: number): TableLayout {
  const spills = (row: readonly TableCell[], i: number): boolean => columns[i]?.spill === true && row.slice(i + 1).every((c) => c === '');
  const natural = columns.map((col, i) =>
    rows.reduce((w, row) => {
      const cell = row[i];
      return typeof cell === 'string' && !spills(row, i) ? Math.max(w, length(cell)) : w;
    }, length(col.header)),
  );
  const widths = [...natural];
  const minimum = columns.map((col, i) => (col.flexible ? Math.min(natural[i] as number, col.minWidth ?? Math.max(length(col.header), 10)) : (natural[i] as number)));
  const contentWidth = widths.reduce((a, b) => a + b, 0);
  const gap = contentWidth + 2 * (columns.length - 1) <= maxWidth ? 2 : 1;
  let excess = contentWidth + gap * (columns.length - 1) - maxWidth;
  while (excess > 0) {
    // Narrow the widest flexible column that can still give up a character.
    let pick = -1;
    widths.forEach((w, i) => {
      if (w > (minimum[i] as number) && (pick === -1 || w > (widths[pick] as number))) pick = i;
    });
    if (pick === -1) break;
    widths[pick] = (widths[pick] as number) - 1;
    excess--;
  }
  const render = (cells: readonly TableCell[], row: number): string =>
    columns
      .slice(0, columns.findIndex((_, i) => row >= 0 && spills(cells, i)) + 1 || columns.length)
      .map((col, i) => {
        const offset = widths.slice(0, i).reduce((a, b) => a + b + gap, 0);
        const width = row >= 0 && spills(cells, i) ? Math.max(widths[i] as number, maxWidth - offset) : (widths[i] as number);
        const raw = cells[i] ?? '';
        if (raw === RULE) return '-'.repeat(width);
        const cell = length(raw) <= width ? raw : (col.fit ?? truncateMiddle)(raw, width, row);
        const pad = ' '.repeat(Math.max(0, width - length(cell)));
        return col.align === 'left' ? cell + pad : pad + cell;
      })
      .join(' '.repeat(gap))
      .trimEnd();
  return {
    widths,
    gap,
    lines: [render(columns.map((c) => c.header), -1), ...rows.map((cells, row) => render(cells, row))],
  };
}

/** Line width to lay out for: `--width`, else the terminal's width, else 80 (pipes and files). */
export function outputColumns(flag: string | undefined, stdout: { isTTY?: boolean; columns?: number } = process.stdout): number {
  if (flag !== undefined) {
    const n = Number(flag);
    if (!Number.isInteger(n) || n < 40 || n > 1000) throw new Error(`--width must be a whole number of columns from 40 to 1000, not "${flag}"`);
    return n;
  }
  if (stdout.isTTY && typeof stdout.columns === 'number' && stdout.columns > 0) return Math.max(40, stdout.columns);
  return 80;
}
