/**
 * Throughput of the ClickHouse exporter alone, on embedded ClickHouse (chdb): realistic GenAI
 * batches (decoded from OTLP protobuf, normalized and priced once, before timing) go through
 * `exporter.export()` until their `otel_traces` and `genai_calls` rows are committed (with the
 * trace-id lookup view, the rollup views and deduplication tokens, as in production).
 *
 * Baselines, measured in the same run on the same rows, each with the exporter's insert settings:
 *   - raw INSERT of pre-built JSONEachRow text: what chdb costs for these rows in the format the
 *     exporter used to send, with no encoding in JavaScript at all;
 *   - raw INSERT of pre-built TabSeparated text: the same floor for the text format it sent next;
 *   - raw INSERT of pre-built Native blocks (ClickHouse's own encoding, LowCardinality columns
 *     included): the floor for the format it sends now, with no encoding in JavaScript at all.
 * The pre-built bodies are produced by ClickHouse itself from the exported rows, so all four store
 * identical data. Every contender writes into its own database in every round, so deduplication
 * tokens never turn a repeated insert into a no-op. Prints span+call pairs per second (best of
 * interleaved rounds: on a shared machine interference only slows a round down), ratios to the
 * JSONEachRow baseline and peak RSS; the last line is a JSON summary.
 *
 * Knobs: BENCH_BATCHES (default 3), BENCH_BATCH_SPANS (spans per export call, default 10000),
 * BENCH_ROUNDS (default 3).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createEmbeddedClient, migrate, TABLES } from '../clickhouse/src/index.ts';
import { defaultCatalog } from '../packages/pricing/src/index.ts';
import { decodeTraceRequestProtobuf } from '../collector/src/otlp/protobuf-decode.ts';
import { NormalizeProcessor } from '../collector/src/processors/normalize/normalize.ts';
import { PriceProcessor } from '../collector/src/processors/price.ts';
import { createClickHouseExporter } from '../collector/src/exporters/clickhouse/index.ts';
import { genAiTraceRequest } from '../collector/test/fixtures/otlp-fixtures.ts';
import type { PipelineBatch } from '../collector/src/model.ts';

const BATCHES = Number(process.env.BENCH_BATCHES ?? 3);
const BATCH_SPANS = Number(process.env.BENCH_BATCH_SPANS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PAIRS = BATCHES * BATCH_SPANS;

const normalize = new NormalizeProcessor();
const price = new PriceProcessor(defaultCatalog());
const batches: PipelineBatch[] = [];
for (let i = 0; i < BATCHES; i++) {
  const spans = decodeTraceRequestProtobuf(genAiTraceRequest(BATCH_SPANS, { seed: i + 1 })).spans;
  const batch = price.process(await normalize.process({ spans, calls: [], workflows: [] }));
  if (batch.calls.length !== BATCH_SPANS) throw new Error(`expected ${BATCH_SPANS} calls, got ${batch.calls.length}`);
  batches.push(batch);
}

const dir = mkdtempSync(join(tmpdir(), 'spendtrace-bench-export-'));
const client = createEmbeddedClient(dir);
let databases = 0;
async function freshDatabase(): Promise<string> {
  const database = `bench_${databases++}`;
  await migrate(client, { database });
  return database;
}

// The pre-built texts, in ClickHouse's own rendering of the rows the exporter stores.
const source = await freshDatabase();
const seed = createClickHouseExporter({ client, database: source, migrate: false });
for (const batch of batches) await seed.export(batch);
await seed.shutdown();
type Format = 'JSONEachRow' | 'TabSeparated' | 'Native';
const tables = [TABLES.calls, TABLES.traces];
async function prebuilt(format: Format): Promise<Map<string, Array<string | Buffer>>> {
  const out = new Map<string, Array<string | Buffer>>();
  for (const table of tables) {
    const bodies: Array<string | Buffer> = [];
    // One body per batch, cut by the seed that tells the batches' trace ids apart.
    for (let i = 0; i < BATCHES; i++) {
      const idColumn = table === TABLES.traces ? 'TraceId' : 'trace_id';
      const select = `SELECT * FROM ${source}.${table} WHERE startsWith(${idColumn}, '${(i + 1).toString(16).padStart(8, '0')}')`;
      if (format === 'Native') {
        const file = join(dir, `prebuilt-${table}-${i}.native`);
        await client.command({ query: `${select} INTO OUTFILE '${file}' FORMAT Native` });
        bodies.push(readFileSync(file));
      } else {
        bodies.push(await (await client.query({ query: select, format })).text());
      }
    }
    out.set(table, bodies);
  }
  return out;
}
const texts: Record<Format, Map<string, Array<string | Buffer>>> = {
  JSONEachRow: await prebuilt('JSONEachRow'),
  TabSeparated: await prebuilt('TabSeparated'),
  Native: await prebuilt('Native'),
};
for (const format of ['JSONEachRow', 'TabSeparated'] as const) {
  const rows = texts[format].get(TABLES.traces)!.reduce((n, text) => n + String(text).split('\n').length - 1, 0);
  if (rows !== PAIRS) throw new Error(`pre-built ${format} text holds ${rows} spans, expected ${PAIRS}`);
}

let token = 0;
async function rawInsert(format: Format): Promise<void> {
  const database = await freshDatabase();
  const started = performance.now();
  for (let i = 0; i < BATCHES; i++) {
    for (const table of tables) {
      const result = await client.exec({
        query: `INSERT INTO ${database}.${table} SETTINGS insert_deduplication_token = 'bench-${token++}', deduplicate_blocks_in_dependent_materialized_views = 1 FORMAT ${format}`,
        values: Readable.from([texts[format].get(table)![i]!]),
      });
      result.stream.resume();
    }
  }
  return record(started);
}

async function exporter(): Promise<void> {
  const database = await freshDatabase();
  const started = performance.now();
  const exp = createClickHouseExporter({ client, database, migrate: false });
  for (const batch of batches) await exp.export(batch);
  await exp.shutdown();
  return record(started);
}

let lastRate = 0;
function record(started: number): void {
  lastRate = PAIRS / ((performance.now() - started) / 1000);
}

const contenders = [
  { name: 'baseline raw INSERT, JSONEachRow text', run: () => rawInsert('JSONEachRow'), best: 0 },
  { name: 'raw INSERT, TabSeparated text', run: () => rawInsert('TabSeparated'), best: 0 },
  { name: 'raw INSERT, Native (ClickHouse-encoded)', run: () => rawInsert('Native'), best: 0 },
  { name: 'exporter.export() (Native encode + insert)', run: exporter, best: 0 },
];
for (let round = 0; round < ROUNDS; round++) {
  for (const contender of contenders) {
    await contender.run();
    contender.best = Math.max(contender.best, lastRate);
  }
}
await client.close();
rmSync(dir, { recursive: true, force: true });

const baseline = contenders[0]!.best;
const format = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(9);
console.log(`clickhouse-export: ${BATCHES} batches × ${BATCH_SPANS} GenAI spans + calls, embedded ClickHouse, best of ${ROUNDS} rounds`);
for (const contender of contenders) {
  console.log(`  ${contender.name.padEnd(40)} ${format(contender.best)} pairs/s   ${(contender.best / baseline).toFixed(2)}x`);
}
const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(`  peak RSS ${peakRssMiB} MiB (includes the prepared batches and pre-built texts)`);
console.log(
  JSON.stringify({
    bench: 'clickhouse-export',
    batches: BATCHES,
    batchSpans: BATCH_SPANS,
    baselineJsonEachRowPairsPerSec: Math.round(baseline),
    rawTabSeparatedPairsPerSec: Math.round(contenders[1]!.best),
    rawNativePairsPerSec: Math.round(contenders[2]!.best),
    exporterPairsPerSec: Math.round(contenders[3]!.best),
    exporterVsBaseline: Number((contenders[3]!.best / baseline).toFixed(2)),
    peakRssMiB,
  }),
);
