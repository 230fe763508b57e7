/**
 * The ClickHouse exporter: writes spans to `otel_traces`, priced calls to `genai_calls` and
 * workflow sums to `genai_workflows`, in the spirit of the OpenTelemetry Collector's exporters
 * (start → export* → shutdown, batching and retry-on-failure inside the component).
 *
 * - Batching: rows accumulate per table and go out as one INSERT when `maxRows` or `maxBytes` is
 *   reached or `maxDelayMs` after the first pending row (0: at the end of the current event-loop
 *   turn, which still merges concurrent exports).
 * - Idempotence: each INSERT carries an `insert_deduplication_token` derived from the table and the
 *   exact rows (their XXH3-128 hash), so an insert retried after an ambiguous failure (timeout,
 *   dropped connection) or a batch exported again after a crash is stored once (`non_replicated_deduplication_window` on the
 *   tables; Replicated tables deduplicate natively), and with
 *   `deduplicate_blocks_in_dependent_materialized_views` the rollups fed by materialized views drop
 *   the retried block too. The settings are put in the INSERT's own SETTINGS
 *   clause: embedded ClickHouse applies client-level settings to its whole session, which would let
 *   a stale token swallow later inserts.
 * - `export(batch)` resolves once every row of the batch is committed, and rejects with the
 *   insert's error if a row could not be (non-retryable error, or retries exhausted).
 * - Format: `prepare()` encodes rows into ClickHouse's Native format (./blocks.ts, a block per table
 *   per prepared part) and inserts name the columns explicitly. `export(batch)` prepares the batch
 *   itself; the consumer prepares a large batch part by part and exports the parts together. Native is columnar binary: parsing it
 *   costs ClickHouse a small fraction of any text format (bench/clickhouse-export.bench.ts measures
 *   both), which matters most for embedded ClickHouse, where that work shares the collector's cores.
 * - The blocks are the INSERT's body (`FORMAT Native`): to a server over HTTP, to embedded ClickHouse
 *   through the staging its connection does for binary formats (@spendtrace/clickhouse `embedded.ts`).
 */
import { createXXHash128, type IHasher } from 'hash-wasm';
import { Readable } from 'node:stream';
import { drainStream, type ClickHouseClient } from '@clickhouse/client';
import { hasQuerySetting, migrate as runMigrations, TABLES } from '@spendtrace/clickhouse';
import type { Exporter, PipelineBatch } from '../../model.ts';
import { CALL_COLUMNS, encodeBlock, SPAN_COLUMNS, WORKFLOW_COLUMNS, type Column } from './blocks.ts';
import { BufferPool } from '../../buffer-pool.ts';
import { DEFAULT_RETRY, isRetryableError, withRetries, type RetryOptions } from './retry.ts';

export interface BatchOptions {
  /** Rows per INSERT at most; more pending rows start an insert at once. */
  maxRows: number;
  /** Encoded bytes per INSERT at most (Native); more pending bytes start an insert at once. */
  maxBytes: number;
  /** How long rows may wait for more rows before they are inserted (ms). */
  maxDelayMs: number;
}

export const DEFAULT_BATCH: BatchOptions = { maxRows: 50_000, maxBytes: 32 * 1024 * 1024, maxDelayMs: 0 };

export interface MigrateOnStart {
  /** Cluster name for ON CLUSTER DDL (server deployments only). */
  cluster?: string;
  /** Retention of raw tables in days (0 removes it). */
  ttlDays?: number;
  /** Retention of rollups in days (0 removes it). */
  rollupTtlDays?: number;
}

/** Hooks for self-telemetry (Prometheus counters live with the caller). */
export interface ExporterTelemetry {
  /** Rows committed to `table` by one INSERT. */
  onRowsExported?(table: string, rows: number): void;
  /** An INSERT into `table` failed and will be retried after `delayMs`. */
  onRetry?(table: string, attempt: number, error: unknown, delayMs: number): void;
  /** An INSERT into `table` failed for good; its `rows` rows were not written. */
  onFailed?(table: string, rows: number, error: unknown): void;
}

