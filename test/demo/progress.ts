/** Numbered progress lines on stdout, and a small text table for the demo's own views. */

export class StepFailure extends Error {}

export class Progress {
  private index = 0;
  private readonly total: number;
  private readonly started = performance.now();

  constructor(total: number) {
    this.total = total;
  }

  /** Prints `[n/total] title`, runs `fn`, and prints how long it took. */
  async step<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.index++;
    const width = String(this.total).length;
    process.stdout.write(`[${String(this.index).padStart(width)}/${this.total}] ${title}\n`);
    const started = performance.now();
    try {
      return await fn();
    } finally {
      const ms = performance.now() - started;
      if (ms >= 1000) this.detail(`(${(ms / 1000).toFixed(1)} s)`);
    }
  }

  /** An indented detail line under the current step. */
  detail(text: string): void {
    for (const line of text.split('\n')) process.stdout.write(`      ${line}\n`);
  }

  elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }
}

export function section(title: string): void {
  process.stdout.write(`\n${title}\n${'─'.repeat(Math.min(78, title.length))}\n`);
}

/** Left-aligns the first `leftColumns` columns and right-aligns the others. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const format = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i < leftColumns ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [format(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(format)].join('\n');
}

export function usd(amount: number): string {
  return amount >= 1 ? `$${amount.toFixed(2)}` : `$${amount.toFixed(4)}`;
}
