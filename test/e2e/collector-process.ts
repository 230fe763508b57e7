/**
 * Runs `spendtrace collector` as a child process for end-to-end tests (embedded ClickHouse allows one
 * data directory per process), and reads through its query endpoint.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'collector/bin/spendtrace.js');

export interface CollectorProcess {
  otlpUrl: string;
  queryUrl: string;
  metricsUrl: string;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `spendtrace-${prefix}-`));
}

/** Writes a YAML config into `dir` and returns its path. */
export function writeConfig(dir: string, yaml: string): string {
  const path = join(dir, 'spendtrace.yaml');
  writeFileSync(path, yaml);
  return path;
}

export async function startCollectorProcess(options: { dataDir: string; config?: string; args?: string[]; env?: NodeJS.ProcessEnv }): Promise<CollectorProcess> {
  const args = [
    BIN,
    'collector',
    '--data-dir',
    options.dataDir,
    '--otlp-http-endpoint',
    '127.0.0.1:0',
    '--metrics-endpoint',
    '127.0.0.1:0',
    ...(options.config ? ['--config', options.config] : []),
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`collector not ready in 60 s:\n${out}`)), 60_000);
    const check = () => {
      const m = /spendtrace collector ready otlp=(\S+) query=(\S+) metrics=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`collector exited with ${code} before ready:\n${out}`));
    });
  });
  return {
    otlpUrl: ready[1]!,
    queryUrl: ready[2]!,
    metricsUrl: ready[3]!,
    dataDir: options.dataDir,
    child,
    output: () => out,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs SQL on the collector's read-only query endpoint; returns JSONEachRow rows. */
export async function query<T = Record<string, unknown>>(queryUrl: string, sql: string): Promise<T[]> {
  const res = await fetch(`${queryUrl}/?default_format=JSONEachRow`, { method: 'POST', body: sql });
  const text = await res.text();
  if (!res.ok) throw new Error(`query failed (${res.status}): ${text}`);
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** Polls `read` until `done` holds (bounded), returning the last value. */
export async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function postOtlp(otlpUrl: string, body: Uint8Array, contentType = 'application/x-protobuf'): Promise<Response> {
  return fetch(`${otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': contentType }, body: body as Uint8Array<ArrayBuffer> });
}
