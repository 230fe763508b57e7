/** The subcommand registry. Modules load lazily so `spendtrace cost` never pays for ClickHouse. */
export interface Command {
  run(argv: string[]): Promise<number>;
}

export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  cost: { summary: 'price one call from token counts', load: () => import('./commands/cost.ts') },
  prices: { summary: 'list, explain and check the price catalog', load: () => import('./commands/prices.ts') },
};
