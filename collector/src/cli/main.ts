/**
 * `spendtrace` — one binary, one module per subcommand under ./commands.
 * Each command module exports `run(argv: string[]): Promise<number>` returning the exit code,
 * plus a one-line `summary` for the help text.
 */
import { COMMANDS } from './commands.ts';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`spendtrace: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const command = await load.load();
  return command.run(rest);
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: spendtrace <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun "spendtrace <command> --help" for a command's options.\n`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`spendtrace: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
