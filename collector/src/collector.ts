/**
 * The assembled collector service: receiver → disk queue → consumer → processors → exporters, wired
 * from a `CollectorConfig`, plus the query endpoint (embedded store) and Prometheus self-metrics.
 *
 *   const collector = await startCollector(config);
 *   collector.otlpUrl, collector.queryUrl, collector.metricsUrl
 *   await collector.shutdown();   // stop accepting, drain the queue, flush workflows, close
 */
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { loadCatalog, type PriceCatalog } from '@spendtrace/pricing';
import { keepEmbeddedThreadsNiced } from '@spendtrace/clickhouse';
import type { CollectorConfig } from './config/types.ts';
import type { Exporter, Processor } from './model.ts';
import { OtlpHttpReceiver } from './receiver/index.ts';
import { DiskQueue, decodeTraceRecord, encodeTraceRecord } from './queue/index.ts';
import { openStore, type Store } from './store/open-store.ts';
import { createClickHouseExporter } from './exporters/clickhouse/index.ts';
import { OtlpForwardExporter } from './exporters/otlp/exporter.ts';
import { startQueryEndpoint, writeCollectorInfo, removeCollectorInfo, type QueryEndpoint } from './query-endpoint/index.ts';
import { NormalizeProcessor } from './processors/normalize/normalize.ts';
import { PriceProcessor } from './processors/price.ts';
import { DedupeProcessor } from './processors/dedupe.ts';
import { WorkflowProcessor } from './processors/workflow.ts';
import { Pipeline } from './pipeline/pipeline.ts';
import { QueueConsumer } from './pipeline/consumer.ts';
import { GroupLog } from './pipeline/group-log.ts';
import { WorkflowLog } from './pipeline/workflow-log.ts';
import { SeenLog } from './pipeline/seen-log.ts';
import { createCollectorMetrics, type CollectorMetrics } from './telemetry/collector-metrics.ts';
import { startMetricsServer, type MetricsServer } from './telemetry/server.ts';
import type { ClickHouseClient } from '@clickhouse/client';

export interface StartOptions {
  log?: (message: string) => void;
  /** Use this catalog instead of loading one (tests). */
  catalog?: PriceCatalog;
  /** Skip fsync in the queue (benchmarks of the pipeline only; never in production). */
  unsafeNoSync?: boolean;
}

export interface RunningCollector {
  config: CollectorConfig;
  /** e.g. http://127.0.0.1:4318 */
  otlpUrl: string;
  /** Read-only ClickHouse-HTTP endpoint; '' when the store is a server (query it directly). */
  queryUrl: string;
  /** '' when self-metrics are disabled or could not bind. */
  metricsUrl: string;
  metrics: CollectorMetrics;
  store: Store;
  /** Stops accepting (readyz 503), drains the queue and the workflow buffer into the exporters, closes. */
  shutdown(): Promise<void>;
  /** The one line printed when ready (tests and the demo parse it). */
  readyLine(): string;
  /** Rejects if the pipeline stops on an error it cannot get past; the process should then exit. */
  failed: Promise<never>;
}

/** The shipped catalog (loaded once per process by the pricing package), or it with the user's overrides. */
export async function loadPriceCatalog(overrides: string[]): Promise<PriceCatalog> {
  return loadCatalog({ overrideFiles: overrides });
}

interface BuiltProcessors {
  processors: Processor[];
  workflow?: WorkflowProcessor;
  dedupe?: DedupeProcessor;
}

function buildProcessors(config: CollectorConfig, catalog: PriceCatalog, metrics: CollectorMetrics): BuiltProcessors {
  const processors: Processor[] = [];
  let workflow: WorkflowProcessor | undefined;
  let dedupe: DedupeProcessor | undefined;
  for (const name of config.service.pipelines.traces.processors) {
    switch (name) {
      case 'normalize':
        processors.push(new CountingNormalize(metrics));
        break;
      case 'price':
        processors.push(new PriceProcessor(catalog));
        break;
      case 'dedupe':
        dedupe = new DedupeProcessor({ maxEntries: config.processors.dedupe.maxEntries, persist: true }, metrics);
        processors.push(dedupe);
        break;
      case 'workflow':
        workflow = new WorkflowProcessor({ ...config.processors.workflow, holdRoots: forwardHoldsRoots(config) }, metrics);
        processors.push(workflow);
        break;
      default:
        throw new Error(`unknown processor ${name}`);
    }
  }
  return { processors, ...(workflow ? { workflow } : {}), ...(dedupe ? { dedupe } : {}) };
}

/** Whether an exporter holds root spans until their workflow totals are put on them. */
function forwardHoldsRoots(config: CollectorConfig): boolean {
  return config.service.pipelines.traces.exporters.includes('otlp') && config.exporters.otlp.holdRootsMs > 0;
}

