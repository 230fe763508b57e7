export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('spendtrace: this command is not available yet\n');
  return 1;
}