export interface ClickHouseExporterOptions {
  /** A writer client (see `openStore`); the exporter does not close it. */
  client: ClickHouseClient;
  /** Database holding the spendtrace tables. */
  database: string;
  batch?: Partial<BatchOptions>;
  retry?: Partial<RetryOptions>;
  /** Apply pending migrations in `start()`: true (default), false, or with cluster/TTL options. */
  migrate?: boolean | MigrateOnStart;
  /**
   * Build the tables' data-skipping indexes (bloom filters over trace ids and attribute maps) in
   * each INSERT (true), or leave them to the merges that follow (false, the default). Merges rewrite
   * a part's indexes anyway, so building them on insert is mostly work thrown away; a part not yet
   * merged is then read without them, which gives the same results. On servers whose release predates
   * the setting (`materialize_skip_indexes_on_insert`), inserts always build them.
   */
  materializeSkipIndexesOnInsert?: boolean;
  telemetry?: ExporterTelemetry;
  /** Replaces the backoff wait (tests). */
  sleep?: (ms: number) => Promise<void>;
}

/** Raised when rows could not be written; `table` and `rows` say which. */
export class ClickHouseExportError extends Error {
  readonly table: string;
  readonly rows: number;
  readonly retryable: boolean;
  constructor(table: string, rows: number, retryable: boolean, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`clickhouse exporter: inserting ${rows} rows into ${table} failed${retryable ? ' after retries' : ''}: ${reason}`, { cause });
    this.name = 'ClickHouseExportError';
    this.table = table;
    this.rows = rows;
    this.retryable = retryable;
  }
}

/** One export call waiting for its rows to be committed. */
interface Ticket {
  chunks: number;
  settled: boolean;
  resolve(): void;
  reject(err: unknown): void;
}

/** One Native block of rows for one table. */
interface EncodedBlock {
  bytes: Buffer;
  rows: number;
}

/** A batch encoded for the tables (see `prepare`). */
export type PreparedRows = Record<(typeof TABLE_ORDER)[number], EncodedBlock[]>;

/** A block waiting for its insert, with the export it belongs to. */
interface Block extends EncodedBlock {
  ticket: Ticket;
}

interface Chunk {
  table: string;
  /** The blocks, until their insert has finished. */
  blocks: Buffer[];
  /** The deduplication token, made when the chunk's turn comes and kept for its retries. */
  token: string;
  rows: number;
  tickets: Set<Ticket>;
}

/** The query setting that, at 0, leaves building skip indexes to merges (recent ClickHouse releases). */
const DEFER_SKIP_INDEXES = 'materialize_skip_indexes_on_insert';

/** The tables, cost data first: the order in which a flush starts their inserts. */
const TABLE_ORDER = [TABLES.calls, TABLES.workflows, TABLES.traces] as const;

/** The column list of each table's INSERT, in the order the block encoders write the columns. */
const COLUMNS: Record<string, string> = {
  [TABLES.calls]: columnList(CALL_COLUMNS),
  [TABLES.workflows]: columnList(WORKFLOW_COLUMNS),
  [TABLES.traces]: columnList(SPAN_COLUMNS),
};

