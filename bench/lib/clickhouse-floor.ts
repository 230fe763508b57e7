/**
 * The CPU embedded ClickHouse alone spends to store the collector's rows, run as its own process by
 * ingest.bench.ts. The same requests the collector is sent go through the collector's processors and
 * its ClickHouse exporter's Native encoding first, untimed; then the encoded blocks are inserted
 * (otel_traces with its trace-id view, genai_calls with the rollup views, genai_workflows) and the
 * merges that follow are waited out. Only ClickHouse's own threads are counted, so the figure is
 * what any collector storing these tables in this ClickHouse pays per span, whatever its language.
 *
 * argv: requests, spans per request, requests per INSERT. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedClient, migrate } from '../../clickhouse/src/index.ts';
import { decodeTraceRequestProtobuf } from '../../collector/src/otlp/protobuf-decode.ts';
import { Pipeline } from '../../collector/src/pipeline/pipeline.ts';
import { benchProcessors } from './processors.ts';
import { createClickHouseExporter } from '../../collector/src/exporters/clickhouse/index.ts';
import { genAiTraceRequest } from '../../collector/test/fixtures/otlp-fixtures.ts';
import { cpuByGroup, cpuSince } from './thread-cpu.ts';

const [requests, perRequest, perInsert] = process.argv.slice(2).map(Number) as [number, number, number];
const dir = mkdtempSync(join(tmpdir(), 'spendtrace-bench-floor-'));
const client = createEmbeddedClient(dir);
await migrate(client, { database: 'default' });
const exporter = createClickHouseExporter({ client, database: 'default', migrate: false });
await exporter.start();
const pipeline = new Pipeline(benchProcessors(), []);

// Encoded as the collector's consumer encodes them: one prepared part per request, one INSERT per group.
const inserts: unknown[][] = [];
for (let i = 0; i < requests; i += perInsert) {
  const parts: unknown[] = [];
  for (let r = i; r < Math.min(requests, i + perInsert); r++) {
    const spans = decodeTraceRequestProtobuf(genAiTraceRequest(perRequest, { seed: r + 1 })).spans;
    parts.push(exporter.prepare(await pipeline.process({ spans, calls: [], workflows: [] })));
  }
  if (i + perInsert >= requests) parts.push(exporter.prepare(await pipeline.flush()));
  inserts.push(parts);
}

async function count(query: string): Promise<number> {
  const rows = await (await client.query({ query, format: 'JSONEachRow' })).json<{ n: string }>();
  return Number(rows[0]!.n);
}

const before = cpuByGroup('self');
const started = performance.now();
for (const parts of inserts) await exporter.exportPrepared(parts);
const insertedMs = performance.now() - started;
// Merges are part of storing rows for good: wait until none runs and the part count holds still.
let parts = -1;
for (;;) {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const running = await count('SELECT count() AS n FROM system.merges');
  const now = await count('SELECT count() AS n FROM system.parts WHERE active');
  if (running === 0 && now === parts) break;
  parts = now;
}
const spent = cpuSince(before, cpuByGroup('self'));
const stored = await count('SELECT count() AS n FROM genai_calls');
await exporter.shutdown();
await client.close();
rmSync(dir, { recursive: true, force: true });
const spans = requests * perRequest;
if (stored !== spans) throw new Error(`stored ${stored} calls, expected ${spans}`);
const usPerSpan = (group: string) => Number((((spent.find(([g]) => g === group)?.[1] ?? 0) * 1e6) / spans).toFixed(1));
process.stdout.write(
  JSON.stringify({ spans, insertedMs: Math.round(insertedMs), queriesUs: usPerSpan('ClickHouse queries'), mergesUs: usPerSpan('ClickHouse merges'), ioUs: usPerSpan('libuv I/O') }) + '\n',
);
