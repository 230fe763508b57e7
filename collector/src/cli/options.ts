/**
 * What the `spendtrace` subcommands share: the store location options, `--help`, argument parsing
 * that answers a bad argument with the usage text and exit code 2, and the `spendtrace <command>:`
 * error line.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ReadClientOptions } from '../store/read-client.ts';

/**
 * --data-dir, --clickhouse-url and --database. Unset flags stay undefined so the store falls back
 * to SPENDTRACE_DATA_DIR, SPENDTRACE_CLICKHOUSE_URL and SPENDTRACE_CLICKHOUSE_DATABASE, then to the defaults.
 */
export const STORE_OPTIONS = {
  'data-dir': { type: 'string' },
  'clickhouse-url': { type: 'string' },
  database: { type: 'string' },
} as const;

/** The usage lines for --data-dir and --clickhouse-url (each command words --database itself). */
export const STORE_USAGE = `  --data-dir DIR           embedded store location (env SPENDTRACE_DATA_DIR, default ./.spendtrace)
  --clickhouse-url URL     ClickHouse server instead (env SPENDTRACE_CLICKHOUSE_URL)
`;

/** The usage lines for --json and --width of the commands that print a table. */
export const TABLE_USAGE = `  --json                   machine-readable output
  --width N                lay the table out for N columns (default: the terminal's width, or 80
                           when the output is not a terminal)
`;

export const HELP_OPTION = {
  help: { type: 'boolean', short: 'h' },
} as const;

export type ParsedArgs<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/** Writes `spendtrace <command>: <message>` to stderr, followed by the usage text when given. */
export function printError(command: string, message: string, usage?: string): void {
  process.stderr.write(`spendtrace ${command}: ${message}\n${usage === undefined ? '' : `\n${usage}`}`);
}

/** printError, then the exit code for bad arguments: 2. */
export function usageError(command: string, message: string, usage?: string): number {
  printError(command, message, usage);
  return 2;
}

/**
 * Parses argv against `config` (strict). Returns the parsed values and positionals, or the exit
 * code when the command is already answered: 2 after printing the parse error and the usage text
 * to stderr, 0 after printing the usage text to stdout for --help / -h.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string, argv: string[], config: T, usage: string): ParsedArgs<T> | number {
  let parsed: ParsedArgs<T>;
  try {
    parsed = parseArgs({ ...config, args: argv, strict: true }) as ParsedArgs<T>;
  } catch (err) {
    return usageError(command, (err as Error).message, usage);
  }
  if ((parsed.values as { help?: unknown }).help) {
    process.stdout.write(usage);
    return 0;
  }
  return parsed;
}

/** The store location given on the command line; resolveStoreLocation fills in what is unset from the environment. */
export function storeOptionsFrom(values: { 'data-dir'?: string | undefined; 'clickhouse-url'?: string | undefined; database?: string | undefined }): Pick<ReadClientOptions, 'dataDir' | 'url' | 'database'> {
  return {
    dataDir: values['data-dir'],
    url: values['clickhouse-url'],
    database: values.database,
  };
}
