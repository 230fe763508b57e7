/**
 * CPU time per OpenAI chat call that an instrumentation adds, with its spans exported over
 * OTLP/protobuf to a local sink, for spendtrace, @opentelemetry/instrumentation-openai and
 * @traceloop/instrumentation-openai, on openai 4.95 (the newest major all three support).
 *
 * Each contender runs in its own child process (module patching is process-wide), in interleaved
 * rounds with an uninstrumented baseline measured in the same run. A child makes the calls against
 * the local provider server, flushes its spans, and reports process CPU time (user + system) per
 * call. Overhead = contender − baseline of the same round; the ratio compares spendtrace with the
 * lighter of the two others. Reported: the median over rounds of each contender's CPU per call,
 * and the median of the per-round ratios with their spread (min–max), which is the noise estimate:
 * on a shared machine a single round can be off by tens of µs. Workloads: a non-streamed chat call,
 * and a streamed one of 50 content chunks read to the end. Every contender gets the same tracer
 * provider (one BatchSpanProcessor, one OTLP/protobuf exporter to the same sink), the same meter
 * provider, the same warm-up and call counts; content capture is off for all.
 * The provider server and the OTLP sink run in the parent, so their CPU is not counted.
 *
 * Knobs: BENCH_ROUNDS, BENCH_CALLS, BENCH_STREAM_CALLS, BENCH_WARMUP; BENCH_ONLY=spendtrace,...;
 * BENCH_EXPORTER=none (drop spans instead of exporting); BENCH_SPENDTRACE_CONFIG (JSON options);
 * BENCH_SPENDTRACE_SRC=/path/to/src (measure another copy of the package sources as `spendtrace`);
 * BENCH_COMPARE_SRC=/path/to/src (add `spendtrace-compare`, e.g. a previous revision's sources,
 * interleaved with the others: before/after in one run); BENCH_CHILD_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
 * (Node options for the children, e.g. to profile them).
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const ALL_CONTENDERS = ['baseline', 'spendtrace', 'otel-contrib', 'traceloop', 'spendtrace-compare'] as const;
/** BENCH_ONLY=spendtrace,otel-contrib narrows the run (the baseline always runs). */
const CONTENDERS = ALL_CONTENDERS.filter(
  (c) => c === 'baseline' || (c === 'spendtrace-compare' ? Boolean(process.env.BENCH_COMPARE_SRC) : !process.env.BENCH_ONLY || process.env.BENCH_ONLY.split(',').includes(c)),
);
type Contender = (typeof ALL_CONTENDERS)[number];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const STREAM_CALLS = Number(process.env.BENCH_STREAM_CALLS ?? 300);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 100);

interface ChildResult {
  contender: Contender;
  plainUs: number;
  streamUs: number;
  spans: number;
}

const requireFromTests = createRequire(new URL('../test/package.json', import.meta.url));
const requireFromInstrumentation = createRequire(new URL('../packages/instrumentation/package.json', import.meta.url));

// The bench sits outside the packages, so the modules it loads are typed here by the little it uses.
interface SpanExporterLike {
  export(spans: unknown[], done: (result: { code: number }) => void): void;
  shutdown(): Promise<void>;
}
interface ChatClient {
  chat: { completions: { create(body: object, options: object): Promise<unknown> } };
}
interface Loaded {
  api: {
    context: { setGlobalContextManager(manager: unknown): unknown };
    trace: { setGlobalTracerProvider(provider: unknown): unknown };
    metrics: { setGlobalMeterProvider(provider: unknown): unknown };
  };
  ContextManager: new () => { enable(): unknown };
  TracerProvider: new (options: object) => { forceFlush(): Promise<void>; shutdown(): Promise<void> };
  BatchSpanProcessor: new (options: object) => unknown;
  MeterProvider: new (options: object) => unknown;
  MetricReader: new (options?: object) => object;
  OTLPTraceExporter: new (config: { url: string }) => SpanExporterLike;
  openaiModule: { OpenAI: new (options: object) => ChatClient };
}

function load(): Loaded {
  return {
    api: requireFromTests('@opentelemetry/api') as Loaded['api'],
    ContextManager: (requireFromInstrumentation('@opentelemetry/context-async-hooks') as { AsyncLocalStorageContextManager: Loaded['ContextManager'] }).AsyncLocalStorageContextManager,
    ...(requireFromTests('@opentelemetry/sdk-trace') as Pick<Loaded, 'TracerProvider' | 'BatchSpanProcessor'>),
    ...(requireFromTests('@opentelemetry/sdk-metrics') as Pick<Loaded, 'MeterProvider' | 'MetricReader'>),
    OTLPTraceExporter: (requireFromTests('@opentelemetry/exporter-trace-otlp-proto') as Pick<Loaded, 'OTLPTraceExporter'>).OTLPTraceExporter,
    openaiModule: requireFromInstrumentation('openai-v4') as Loaded['openaiModule'],
  };
}

