/**
 * The spendtrace collector as a child process on embedded ClickHouse:
 * `spendtrace collector --data-dir DIR --otlp-http-endpoint 127.0.0.1:0`, ready when it prints its
 * ready line with the OTLP URL; stopped with SIGTERM, which drains the queue and the workflow
 * buffer into ClickHouse before it exits 0.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { REPO_ROOT, SPENDTRACE_BIN } from './spendtrace-cli.ts';

export interface CollectorProcess {
  /** OTLP/HTTP base URL, e.g. `http://127.0.0.1:43121` (append `/v1/traces`). */
  otlpUrl: string;
  /** The collector's read-only ClickHouse-HTTP query URL, when it advertises one. */
  queryUrl?: string;
  pid: number;
  /** SIGTERM, then waits for the exit; rejects when it does not exit 0 within `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  /** Kills the process at once (for failure paths). */
  kill(): void;
  /** The last lines the collector wrote, for error messages. */
  output(): string;
}

export class CollectorError extends Error {}

const READY = /\bready\b.*\botlp=(\S+)/;

export interface StartCollectorOptions {
  /** How long to wait for the ready line (default 30 s). */
  readyTimeoutMs?: number;
  /** Arguments for `node` instead of `spendtrace collector ...` (tests of the failure paths). */
  nodeArgs?: string[];
}

export function startCollector(dataDir: string, options: StartCollectorOptions = {}): Promise<CollectorProcess> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const args = options.nodeArgs ?? [SPENDTRACE_BIN, 'collector', '--data-dir', dataDir, '--otlp-http-endpoint', '127.0.0.1:0', '--metrics-endpoint', '127.0.0.1:0'];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const remember = (chunk: string): void => {
    for (const line of chunk.split('\n')) if (line.trim() !== '') lines.push(line);
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  const output = (): string => lines.join('\n');
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });

  return new Promise((resolve, reject) => {
    let stdoutBuffer = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new CollectorError(`the collector was not ready within ${readyTimeoutMs / 1000} s. Its output:\n${output() || '(none)'}`));
    }, readyTimeoutMs);

    child.stderr!.setEncoding('utf8').on('data', remember);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      remember(chunk);
      stdoutBuffer += chunk;
      const lines = stdoutBuffer.split('\n');
      stdoutBuffer = lines.pop() ?? '';
      const readyLine = lines.find((line) => READY.test(line));
      const otlpUrl = readyLine ? READY.exec(readyLine)?.[1] : undefined;
      if (!readyLine || !otlpUrl) return;
      clearTimeout(timer);
      const queryUrl = /\bquery=(\S+)/.exec(readyLine)?.[1];
      resolve({
        otlpUrl: otlpUrl.replace(/\/$/, ''),
        ...(queryUrl ? { queryUrl } : {}),
        pid: child.pid!,
        output,
        kill: () => {
          if (!exited) child.kill('SIGKILL');
        },
        stop: async (timeoutMs = 60_000) => {
          if (!exited) child.kill('SIGTERM');
          let stopTimer: NodeJS.Timeout | undefined;
          const result = await Promise.race([
            exit,
            new Promise<undefined>((r) => {
              stopTimer = setTimeout(() => r(undefined), timeoutMs);
            }),
          ]);
          clearTimeout(stopTimer);
          if (!result) {
            child.kill('SIGKILL');
            throw new CollectorError(`the collector did not exit within ${timeoutMs / 1000} s of SIGTERM. Its output:\n${output()}`);
          }
          if (result.code !== 0) {
            throw new CollectorError(`the collector exited with ${result.code ?? result.signal} after SIGTERM (expected 0). Its output:\n${output()}`);
          }
        },
      });
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new CollectorError(`could not start the collector: ${error.message}`));
    });
    void exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new CollectorError(`the collector exited (${code ?? signal}) before it was ready. Its output:\n${output() || '(none)'}`));
    });
  });
}
