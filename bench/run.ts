/**
 * Runs every bench/*.bench.ts in name order, each in its own Node process so one benchmark's JIT
 * warm-up, caches and garbage never colour another's numbers. Prints each benchmark's output and
 * exits non-zero if any of them failed.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.some((filter) => name.includes(filter)))
  .sort();

let failed = 0;
for (const name of files) {
  process.stdout.write(`\n=== ${name} ===\n`);
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [join(benchDir, name)], { stdio: 'inherit' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    failed++;
    process.stdout.write(`=== ${name} FAILED (exit ${result.status ?? result.signal}) after ${seconds.toFixed(1)}s ===\n`);
  } else process.stdout.write(`=== ${name} done in ${seconds.toFixed(1)}s ===\n`);
}
if (files.length === 0) process.stdout.write('no benchmarks found\n');
process.exitCode = failed > 0 ? 1 : 0;
