/**
 * End-to-end ingest: OTLP/HTTP protobuf requests into a `spendtrace collector` process until every
 * call row is committed in embedded ClickHouse, next to rates measured in the same run on the same
 * requests:
 *   - decode only (the protobuf decoder: the floor of any ingest path),
 *   - decode + processors in this process (normalize, price, dedupe, workflow; no storage),
 *   - ClickHouse alone: the CPU embedded ClickHouse spends storing the same rows, encoded beforehand
 *     and inserted in the collector's largest batches by a process of its own, merges included
 *     (./lib/clickhouse-floor.ts).
 * From decode, ClickHouse alone and this process's own CPU while sending, it prints the floor per
 * span that no ingest path on this machine avoids, and what is left at 50,000 spans/s for the rest.
 * Prints spans/s, ratios to the decode-only rate, request latency (p50, p99, max), the collector's
 * peak and final RSS, and the collector's CPU time per span over the run, split by the threads that
 * spent it (JavaScript, V8's garbage collector, embedded ClickHouse's query and merge threads,
 * libuv's I/O threads): on a machine that other work shares, CPU per span is the steadier figure.
 * The last line is a JSON summary.
 *
 * Knobs: BENCH_SPANS (total, default 400000: the collector's bounded state, e.g. the dedupe seen-set of
 * 200,000 span ids, is full for the second half of the run, as in a collector that has run a while), BENCH_SPANS_PER_REQUEST (default 1000; the OTel SDK's
 * batch processor sends up to 512), BENCH_CONCURRENCY (requests in flight, default 4), BENCH_BATCH_BYTES
 * (the collector's queue.batch_max_bytes; default: the collector's own).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeTraceRequestProtobuf } from '../collector/src/otlp/protobuf-decode.ts';
import { genAiTraceRequest } from '../collector/test/fixtures/otlp-fixtures.ts';
import { Pipeline } from '../collector/src/pipeline/pipeline.ts';
import { benchProcessors } from './lib/processors.ts';
import { cpuByGroup, cpuSecondsOf, cpuSince } from './lib/thread-cpu.ts';

const TOTAL = Number(process.env.BENCH_SPANS ?? 400_000);
const PER_REQUEST = Number(process.env.BENCH_SPANS_PER_REQUEST ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const REQUESTS = Math.ceil(TOTAL / PER_REQUEST);
const ROOT = fileURLToPath(new URL('../', import.meta.url));

const bodies: Uint8Array[] = [];
for (let i = 0; i < REQUESTS; i++) bodies.push(genAiTraceRequest(PER_REQUEST, { seed: i + 1 }));
const spans = REQUESTS * PER_REQUEST;
const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
process.stdout.write(`${REQUESTS} requests × ${PER_REQUEST} GenAI spans (${mib(bodies.reduce((s, b) => s + b.length, 0))} MiB protobuf)\n`);

// 1. Decode only.
let t = performance.now();
let decoded = 0;
for (const b of bodies) decoded += decodeTraceRequestProtobuf(b).spans.length;
const decodeRate = decoded / ((performance.now() - t) / 1000);

// 2. Decode + processors, no storage. In a function, so their state is garbage before the collector
// runs and this process's GC does not compete with it.
async function processAll(): Promise<number> {
  const pipeline = new Pipeline(benchProcessors(), []);
  let normalized = 0;
  for (const b of bodies) normalized += (await pipeline.process({ spans: decodeTraceRequestProtobuf(b).spans, calls: [], workflows: [] })).calls.length;
  return normalized;
}
t = performance.now();
const calls = await processAll();
const processRate = spans / ((performance.now() - t) / 1000);
if (calls !== spans) throw new Error(`expected ${spans} calls, normalized ${calls}`);

// 3. ClickHouse alone: the same rows, encoded beforehand, inserted in the collector's largest batches
// (a full queue batch of requests per INSERT) in a process of its own, merges waited out.
const bodyBytes = bodies.reduce((sum, b) => sum + b.length, 0) / bodies.length;
const requestsPerInsert = Math.max(1, Math.floor((Number(process.env.BENCH_BATCH_BYTES) || 32 * 1024 * 1024) / bodyBytes));
const floorRun = spawnSync(process.execPath, [join(ROOT, 'bench/lib/clickhouse-floor.ts'), String(REQUESTS), String(PER_REQUEST), String(requestsPerInsert)], { encoding: 'utf8' });
if (floorRun.status !== 0) throw new Error(`ClickHouse floor run failed:\n${floorRun.stdout}${floorRun.stderr}`);
const floor = JSON.parse(floorRun.stdout.trim().split('\n').pop()!) as { queriesUs: number; mergesUs: number; ioUs: number };
const clickHouseUs = floor.queriesUs + floor.mergesUs;

// 4. End to end through a collector process.
const dir = mkdtempSync(join(tmpdir(), 'spendtrace-bench-ingest-'));
const config = join(dir, 'spendtrace.yaml');
const batchBytes = process.env.BENCH_BATCH_BYTES ? `queue:\n  batch_max_bytes: ${process.env.BENCH_BATCH_BYTES}\n` : '';
writeFileSync(config, `processors:\n  workflow:\n    quiet_window: 1s\n${batchBytes}`);
const child = spawn(process.execPath, [join(ROOT, 'collector/bin/spendtrace.js'), 'collector', '--data-dir', dir, '--config', config, '--otlp-http-endpoint', '127.0.0.1:0', '--metrics-endpoint', ''], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
let out = '';
child.stdout.on('data', (d: Buffer) => (out += d));
child.stderr.on('data', (d: Buffer) => (out += d));
const exited = new Promise<number | null>((r) => child.on('exit', r));
const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`collector not ready:\n${out}`)), 60_000);
  child.stdout.on('data', () => {
    const m = /ready otlp=(\S+) query=(\S+)/.exec(out);
    if (m) {
      clearTimeout(timer);
      resolve(m);
    }
  });
});
const [, otlpUrl, queryUrl] = ready;

async function countCalls(): Promise<number> {
  try {
    const res = await fetch(`${queryUrl}/?query=${encodeURIComponent('SELECT count() FROM genai_calls')}`);
    return Number((await res.text()).trim());
  } catch (err) {
    throw new Error(`query endpoint failed (${(err as Error).message}); collector output:\n${out}`);
  }
}

function rssOf(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { peak: kb('VmHWM'), now: kb('VmRSS') };
}

const rssBefore = rssOf(child.pid!);
const cpuBefore = cpuSecondsOf(String(child.pid));
const groupsBefore = cpuByGroup(child.pid!);
const loadCpuBefore = process.cpuUsage();
t = performance.now();
let next = 0;
let retried = 0;
/** Time from sending each request to its answer: what an OTLP exporter waits (its timeout is 10 s). */
const latenciesMs: number[] = [];
/**
 * One POST over a kept-alive connection. node:http rather than fetch: fetch spends about three times
 * the CPU per request, which this process would take from the collector's cores.
 */
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function post(body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${otlpUrl}/v1/traces`, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
async function sender(): Promise<void> {
  while (next < bodies.length) {
    const body = bodies[next++]!;
    for (;;) {
      const sent = performance.now();
      const status = await post(body);
      latenciesMs.push(performance.now() - sent);
      if (status === 200) break;
      if (status !== 429 && status !== 503) throw new Error(`collector answered ${status}`);
      retried++;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
try {
  await Promise.all(Array.from({ length: CONCURRENCY }, sender));
} catch (err) {
  throw new Error(`sending failed (${(err as Error).message}); collector output:\n${out}`);
}
const acceptedMs = performance.now() - t;
let stored = 0;
for (let i = 0; i < 1200 && stored < spans; i++) {
  stored = await countCalls();
  if (stored < spans) await new Promise((r) => setTimeout(r, 50));
}
const committedMs = performance.now() - t;
const rss = rssOf(child.pid!);
const cpuSeconds = cpuSecondsOf(String(child.pid)) - cpuBefore;
const groups = cpuSince(groupsBefore, cpuByGroup(child.pid!));
const loadCpu = process.cpuUsage(loadCpuBefore);
agent.destroy();
child.kill('SIGTERM');
const code = await exited;
rmSync(dir, { recursive: true, force: true });
if (stored !== spans) throw new Error(`only ${stored} of ${spans} calls stored`);
if (code !== 0) throw new Error(`collector exited with ${code}:\n${out}`);

const e2eRate = spans / (committedMs / 1000);
const acceptRate = spans / (acceptedMs / 1000);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
process.stdout.write(`decode only (baseline)          ${fmt(decodeRate).padStart(10)} spans/s  1.00×\n`);
process.stdout.write(`decode + processors             ${fmt(processRate).padStart(10)} spans/s  ${(processRate / decodeRate).toFixed(2)}×\n`);
process.stdout.write(`accepted (durably queued, 200)  ${fmt(acceptRate).padStart(10)} spans/s  ${(acceptRate / decodeRate).toFixed(2)}×\n`);
process.stdout.write(`end to end (rows committed)     ${fmt(e2eRate).padStart(10)} spans/s  ${(e2eRate / decodeRate).toFixed(2)}×  (target 50,000)\n`);
const perSpanUs = (seconds: number) => ((seconds * 1e6) / spans).toFixed(1);
/** The collector's own ClickHouse threads (queries and merges), µs per span. */
const clickHouseFromRun = (spent: ReadonlyArray<readonly [string, number]>) =>
  (spent.filter(([group]) => group.startsWith('ClickHouse')).reduce((sum, [, seconds]) => sum + seconds, 0) * 1e6) / spans;
process.stdout.write(
  `collector CPU: ${perSpanUs(cpuSeconds)} µs per span (${(cpuSeconds / (committedMs / 1000)).toFixed(2)} cores busy): ${groups.map(([group, seconds]) => `${group} ${perSpanUs(seconds)}`).join(', ')}\n`,
);
// What no collector on this machine can avoid: decoding the requests, ClickHouse storing the rows,
// and the load generator sharing the cores. Their sum bounds any ingest path; the rest of the budget
// at the target is what receiving, queueing, processing, encoding and GC may spend together.
const decodeUs = 1e6 / decodeRate;
const loadUs = (loadCpu.user + loadCpu.system) / spans;
const floorUs = decodeUs + clickHouseUs + loadUs;
const cores = availableParallelism();
const restAtTargetUs = (cores * 1e6) / 50_000 - floorUs;
const restNowUs = Number(perSpanUs(cpuSeconds)) - clickHouseFromRun(groups) - decodeUs;
const us = (n: number) => n.toFixed(1);
process.stdout.write(`ClickHouse alone (same rows pre-encoded, ${requestsPerInsert} requests per INSERT, views and merges included): ${us(clickHouseUs)} µs CPU per span\n`);
process.stdout.write(`load generator (this process, while sending): ${us(loadUs)} µs CPU per span\n`);
process.stdout.write(`floor: decode ${us(decodeUs)} + ClickHouse ${us(clickHouseUs)} + load generator ${us(loadUs)} = ${us(floorUs)} µs per span → at most ${fmt((cores * 1e6) / floorUs)} spans/s on ${cores} cores\n`);
process.stdout.write(`at 50,000 spans/s, receive + queue + processors + encoding + GC may take ${us(restAtTargetUs)} µs per span; the collector's take ${us(restNowUs)}\n`);
latenciesMs.sort((a, b) => a - b);
const percentile = (p: number) => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor((p / 100) * latenciesMs.length))]!;
process.stdout.write(`request latency: p50 ${percentile(50).toFixed(0)} ms, p99 ${percentile(99).toFixed(0)} ms, max ${latenciesMs[latenciesMs.length - 1]!.toFixed(0)} ms (${CONCURRENCY} in flight)\n`);
process.stdout.write(`collector RSS: idle ${mib(rssBefore.now)} MiB, peak ${mib(rss.peak)} MiB, after ${mib(rss.now)} MiB; 429/503 retries ${retried}\n`);
process.stdout.write(
  JSON.stringify({ spans, decodeRate: Math.round(decodeRate), processRate: Math.round(processRate), acceptRate: Math.round(acceptRate), e2eRate: Math.round(e2eRate), rssPeakMiB: Number(mib(rss.peak)), cpuUsPerSpan: Number(perSpanUs(cpuSeconds)), clickHouseFloorUsPerSpan: Number(us(clickHouseUs)), loadGeneratorUsPerSpan: Number(us(loadUs)), floorRate: Math.round((cores * 1e6) / floorUs), restUsPerSpan: Number(us(restNowUs)), latencyP99Ms: Math.round(percentile(99)), retried }) + '\n',
);