/** normalize, reporting collapsed double-instrumented calls to the metrics. */
class CountingNormalize extends NormalizeProcessor {
  private readonly metrics: CollectorMetrics;
  constructor(metrics: CollectorMetrics) {
    super();
    this.metrics = metrics;
  }
  override process(batch: Parameters<NormalizeProcessor['process']>[0]) {
    const before = this.duplicateCalls;
    const out = super.process(batch);
    if (this.duplicateCalls > before) this.metrics.duplicateCalls.inc(this.duplicateCalls - before);
    return out;
  }
}

export async function startCollector(config: CollectorConfig, options: StartOptions = {}): Promise<RunningCollector> {
  const log = options.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const metrics = createCollectorMetrics();
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const cleanup: (() => Promise<void>)[] = [];
  const undo = async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  };

  try {
    const catalog = options.catalog ?? (await loadPriceCatalog(config.processors.price.overrides));
    const { processors, workflow, dedupe } = buildProcessors(config, catalog, metrics);

    const ch = config.exporters.clickhouse;
    const store = await openStore({
      dataDir,
      ...(ch.url ? { url: ch.url } : {}),
      database: ch.database,
      ...(ch.username ? { username: ch.username } : {}),
      ...(ch.password ? { password: ch.password } : {}),
    });
    cleanup.push(() => store.close());
    if (store.embedded) {
      const stopNicing = keepEmbeddedThreadsNiced(ch.embeddedThreadsNice);
      cleanup.push(async () => stopNicing());
    }

    const exporters: Exporter[] = [];
    for (const name of config.service.pipelines.traces.exporters) {
      if (name === 'clickhouse') {
        exporters.push(
          createClickHouseExporter({
            client: store.client,
            database: store.database,
            batch: ch.batch,
            retry: ch.retry,
            migrate: ch.migrate
              ? { ...(ch.cluster ? { cluster: ch.cluster } : {}), ...(ch.ttlDays ? { ttlDays: ch.ttlDays } : {}), ...(ch.rollupTtlDays ? { rollupTtlDays: ch.rollupTtlDays } : {}) }
              : false,
            materializeSkipIndexesOnInsert: ch.materializeSkipIndexesOnInsert,
            telemetry: {
              onRowsExported: (table, rows) => metrics.exportedRows.inc(rows, { exporter: 'clickhouse', table }),
              onRetry: () => metrics.exportRetries.inc(1, { exporter: 'clickhouse' }),
              onFailed: () => metrics.droppedBatches.inc(1, { exporter: 'clickhouse' }),
            },
          }),
        );
      } else if (name === 'otlp') {
        const o = config.exporters.otlp;
        exporters.push(
          new OtlpForwardExporter({
            endpoint: o.endpoint,
            headers: o.headers,
            compression: o.compression,
            timeoutMs: o.timeoutMs,
            retry: o.retry,
            // Without the workflow processor no totals will ever come, so roots are not held.
            holdRootsMs: workflow ? o.holdRootsMs : 0,
            metrics,
            log,
          }),
        );
      }
    }
    const pipeline = new Pipeline(processors, exporters);
    await pipeline.start();
    cleanup.push(() => pipeline.shutdown());

    const queueDir = config.queue.dir ? resolve(config.queue.dir) : join(dataDir, 'queue');
    const queue = await DiskQueue.open({ dir: queueDir, maxBytes: config.queue.maxBytes, ...(options.unsafeNoSync ? { unsafeNoSync: true } : {}) });
    cleanup.push(() => queue.close());
    const groupLog = await GroupLog.open(join(queueDir, 'batches'), { sync: !options.unsafeNoSync });
    cleanup.push(() => groupLog.close());
    const workflowLog = await WorkflowLog.open(join(queueDir, 'workflows'), { sync: !options.unsafeNoSync });
    cleanup.push(() => workflowLog.close());
    workflow?.preloadExported(workflowLog.exported());
    // Spans of records acknowledged by earlier runs: a client sending one again is still deduplicated.
    let seenLog: SeenLog | undefined;
    if (dedupe) {
      const log = await SeenLog.open(join(dataDir, 'dedupe-seen'), {
        maxEntries: config.processors.dedupe.maxEntries,
        acknowledged: queue.acknowledgedPosition,
        sync: !options.unsafeNoSync,
      });
      cleanup.push(() => log.close());
      dedupe.preload(log.keys());
      log.forgetLoaded();
      seenLog = log;
    }

    let reportFatal: (err: unknown) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
      reportFatal = reject;
    });
    failed.catch(() => undefined);
    const consumer = new QueueConsumer({
      queue,
      pipeline,
      decode: decodeTraceRecord,
      groupLog,
      ...(workflow
        ? {
            oldestOpenSequence: () => workflow.oldestOpenSequence(),
            batchSequence: () => workflow.sequence,
            beforeProcess: (p: number | undefined) => workflow.setBatchPosition(p),
            workflowLog,
          }
        : {}),
      ...(dedupe && seenLog ? { seen: { take: () => dedupe.takeSeen(), log: seenLog } } : {}),
      maxRecords: config.queue.batchMaxRecords,
      maxBytes: config.queue.batchMaxBytes,
      tickMs: Math.max(50, Math.min(1000, config.processors.workflow.quietWindowMs / 2)),
      metrics,
      log,
      onFatal: (err) => {
        log(`spendtrace collector: pipeline stopped: ${(err as Error).stack ?? String(err)}`);
        reportFatal(err);
      },
    });
    consumer.start();
    cleanup.push(() => consumer.abortNow());

    const http = config.receivers.otlp.http;
    const receiver = new OtlpHttpReceiver({
      endpoint: http.endpoint,
      accept: (request) => queue.append(encodeTraceRecord(request.format, request.body)),
      maxRequestBytes: http.maxRequestBytes,
      maxDecompressedBytes: http.maxDecompressedBytes,
      ...(http.bearerToken ? { bearerToken: http.bearerToken } : {}),
      retryAfterSeconds: http.retryAfterSeconds,
      onError: (err) => log(`spendtrace collector: receiver error: ${(err as Error).message}`),
    });
    const bound = await receiver.start();
    cleanup.push(() => receiver.stop());
    const otlpUrl = `http://${bound.host.includes(':') ? `[${bound.host}]` : bound.host}:${bound.port}`;

    let queryEndpoint: QueryEndpoint | undefined;
    let readClient: ClickHouseClient | undefined;
    if (store.embedded && config.query.endpoint !== '') {
      readClient = await store.openReadOnlyClient();
      const rc = readClient;
      cleanup.push(() => rc.close());
      const at = config.query.endpoint.lastIndexOf(':');
      queryEndpoint = await startQueryEndpoint({
        client: readClient,
        database: store.database,
        host: config.query.endpoint.slice(0, at) || '127.0.0.1',
        port: Number(config.query.endpoint.slice(at + 1)),
      });
      const qe = queryEndpoint;
      cleanup.push(() => qe.close());
      writeCollectorInfo(dataDir, { pid: process.pid, queryEndpoint: queryEndpoint.url, database: store.database, startedAt: new Date().toISOString() });
      cleanup.push(async () => removeCollectorInfo(dataDir));
    }

    const syncReceiverStats = () => {
      const s = receiver.stats;
      setCounter(metrics.receivedRequests, s.requests);
      setCounter(metrics.receivedSpans, s.acceptedSpans);
      setCounter(metrics.rejectedSpans, s.rejectedSpans);
      for (const [status, n] of Object.entries(s.refusedRequests)) setCounter(metrics.refusedRequests, n, { status });
      const q = queue.stats();
      metrics.queueBytes.set(q.unackedBytes);
      metrics.queueUnreadBytes.set(q.unreadBytes);
    };
    let metricsServer: MetricsServer | undefined;
    const metricsEndpoint = config.service.telemetry.metricsEndpoint;
    if (metricsEndpoint !== '') {
      try {
        metricsServer = await startMetricsServer(metricsEndpoint, metrics.registry, syncReceiverStats);
        const ms = metricsServer;
        cleanup.push(() => ms.close());
      } catch (err) {
        // Self-telemetry must never keep the collector from taking data.
        log(`spendtrace collector: metrics endpoint ${metricsEndpoint} unavailable (${(err as Error).message}); continuing without /metrics`);
      }
    }
    receiver.setReady(true);

    let shuttingDown: Promise<void> | undefined;
    const running: RunningCollector = {
      config,
      otlpUrl,
      queryUrl: queryEndpoint?.url ?? '',
      metricsUrl: metricsServer?.url ?? '',
      metrics,
      store,
      failed,
      readyLine: () =>
        `spendtrace collector ready otlp=${otlpUrl} query=${queryEndpoint?.url ?? store.location} metrics=${metricsServer?.url ?? 'off'} data=${dataDir}`,
      shutdown: () =>
        (shuttingDown ??= (async () => {
          receiver.setReady(false);
          await receiver.stop();
          await queue.stopAccepting();
          await consumer.drain();
          await pipeline.shutdown();
          cleanup.length = 0;
          await metricsServer?.close();
          await queryEndpoint?.close();
          if (queryEndpoint) removeCollectorInfo(dataDir);
          await readClient?.close();
          await groupLog.close();
          await workflowLog.close();
          await seenLog?.close();
          await queue.close();
          await store.close();
        })()),
    };
    return running;
  } catch (err) {
    await undo();
    throw err;
  }
}

/** Receiver counters are kept by the receiver; the registry mirrors them at scrape time. */
function setCounter(counter: CollectorMetrics['receivedSpans'], total: number, labels?: Record<string, string>): void {
  const delta = total - counter.value(labels);
  if (delta > 0) counter.inc(delta, labels);
}
