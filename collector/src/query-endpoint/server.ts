/**
 * A read-only endpoint that speaks ClickHouse's HTTP interface, served by the collector while it
 * holds the embedded store (chdb locks its directory to one process, so this is how the CLI,
 * Grafana or any ClickHouse client reads it meanwhile).
 *
 * Supported: GET/POST `/?query=...` and the query (or its continuation) in a POST body,
 * `default_format`, `database`, `param_<name>` parameters, `FORMAT` clauses, `/ping`.
 * Responses and errors look like ClickHouse's (X-ClickHouse-Format, X-ClickHouse-Exception-Code,
 * "Code: N. DB::Exception: ... (NAME)" bodies), so ClickHouse clients parse them.
 * Other settings in the URL are ignored; writes and DDL are refused twice: by a statement check up
 * front and by the session's `readonly = 1`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient, DataFormat } from '@clickhouse/client';
import { assertIdentifier } from '@spendtrace/clickhouse';
import { checkReadOnlyStatement, formatClause } from './sql-guard.ts';

export interface QueryEndpointOptions {
  /**
   * A read-only client on the embedded store (`Store.openReadOnlyClient()`); the endpoint switches
   * its current database per request, so it must not be shared with other users.
   */
  client: ClickHouseClient;
  /** Database for requests that name none. */
  database: string;
  /** Interface to listen on (default 127.0.0.1: the endpoint has no authentication). */
  host?: string;
  /** Port (default 0: an ephemeral port; read the chosen one from `url`). */
  port?: number;
  /** Largest accepted query text in bytes (default 1 MiB). */
  maxQueryBytes?: number;
}

export interface QueryEndpoint {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  port: number;
  /** Stops accepting requests and waits for running ones. Does not close the client. */
  close(): Promise<void>;
}

const DEFAULT_FORMAT = 'TabSeparated';

class EndpointError extends Error {
  readonly status: number;
  readonly code: number;
  readonly type: string;
  constructor(status: number, code: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.type = type;
  }
}

export async function startQueryEndpoint(options: QueryEndpointOptions): Promise<QueryEndpoint> {
  assertIdentifier('database', options.database);
  const maxQueryBytes = options.maxQueryBytes ?? 1024 * 1024;
  // The session's current database is per session, so requests take turns on it.
  let queue: Promise<unknown> = Promise.resolve();
  const serialize = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => sendError(res, err));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/ping' || (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' });
      res.end('Ok.\n');
      return;
    }
    if (url.pathname !== '/') throw new EndpointError(404, 0, 'NOT_FOUND', `There is no handler for ${url.pathname}`);
    if (req.method !== 'GET' && req.method !== 'POST') {
      throw new EndpointError(405, 0, 'METHOD_NOT_ALLOWED', `method ${req.method} is not allowed`);
    }

    const body = req.method === 'POST' ? await readBody(req, maxQueryBytes) : '';
    const fromUrl = url.searchParams.get('query') ?? '';
    // As in ClickHouse: the URL's query, then the body, joined by a newline.
    const sql = [fromUrl, body].filter((s) => s.trim() !== '').join('\n');
    if (Buffer.byteLength(sql) > maxQueryBytes) throw new EndpointError(413, 0, 'QUERY_TOO_LARGE', `query is larger than ${maxQueryBytes} bytes`);
    if (sql.trim() === '') throw new EndpointError(400, 62, 'SYNTAX_ERROR', 'Empty query');

    const check = checkReadOnlyStatement(sql);
    if (!check.ok) throw new EndpointError(403, 164, 'READONLY', `Cannot execute query in readonly mode: ${check.reason}`);

    const database = url.searchParams.get('database') || options.database;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new EndpointError(400, 81, 'UNKNOWN_DATABASE', `invalid database name "${database}"`);

    const defaultFormat = url.searchParams.get('default_format') || DEFAULT_FORMAT;
    const format = formatClause(sql) ?? defaultFormat;
    const queryParams: Record<string, string> = {};
    for (const [key, value] of url.searchParams) {
      if (key.startsWith('param_')) queryParams[key.slice('param_'.length)] = value;
    }
    const queryId = url.searchParams.get('query_id') || randomUUID();

    const output = await serialize(async () => {
      await options.client.command({ query: `USE \`${database}\`` });
      const result = await options.client.exec({
        query: sql,
        query_id: queryId,
        clickhouse_settings: { default_format: defaultFormat as DataFormat },
        ...(Object.keys(queryParams).length > 0 ? { query_params: queryParams } : {}),
      });
      const chunks: Buffer[] = [];
      for await (const chunk of result.stream) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks);
    });

    res.writeHead(200, {
      'Content-Type': contentType(format),
      'X-ClickHouse-Format': format,
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Server-Display-Name': 'spendtrace',
      'X-ClickHouse-Timezone': 'UTC',
      'Content-Length': String(output.length),
    });
    res.end(output);
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new EndpointError(413, 0, 'QUERY_TOO_LARGE', `query is larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** ClickHouse's mapping of common exception codes to HTTP statuses; the rest are 500. */
const STATUS_BY_CODE: Record<string, number> = {
  '36': 400, // BAD_ARGUMENTS
  '43': 400, // ILLEGAL_TYPE_OF_ARGUMENT
  '46': 404, // UNKNOWN_FUNCTION
  '47': 404, // UNKNOWN_IDENTIFIER
  '53': 400, // TYPE_MISMATCH
  '60': 404, // UNKNOWN_TABLE
  '62': 400, // SYNTAX_ERROR
  '81': 404, // UNKNOWN_DATABASE
  '164': 403, // READONLY
  '456': 400, // UNKNOWN_QUERY_PARAMETER
  '457': 400, // BAD_QUERY_PARAMETER
};

function sendError(res: ServerResponse, err: unknown): void {
  let status = 500;
  let code = '1001';
  let type = 'STD_EXCEPTION';
  let message = err instanceof Error ? err.message : String(err);
  if (err instanceof EndpointError) {
    status = err.status;
    code = String(err.code);
    type = err.type;
  } else if (err instanceof Error) {
    const details = err as Error & { code?: unknown; type?: unknown };
    if (typeof details.code === 'string' && /^\d+$/.test(details.code)) {
      code = details.code;
      if (typeof details.type === 'string') type = details.type;
      status = STATUS_BY_CODE[code] ?? 500;
    }
  }
  message = message.replace(/\s+$/, '');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=UTF-8',
    'X-ClickHouse-Exception-Code': code,
  });
  res.end(`Code: ${code}. DB::Exception: ${message}. (${type}) (spendtrace query endpoint)\n`);
}

function contentType(format: string): string {
  const f = format.toLowerCase();
  if (f.startsWith('json')) return 'application/json; charset=UTF-8';
  if (f.startsWith('csv')) return 'text/csv; charset=UTF-8; header=absent';
  if (f.startsWith('tabseparated') || f.startsWith('tsv')) return 'text/tab-separated-values; charset=UTF-8';
  if (f === 'parquet' || f === 'arrow' || f === 'native' || f.startsWith('rowbinary')) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}