async function child(contender: Contender, providerUrl: string, sinkUrl: string): Promise<void> {
  const { api, ContextManager, TracerProvider, BatchSpanProcessor, MeterProvider, MetricReader, OTLPTraceExporter, openaiModule } = load();

  // A reader that is never collected: instruments aggregate on each call, as under any real reader.
  class HeldMetricReader extends MetricReader {
    protected async onForceFlush(): Promise<void> {}
    protected async onShutdown(): Promise<void> {}
  }
  api.context.setGlobalContextManager(new ContextManager().enable());
  let exported = 0;
  const exporter = new OTLPTraceExporter({ url: `${sinkUrl}/v1/traces` });
  // BENCH_EXPORTER=none drops the spans instead of sending them, to show what export itself costs.
  const dropSpans = process.env.BENCH_EXPORTER === 'none';
  const counting: SpanExporterLike = {
    export: (spans, done) => {
      exported += spans.length;
      if (dropSpans) done({ code: 0 });
      else exporter.export(spans, done);
    },
    shutdown: () => exporter.shutdown(),
  };
  const tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: counting, maxQueueSize: 8192, maxExportBatchSize: 512 })] });
  const meterProvider = new MeterProvider({ readers: [new HeldMetricReader()] });
  api.trace.setGlobalTracerProvider(tracerProvider);
  api.metrics.setGlobalMeterProvider(meterProvider);

  type Patchable = { setTracerProvider(p: unknown): void; setMeterProvider(p: unknown): void };
  const wire = (instrumentation: Patchable) => {
    instrumentation.setTracerProvider(tracerProvider);
    instrumentation.setMeterProvider(meterProvider);
  };
  if (contender === 'spendtrace' || contender === 'spendtrace-compare') {
    const src =
      (contender === 'spendtrace-compare' ? process.env.BENCH_COMPARE_SRC : process.env.BENCH_SPENDTRACE_SRC) ??
      fileURLToPath(new URL('../packages/instrumentation/src', import.meta.url));
    const { OpenAIInstrumentation } = (await import(`${src}/openai/index.ts`)) as typeof import('../packages/instrumentation/src/openai/index.ts');
    // BENCH_SPENDTRACE_CONFIG (JSON) tries other options, e.g. {"includeUsageInStream":false}.
    const config = JSON.parse(process.env.BENCH_SPENDTRACE_CONFIG ?? '{}') as object;
    const instrumentation = new OpenAIInstrumentation({ ...config, enabled: true });
    wire(instrumentation);
    instrumentation.patchModule(openaiModule);
  } else if (contender === 'otel-contrib') {
    const { OpenAIInstrumentation } = requireFromTests('@opentelemetry/instrumentation-openai') as {
      OpenAIInstrumentation: new (config: object) => Patchable & { getModuleDefinitions(): { patch?: (m: unknown, v?: string) => unknown }[] };
    };
    // Enabled (its wrappers check isEnabled()); its require hook waits for `openai`, which this process never loads.
    const instrumentation = new OpenAIInstrumentation({ enabled: true });
    wire(instrumentation);
    instrumentation.getModuleDefinitions()[0]!.patch!(openaiModule, '4.95.0');
  } else if (contender === 'traceloop') {
    const { OpenAIInstrumentation } = requireFromTests('@traceloop/instrumentation-openai') as {
      OpenAIInstrumentation: new (config: object) => Patchable & { manuallyInstrument(m: unknown): void };
    };
    const instrumentation = new OpenAIInstrumentation({ enabled: true, traceContent: false });
    wire(instrumentation);
    instrumentation.manuallyInstrument(openaiModule);
  }

  const client = new openaiModule.OpenAI({ baseURL: `${providerUrl}/v1`, apiKey: 'bench', maxRetries: 0 });
  const messages = [{ role: 'user' as const, content: 'Summarise the quarterly report in three bullet points.' }];
  const plainCall = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { 'x-mock-scenario': '{"usage":{"input":1200,"cacheRead":1000,"output":40}}' } });
  const streamCall = async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }, { headers: { 'x-mock-scenario': '{"chunks":50}' } });
    for await (const chunk of stream as AsyncIterable<unknown>) void chunk;
  };
  const cpuPerCall = async (calls: number, call: () => Promise<unknown>): Promise<number> => {
    const before = process.cpuUsage();
    for (let i = 0; i < calls; i++) await call();
    await tracerProvider.forceFlush();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / calls;
  };

  for (let i = 0; i < WARMUP; i++) {
    await plainCall();
    if (i % 4 === 0) await streamCall();
  }
  await tracerProvider.forceFlush();
  const plainUs = await cpuPerCall(CALLS, plainCall);
  const streamUs = await cpuPerCall(STREAM_CALLS, streamCall);
  await tracerProvider.shutdown();
  const result: ChildResult = { contender, plainUs, streamUs, spans: exported };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function parent(): Promise<void> {
  const { startProviderServer } = await import('../test/providers/server.ts');
  const provider = await startProviderServer();
  let sinkBytes = 0;
  const sink = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (sinkBytes += chunk.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const self = fileURLToPath(import.meta.url);
  const results = new Map<Contender, ChildResult[]>();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // The order rotates each round, so no contender always runs right after another one.
      const order = CONTENDERS.map((_, i) => CONTENDERS[(i + round) % CONTENDERS.length]!);
      for (const contender of order) {
        // Children run one at a time and the parent only serves them, so the spawn is synchronous
        // from the parent's point of view except for the servers, which keep running on its loop.
        const run = await runChild(self, contender, provider.url, sinkUrl);
        results.set(contender, [...(results.get(contender) ?? []), run]);
      }
    }
  } finally {
    await provider.close();
    await new Promise((resolve) => sink.close(resolve));
  }

  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const perRound = (contender: Contender, key: 'plainUs' | 'streamUs') => (results.get(contender) ?? []).map((r) => r[key]);
  const summary: Record<string, unknown> = { calls: CALLS, streamCalls: STREAM_CALLS, rounds: ROUNDS, sinkBytes };
  for (const key of ['plainUs', 'streamUs'] as const) {
    const label = key === 'plainUs' ? 'non-streaming' : 'streaming (50 chunks)';
    const baseRounds = perRound('baseline', key);
    const base = median(baseRounds);
    process.stdout.write(`\n${label}: CPU µs per call (median of ${ROUNDS} interleaved rounds)\n`);
    process.stdout.write(`  baseline (uninstrumented)          ${base.toFixed(1)}\n`);
    // Overhead per round against that round's baseline: rounds share the machine's state at the time.
    const overheads: Record<string, number[]> = {};
    const overhead: Record<string, number> = {};
    for (const contender of CONTENDERS.slice(1)) {
      overheads[contender] = perRound(contender, key).map((us, round) => us - baseRounds[round]!);
      overhead[contender] = median(overheads[contender]!);
      const spread = `${Math.min(...overheads[contender]!).toFixed(0)}…${Math.max(...overheads[contender]!).toFixed(0)}`;
      process.stdout.write(
        `  ${contender.padEnd(34)} ${median(perRound(contender, key)).toFixed(1)}  (+${overhead[contender]!.toFixed(1)} µs, range +${spread}; ${((overhead[contender]! / base) * 100).toFixed(1)}% over baseline)\n`,
      );
    }
    if (overheads.spendtrace && overheads['otel-contrib'] && overheads.traceloop) {
      // The headline is the ratio of the median overheads; the per-round ratios (each against the
      // lighter other of its own round) give the noise estimate as their interquartile range.
      const ratio = overhead.spendtrace! / Math.min(overhead['otel-contrib']!, overhead.traceloop!);
      const ratios = overheads.spendtrace.map((ours, round) => ours / Math.min(overheads['otel-contrib']![round]!, overheads.traceloop![round]!)).sort((a, b) => a - b);
      const quartile = (q: number) => ratios[Math.min(ratios.length - 1, Math.max(0, Math.round(q * (ratios.length - 1))))]!;
      process.stdout.write(
        `  spendtrace overhead / lighter other overhead = ${ratio.toFixed(2)} (per-round ratios: median ${median(ratios).toFixed(2)}, interquartile ${quartile(0.25).toFixed(2)}…${quartile(0.75).toFixed(2)}; target ≤ 0.5)\n`,
      );
      summary[key] = { baseline: base, overhead, ratioToLighter: ratio, perRoundRatioMedian: median(ratios), perRoundRatioIqr: [quartile(0.25), quartile(0.75)] };
    } else summary[key] = { baseline: base, overhead };
    if (overheads['spendtrace-compare']) {
      process.stdout.write(`  spendtrace / spendtrace-compare overhead = ${(overhead.spendtrace! / overhead['spendtrace-compare']!).toFixed(2)}\n`);
    }
  }
  const spans = Object.fromEntries(CONTENDERS.map((c) => [c, results.get(c)?.[0]?.spans]));
  process.stdout.write(`\nspans exported per child run: ${JSON.stringify(spans)}\n${JSON.stringify(summary)}\n`);
}

function runChild(self: string, contender: Contender, providerUrl: string, sinkUrl: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const { spawn } = requireFromTests('node:child_process') as typeof import('node:child_process');
    const nodeArgs = process.env.BENCH_CHILD_ARGS ? process.env.BENCH_CHILD_ARGS.split(' ').filter(Boolean) : [];
    const proc = spawn(process.execPath, [...nodeArgs, self, '--child', contender, providerUrl, sinkUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`${contender} child exited with ${code}: ${out}`));
      resolve(JSON.parse(line) as ChildResult);
    });
  });
}

void spawnSync;
const [flag, contender, providerUrl, sinkUrl] = process.argv.slice(2);
if (flag === '--child' && contender && providerUrl && sinkUrl) await child(contender as Contender, providerUrl, sinkUrl);
else await parent();
