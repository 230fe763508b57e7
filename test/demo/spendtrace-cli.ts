/**
 * Runs the `spendtrace` CLI (collector/bin/spendtrace.js) as a child process on the Node that runs
 * this script: the collector itself (collector-process.ts) and the read commands (report, trace,
 * query) the demo prints and the tests assert on.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SPENDTRACE_BIN = fileURLToPath(new URL('../../collector/bin/spendtrace.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `spendtrace ...args` to completion (killed after `timeoutMs`). */
export function runSpendtrace(args: readonly string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SPENDTRACE_BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      stderr += `\n(killed after ${timeoutMs} ms)`;
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export class CliError extends Error {}

/** Runs `spendtrace ...args` and returns its stdout; throws with its stderr when it fails. */
export async function spendtrace(args: readonly string[]): Promise<string> {
  const result = await runSpendtrace(args);
  if (result.code !== 0) {
    throw new CliError(`spendtrace ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')} exited ${result.code}:\n${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result.stdout;
}

/** `spendtrace query SQL --format JSONEachRow`, parsed: one object per row. */
export async function queryRows<T = Record<string, unknown>>(dataDir: string, sql: string, params: Record<string, string> = {}): Promise<T[]> {
  const paramArgs = Object.entries(params).flatMap(([name, value]) => ['--param', `${name}=${value}`]);
  const out = await spendtrace(['query', sql, '--format', 'JSONEachRow', '--data-dir', dataDir, ...paramArgs]);
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}