function columnList(columns: readonly Column<never>[]): string {
  return `(${columns.map((c) => `\`${c.name}\``).join(', ')})`;
}

export class ClickHouseExporter implements Exporter {
  readonly name = 'clickhouse';
  readonly #client: ClickHouseClient;
  readonly #database: string;
  readonly #batch: BatchOptions;
  readonly #retry: RetryOptions;
  readonly #migrate: false | MigrateOnStart;
  readonly #materializeSkipIndexesOnInsert: boolean;
  /** Hashes each insert's blocks into its deduplication token; made on first use (WebAssembly). */
  #hasher: IHasher | undefined;
  /** Settings every INSERT carries besides its deduplication token (decided in `start()`). */
  #insertSettings = '';
  readonly #telemetry: ExporterTelemetry;
  readonly #sleep: ((ms: number) => Promise<void>) | undefined;
  readonly #pending = new Map<string, Block[]>();
  #pendingRows = 0;
  #pendingBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #flushChain: Promise<void> = Promise.resolve();
  #closed = false;
  /**
   * The memory blocks are encoded into, used again once the consumer releases a prepared batch (see
   * buffer-pool.ts): about two batches' worth, the one being inserted and the one being prepared.
   */
  readonly #blockBuffers = new BufferPool({ maxPooledBytes: 96 * 1024 * 1024 });

  constructor(options: ClickHouseExporterOptions) {
    this.#client = options.client;
    this.#database = options.database;
    this.#batch = { ...DEFAULT_BATCH, ...options.batch };
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#migrate = options.migrate === false ? false : options.migrate === true || options.migrate === undefined ? {} : options.migrate;
    this.#materializeSkipIndexesOnInsert = options.materializeSkipIndexesOnInsert ?? false;
    this.#telemetry = options.telemetry ?? {};
    this.#sleep = options.sleep;
    validateBatch(this.#batch);
    for (const table of TABLE_ORDER) this.#pending.set(table, []);
  }

  /**
   * Applies pending migrations (unless disabled) so the tables exist before the first insert, and
   * asks the server whether inserts may leave skip indexes to merges.
   */
  async start(): Promise<void> {
    if (this.#migrate !== false) await runMigrations(this.#client, { database: this.#database, ...this.#migrate });
    if (!this.#materializeSkipIndexesOnInsert && (await hasQuerySetting(this.#client, DEFER_SKIP_INDEXES))) this.#insertSettings = `, ${DEFER_SKIP_INDEXES} = 0`;
  }

  export(batch: PipelineBatch): Promise<void> {
    return this.exportPrepared([this.prepare(batch)]);
  }

  /**
   * Encodes a batch into Native blocks, per table, at once: the batch's objects can then be dropped,
   * and the blocks are what `exportPrepared` inserts (also again, unchanged, when an export is retried).
   */
  prepare(batch: PipelineBatch): PreparedRows {
    return {
      [TABLES.calls]: this.#encode(CALL_COLUMNS, batch.calls),
      [TABLES.workflows]: this.#encode(WORKFLOW_COLUMNS, batch.workflows),
      [TABLES.traces]: this.#encode(SPAN_COLUMNS, batch.spans),
    };
  }

  /**
   * Takes back the memory of a prepared part that will not be exported again (its export succeeded):
   * later parts are encoded into it.
   */
  release(prepared: unknown): void {
    const part = prepared as PreparedRows;
    for (const table of TABLE_ORDER) {
      for (const block of part[table]) this.#blockBuffers.give(backingBuffer(block.bytes));
      part[table] = [];
    }
  }

  /** Inserts prepared parts, in order; resolves once every row of them is committed. */
  exportPrepared(parts: readonly unknown[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('clickhouse exporter: export after shutdown'));
    const prepared = parts as readonly PreparedRows[];
    if (prepared.every((part) => TABLE_ORDER.every((table) => part[table].length === 0))) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const ticket: Ticket = { chunks: 0, settled: false, resolve, reject };
      for (const table of TABLE_ORDER) {
        const pending = this.#pending.get(table)!;
        for (const part of prepared) {
          for (const block of part[table]) {
            pending.push({ bytes: block.bytes, rows: block.rows, ticket });
            this.#pendingBytes += block.bytes.length;
            this.#pendingRows += block.rows;
          }
        }
      }
      if (this.#pendingRows >= this.#batch.maxRows || this.#pendingBytes >= this.#batch.maxBytes) {
        void this.flush();
      } else if (this.#timer === undefined) {
        this.#timer = setTimeout(() => void this.flush(), this.#batch.maxDelayMs);
      }
    });
  }

  /** Inserts everything pending now; resolves when those inserts have finished (either way). */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const chunks = this.#takeChunks();
    if (chunks.length === 0) return this.#flushChain;
    // One flush at a time keeps each table's inserts in export order and bounds concurrent writes.
    this.#flushChain = this.#flushChain.then(() => this.#insertChunks(chunks));
    return this.#flushChain;
  }

  /** Writes what is pending, then refuses further exports. The client stays open (its owner closes it). */
  async shutdown(): Promise<void> {
    await this.flush();
    this.#closed = true;
    await this.#flushChain;
  }

  #encode<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): EncodedBlock[] {
    const blocks: EncodedBlock[] = [];
    for (let from = 0; from < rows.length; from += this.#batch.maxRows) {
      this.#encodeBlock(columns, rows, from, Math.min(rows.length, from + this.#batch.maxRows), blocks);
    }
    return blocks;
  }

  /**
   * Encodes rows `from`..`to` as one block, halved until it fits `maxBytes` (a single row always
   * fits), so every chunk can honour both limits.
   */
  #encodeBlock<Row>(columns: readonly Column<Row>[], rows: readonly Row[], from: number, to: number, into: EncodedBlock[]): void {
    const bytes = encodeBlock(columns, rows, from, to, this.#blockBuffers);
    if (bytes.length > this.#batch.maxBytes && to - from > 1) {
      this.#blockBuffers.give(backingBuffer(bytes));
      const middle = from + Math.ceil((to - from) / 2);
      this.#encodeBlock(columns, rows, from, middle, into);
      this.#encodeBlock(columns, rows, middle, to, into);
      return;
    }
    into.push({ bytes, rows: to - from });
  }

  /** Groups everything pending into INSERT-sized chunks, recording which exports each one carries. */
  #takeChunks(): Chunk[] {
    const chunks: Chunk[] = [];
    for (const table of TABLE_ORDER) {
      const pending = this.#pending.get(table)!;
      let chunk: Chunk | undefined;
      let bytes = 0;
      for (const block of pending) {
        if (chunk === undefined || chunk.rows + block.rows > this.#batch.maxRows || bytes + block.bytes.length > this.#batch.maxBytes) {
          chunk = { table, blocks: [], token: '', rows: 0, tickets: new Set() };
          chunks.push(chunk);
          bytes = 0;
        }
        chunk.blocks.push(block.bytes);
        chunk.rows += block.rows;
        bytes += block.bytes.length;
        if (!chunk.tickets.has(block.ticket)) {
          chunk.tickets.add(block.ticket);
          block.ticket.chunks++;
        }
      }
      this.#pending.set(table, []);
    }
    this.#pendingRows = 0;
    this.#pendingBytes = 0;
    return chunks;
  }

  /**
   * Inserts a flush's chunks: each table's in order, the tables side by side. Each insert finishes
   * through the event loop, which processing holds for a while at a time, so inserting the three
   * tables one after another made a flush wait for it three times over.
   */
  async #insertChunks(chunks: Chunk[]): Promise<void> {
    const byTable = new Map<string, Chunk[]>();
    for (const chunk of chunks) {
      const list = byTable.get(chunk.table);
      if (list) list.push(chunk);
      else byTable.set(chunk.table, [chunk]);
    }
    await Promise.all([...byTable.values()].map((list) => this.#insertInOrder(list)));
  }

  async #insertInOrder(chunks: Chunk[]): Promise<void> {
    for (const chunk of chunks) {
      try {
        // XXH3-128 hashes the blocks about five times as fast as SHA-256, which took 3% of the
        // JavaScript thread. The token only has to tell inserts apart, not resist crafted
        // collisions: a client cannot know the other rows of the block its spans end up in.
        // Synchronous from init to digest, so the tables' inserts can share one hasher.
        const hash = (this.#hasher ??= await createXXHash128()).init().update(chunk.table).update('\n');
        for (const block of chunk.blocks) hash.update(block);
        chunk.token = hash.digest('hex');
        await withRetries(() => this.#insert(chunk), this.#retry, {
          onRetry: (attempt, error, delayMs) => this.#telemetry.onRetry?.(chunk.table, attempt, error, delayMs),
          ...(this.#sleep ? { sleep: this.#sleep } : {}),
        });
        this.#telemetry.onRowsExported?.(chunk.table, chunk.rows);
        // Committed: the rows need not stay in memory while the flush's later chunks are inserted.
        chunk.blocks = [];
        for (const ticket of chunk.tickets) {
          if (--ticket.chunks === 0 && !ticket.settled) {
            ticket.settled = true;
            ticket.resolve();
          }
        }
      } catch (err) {
        this.#telemetry.onFailed?.(chunk.table, chunk.rows, err);
        chunk.blocks = [];
        const error = new ClickHouseExportError(chunk.table, chunk.rows, isRetryableError(err), err);
        for (const ticket of chunk.tickets) {
          ticket.chunks--;
          if (!ticket.settled) {
            ticket.settled = true;
            ticket.reject(error);
          }
        }
      }
    }
  }

  async #insert(chunk: Chunk): Promise<void> {
    const result = await this.#client.exec({
      query: `INSERT INTO \`${this.#database}\`.\`${chunk.table}\` ${COLUMNS[chunk.table]} SETTINGS insert_deduplication_token = '${chunk.token}', deduplicate_blocks_in_dependent_materialized_views = 1${this.#insertSettings} FORMAT Native`,
      values: Readable.from(chunk.blocks),
    });
    // Over HTTP the response body must be read for the socket to be reused.
    await drainStream(result.stream);
  }
}

/** The whole pooled buffer a block (a view of it from offset 0) was encoded into. */
function backingBuffer(block: Buffer): Buffer {
  return Buffer.from(block.buffer, 0, block.buffer.byteLength);
}

export function createClickHouseExporter(options: ClickHouseExporterOptions): ClickHouseExporter {
  return new ClickHouseExporter(options);
}

function validateBatch(batch: BatchOptions): void {
  for (const key of ['maxRows', 'maxBytes'] as const) {
    if (!Number.isInteger(batch[key]) || batch[key] <= 0) {
      throw new Error(`clickhouse exporter: batch.${key} must be a positive integer, got ${batch[key]}`);
    }
  }
  if (!Number.isFinite(batch.maxDelayMs) || batch.maxDelayMs < 0) {
    throw new Error(`clickhouse exporter: batch.maxDelayMs must be a non-negative number of milliseconds, got ${batch.maxDelayMs}`);
  }
}
