/**
 * A `@clickhouse/client` client on embedded ClickHouse (chdb) at a directory.
 *
 * chdb's connection is typed against @clickhouse/client-common while @clickhouse/client bundles
 * its own copy of the same types, so the two declarations differ nominally though identical in
 * shape; this is the one place that bridges them.
 *
 * chdb admits one data directory per process (several sessions on that same directory are fine),
 * and it applies per-request settings as session-wide `SET`s: put per-statement settings in the
 * statement's own SETTINGS clause rather than in `clickhouse_settings`.
 *
 * Binary inserts: chdb takes an INSERT's data only inline in the query text, which must be valid
 * UTF-8, so `INSERT ... FORMAT Native` with a body (what a ClickHouse server takes over HTTP) cannot
 * pass through as is. The connection made here writes such a body to a file under the store's
 * `user_files` directory and runs `INSERT ... SELECT * FROM file(path, Native)` instead, so callers
 * send binary formats the same way to embedded ClickHouse and to a server. The file is removed when
 * the insert has finished either way; one left by a process that died mid-insert is removed by the
 * next connection that stages on the directory (its rows were never acknowledged as stored).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
type ExecParams = Parameters<ClientConnection['exec']>[0];

/** `INSERT ... FORMAT <binary format>` at the end of a statement: its prefix and the format. */
const BINARY_INSERT = /^(\s*INSERT\s+INTO\s[\s\S]*?)\s+FORMAT\s+(Native|RowBinary|RowBinaryWithNamesAndTypes)\s*;?\s*$/i;

const STAGING_DIR = ['user_files', 'spendtrace-insert'];

/**
 * The chdb connection with binary-insert staging, for callers that need to wrap it (e.g. to inject
 * faults in tests).
 */
export function createEmbeddedConnection(path: string): ClientConnection {
  const chdb = createChdbConnection({ path }) as unknown as ClientConnection;
  return new StagingConnection(chdb, join(path, ...STAGING_DIR));
}

export function createEmbeddedClient(path: string): ClickHouseClient {
  return createClient({ connection: createEmbeddedConnection(path) });
}

class StagingConnection implements ClientConnection {
  readonly #inner: ClientConnection;
  readonly #dir: string;
  #prepared = false;

  constructor(inner: ClientConnection, dir: string) {
    this.#inner = inner;
    this.#dir = dir;
  }

  ping(params: Parameters<ClientConnection['ping']>[0]) {
    return this.#inner.ping(params);
  }
  query(params: Parameters<ClientConnection['query']>[0]) {
    return this.#inner.query(params);
  }
  insert(params: Parameters<ClientConnection['insert']>[0]) {
    return this.#inner.insert(params);
  }
  command(params: Parameters<ClientConnection['command']>[0]) {
    return this.#inner.command(params);
  }
  close() {
    return this.#inner.close();
  }

  async exec(params: ExecParams) {
    const match = params.values === undefined ? null : BINARY_INSERT.exec(params.query);
    if (match === null) return this.#inner.exec(params);
    this.#prepare();
    const file = join(this.#dir, `${process.pid}-${randomUUID()}.${match[2]!.toLowerCase()}`);
    try {
      await writeAll(file, params.values as AsyncIterable<Uint8Array | string>);
      const { values: _, ...rest } = params;
      return await this.#inner.exec({ ...rest, query: `${match[1]} SELECT * FROM file(${stringLiteral(file)}, '${match[2]}')` });
    } finally {
      await unlink(file).catch(() => {});
    }
  }

  /**
   * Creates the staging directory once and removes the files of processes that no longer run
   * (files are named after their process: another live process's inserts are left alone).
   */
  #prepare(): void {
    if (this.#prepared) return;
    mkdirSync(this.#dir, { recursive: true });
    for (const name of readdirSync(this.#dir)) {
      const pid = Number.parseInt(name, 10);
      if (!isRunning(pid)) rmSync(join(this.#dir, name), { force: true });
    }
    this.#prepared = true;
  }
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Writes a body to `file` with one vectored write in libuv's pool, off the JavaScript thread (at
 * ingest rates, writing it synchronously took about 3% of that thread). The file only goes to the
 * page cache: it is read back at once and removed. Each of the three requests (open, write, close)
 * completes through the event loop, so it waits for whatever the loop is running; a collector
 * yields between the parts of a batch it processes, so that is milliseconds, and an insert is not
 * what holds the next batch back.
 */
async function writeAll(file: string, body: AsyncIterable<Uint8Array | string>): Promise<void> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(data);
    bytes += data.byteLength;
  }
  const handle = await open(file, 'w');
  try {
    // libuv goes on after a short write until every buffer is written.
    const { bytesWritten } = await handle.writev(chunks);
    if (bytesWritten !== bytes) throw new Error(`short write to ${file} (${bytesWritten} of ${bytes} bytes)`);
  } finally {
    await handle.close();
  }
}

/** A ClickHouse string literal. */
function stringLiteral(value: string): string {
  return `'${value.replace(/[\\']/g, (ch) => `\\${ch}`)}'`;
}
