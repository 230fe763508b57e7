/** The subcommand registry. Modules load lazily so `spendtrace cost` never pays for ClickHouse. */
export interface Command {
  run(argv: string[]): Promise<number>;
}

export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  cost: { summary: 'price one call from token counts', load: () => import('./commands/cost.ts') },
  prices: { summary: 'list, explain and check the price catalog', load: () => import('./commands/prices.ts') },
  collector: { summary: 'run the collector: OTLP in, priced calls and workflow sums into ClickHouse', load: () => import('./commands/collector.ts') },
  migrate: { summary: 'create or upgrade the ClickHouse schema (or print it, for a cluster)', load: () => import('./commands/migrate.ts') },
  report: { summary: 'spend by feature, model, provider, customer, user, workflow or day', load: () => import('./commands/report.ts') },
  trace: { summary: 'show one workflow run (trace) as a tree with cost per step', load: () => import('./commands/trace.ts') },
  query: { summary: 'run a read-only SQL query on the store', load: () => import('./commands/query.ts') },
};
