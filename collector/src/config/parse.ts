import { MAX_NICE } from '@spendtrace/clickhouse';
import { defaultConfig, EXPORTER_NAMES, PROCESSOR_NAMES, RECEIVER_NAMES, type CollectorConfig } from './types.ts';

/** An invalid configuration: names the key (dotted path) and the reason. */
export class ConfigError extends Error {
  readonly key: string;
  constructor(key: string, reason: string) {
    super(`invalid config: ${key}: ${reason}`);
    this.name = 'ConfigError';
    this.key = key;
  }
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Reads one mapping, refusing keys it does not know (a typo must not be silently ignored). */
class Section {
  readonly path: string;
  private readonly raw: Obj;
  private readonly used = new Set<string>();

  constructor(path: string, raw: unknown) {
    this.path = path;
    if (raw === undefined || raw === null) raw = {};
    if (!isObject(raw)) throw new ConfigError(path || '(root)', 'must be a mapping');
    this.raw = raw;
  }

  key(k: string): string {
    return this.path ? `${this.path}.${k}` : k;
  }

  has(k: string): boolean {
    return this.raw[k] !== undefined && this.raw[k] !== null;
  }

  take(k: string): unknown {
    this.used.add(k);
    return this.raw[k];
  }

  section(k: string): Section {
    return new Section(this.key(k), this.take(k));
  }

  string(k: string, fallback: string): string {
    const v = this.take(k);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (typeof v !== 'string') throw new ConfigError(this.key(k), 'must be a string');
    return v;
  }

  boolean(k: string, fallback: boolean): boolean {
    const v = this.take(k);
    if (v === undefined || v === null) return fallback;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    throw new ConfigError(this.key(k), `must be true or false, got ${JSON.stringify(v)}`);
  }

  integer(k: string, fallback: number, min: number, max = Infinity): number {
    const v = this.take(k);
    if (v === undefined || v === null) return fallback;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new ConfigError(this.key(k), `must be an integer, got ${JSON.stringify(v)}`);
    if (n < min) throw new ConfigError(this.key(k), `must be at least ${min}, got ${n}`);
    if (n > max) throw new ConfigError(this.key(k), `must be at most ${max}, got ${n}`);
    return n;
  }

  /** Durations: a number of milliseconds or a string like `500ms`, `5s`, `2m`, `1h`. */
  duration(k: string, fallbackMs: number): number {
    const v = this.take(k);
    if (v === undefined || v === null) return fallbackMs;
    const ms = parseDuration(v);
    if (ms === undefined) throw new ConfigError(this.key(k), `must be a duration like 500ms, 5s, 2m (or milliseconds), got ${JSON.stringify(v)}`);
    return ms;
  }

  /** Sizes: a number of bytes or a string like `64MiB`, `512KiB`, `1GiB`, `10MB`. */
  bytes(k: string, fallback: number): number {
    const v = this.take(k);
    if (v === undefined || v === null) return fallback;
    const n = parseBytes(v);
    if (n === undefined || n < 1) throw new ConfigError(this.key(k), `must be a positive size like 64MiB or a number of bytes, got ${JSON.stringify(v)}`);
    return n;
  }

  stringList(k: string, fallback: string[]): string[] {
    const v = this.take(k);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string') return [v];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ConfigError(this.key(k), 'must be a list of strings');
    return v as string[];
  }

  stringMap(k: string): Record<string, string> {
    const v = this.take(k);
    if (v === undefined || v === null) return {};
    if (!isObject(v)) throw new ConfigError(this.key(k), 'must be a mapping of strings');
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(v)) {
      if (typeof value !== 'string' && typeof value !== 'number') throw new ConfigError(`${this.key(k)}.${name}`, 'must be a string');
      out[name] = String(value);
    }
    return out;
  }

  /** Fails on any key nobody asked for. */
  done(): void {
    for (const k of Object.keys(this.raw)) if (!this.used.has(k)) throw new ConfigError(this.key(k), 'unknown key');
  }
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']!;
}

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

export function parseBytes(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
  if (!m) return undefined;
  const unit = BYTE_UNITS[(m[2] || 'b').toLowerCase()];
  return unit === undefined ? undefined : Math.floor(Number(m[1]) * unit);
}

function endpoint(section: Section, k: string, fallback: string, allowEmpty: boolean): string {
  const v = section.string(k, fallback);
  if (v === '' && allowEmpty) return v;
  if (!/^[^\s:]*:\d{1,5}$/.test(v) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(v)) throw new ConfigError(section.key(k), `must be host:port, got ${JSON.stringify(v)}`);
  const port = Number(v.slice(v.lastIndexOf(':') + 1));
  if (port > 65535) throw new ConfigError(section.key(k), `port ${port} is out of range`);
  return v;
}

function url(section: Section, k: string, fallback: string): string {
  const v = section.string(k, fallback);
  if (v === '') return v;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ConfigError(section.key(k), `must be a URL, got ${JSON.stringify(v)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(section.key(k), `must be an http or https URL, got ${JSON.stringify(v)}`);
  return v;
}

function retry(s: Section, d: { initialDelayMs: number; maxDelayMs: number; maxElapsedMs: number }) {
  const out = {
    initialDelayMs: s.duration('initial_interval', d.initialDelayMs),
    maxDelayMs: s.duration('max_interval', d.maxDelayMs),
    maxElapsedMs: s.duration('max_elapsed_time', d.maxElapsedMs),
  };
  s.done();
  return out;
}

function names(s: Section, k: string, fallback: string[], allowed: readonly string[], configured: Set<string>): string[] {
  const list = s.stringList(k, fallback);
  for (const name of list) {
    if (!allowed.includes(name)) throw new ConfigError(s.key(k), `unknown component "${name}" (known: ${allowed.join(', ')})`);
    if (!configured.has(name) && !fallback.includes(name)) throw new ConfigError(s.key(k), `"${name}" is not configured`);
  }
  if (new Set(list).size !== list.length) throw new ConfigError(s.key(k), 'lists a component twice');
  return list;
}

/**
 * Validates a parsed YAML document into a full configuration, on top of the defaults. The shape
 * follows the OpenTelemetry Collector's: receivers / processors / exporters, wired by
 * service.pipelines.
 */
export function parseConfig(raw: unknown): CollectorConfig {
  const d = defaultConfig();
  const root = new Section('', raw);
  const dataDir = root.string('data_dir', d.dataDir);

  const receivers = root.section('receivers');
  const otlpReceiver = receivers.section('otlp');
  const protocols = otlpReceiver.section('protocols');
  if (protocols.has('grpc')) throw new ConfigError(protocols.key('grpc'), 'OTLP/gRPC is not supported; use protocols.http');
  const http = protocols.section('http');
  const dh = d.receivers.otlp.http;
  const auth = http.section('auth');
  const httpConfig = {
    endpoint: endpoint(http, 'endpoint', dh.endpoint, false),
    maxRequestBytes: http.bytes('max_request_body_size', dh.maxRequestBytes),
    maxDecompressedBytes: http.bytes('max_decompressed_size', dh.maxDecompressedBytes),
    bearerToken: auth.string('bearer_token', dh.bearerToken),
    retryAfterSeconds: http.integer('retry_after_seconds', dh.retryAfterSeconds, 1),
  };
  auth.done();
  http.done();
  protocols.done();
  otlpReceiver.done();
  receivers.done();

  const processors = root.section('processors');
  const normalize = processors.section('normalize');
  normalize.done();
  const price = processors.section('price');
  const priceConfig = { overrides: price.stringList('overrides', d.processors.price.overrides) };
  price.done();
  const dedupe = processors.section('dedupe');
  const dedupeConfig = { maxEntries: dedupe.integer('max_entries', d.processors.dedupe.maxEntries, 1) };
  dedupe.done();
  const workflow = processors.section('workflow');
  const dw = d.processors.workflow;
  const workflowConfig = {
    quietWindowMs: workflow.duration('quiet_window', dw.quietWindowMs),
    maxWaitMs: workflow.duration('max_wait', dw.maxWaitMs),
    maxTraces: workflow.integer('max_traces', dw.maxTraces, 1),
    maxSpansPerTrace: workflow.integer('max_spans_per_trace', dw.maxSpansPerTrace, 1),
    maxFlushedTraces: workflow.integer('max_flushed_traces', dw.maxFlushedTraces, 1),
  };
  if (workflowConfig.maxWaitMs < workflowConfig.quietWindowMs) throw new ConfigError(workflow.key('max_wait'), 'must not be shorter than quiet_window');
  workflow.done();
  const configuredProcessors = new Set(Object.keys(isObject(raw) && isObject(raw['processors']) ? raw['processors'] : {}));
  processors.done();

  const exporters = root.section('exporters');
  const ch = exporters.section('clickhouse');
  const dc = d.exporters.clickhouse;
  const chBatch = ch.section('batch');
  const batch = {
    maxRows: chBatch.integer('max_rows', dc.batch.maxRows, 1),
    maxBytes: chBatch.bytes('max_bytes', dc.batch.maxBytes),
    maxDelayMs: chBatch.duration('max_delay', dc.batch.maxDelayMs),
  };
  chBatch.done();
  const chConfig = {
    url: url(ch, 'url', dc.url),
    database: ch.string('database', dc.database),
    username: ch.string('username', dc.username),
    password: ch.string('password', dc.password),
    batch,
    retry: retry(ch.section('retry'), dc.retry),
    migrate: ch.boolean('migrate', dc.migrate),
    cluster: ch.string('cluster', dc.cluster),
    ttlDays: ch.integer('ttl_days', dc.ttlDays, 0),
    rollupTtlDays: ch.integer('rollup_ttl_days', dc.rollupTtlDays, 0),
    materializeSkipIndexesOnInsert: ch.boolean('materialize_skip_indexes_on_insert', dc.materializeSkipIndexesOnInsert),
    embeddedThreadsNice: ch.integer('embedded_threads_nice', dc.embeddedThreadsNice, 0, MAX_NICE),
  };
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(chConfig.database)) throw new ConfigError(ch.key('database'), `must be a plain identifier, got ${JSON.stringify(chConfig.database)}`);
  ch.done();

  const otlp = exporters.section('otlp');
  const dout = d.exporters.otlp;
  const compression = otlp.string('compression', dout.compression);
  if (compression !== 'gzip' && compression !== 'none') throw new ConfigError(otlp.key('compression'), `must be gzip or none, got ${JSON.stringify(compression)}`);
  const otlpConfig = {
    endpoint: url(otlp, 'endpoint', dout.endpoint),
    headers: otlp.stringMap('headers'),
    compression: compression as 'gzip' | 'none',
    timeoutMs: otlp.duration('timeout', dout.timeoutMs),
    retry: retry(otlp.section('retry'), dout.retry),
    holdRootsMs: otlp.duration('hold_roots', dout.holdRootsMs),
  };
  otlp.done();
  const configuredExporters = new Set(Object.keys(isObject(raw) && isObject(raw['exporters']) ? raw['exporters'] : {}));
  exporters.done();

  const service = root.section('service');
  const pipelines = service.section('pipelines');
  const traces = pipelines.section('traces');
  const dp = d.service.pipelines.traces;
  const tracesConfig = {
    receivers: names(traces, 'receivers', dp.receivers, RECEIVER_NAMES, new Set(['otlp'])),
    processors: names(traces, 'processors', dp.processors, PROCESSOR_NAMES, new Set([...configuredProcessors, ...PROCESSOR_NAMES])),
    exporters: names(traces, 'exporters', dp.exporters, EXPORTER_NAMES, configuredExporters),
  };
  if (tracesConfig.receivers.length === 0) throw new ConfigError(traces.key('receivers'), 'needs at least one receiver');
  if (tracesConfig.exporters.length === 0) throw new ConfigError(traces.key('exporters'), 'needs at least one exporter');
  if (tracesConfig.exporters.includes('otlp') && otlpConfig.endpoint === '') throw new ConfigError('exporters.otlp.endpoint', 'is required when the otlp exporter is in a pipeline');
  const order = tracesConfig.processors.map((p) => PROCESSOR_NAMES.indexOf(p as (typeof PROCESSOR_NAMES)[number]));
  if (order.some((v, i) => i > 0 && v < order[i - 1]!)) throw new ConfigError(traces.key('processors'), `must keep the order ${PROCESSOR_NAMES.join(', ')} (each consumes what the one before produces)`);
  if (tracesConfig.processors.includes('price') && !tracesConfig.processors.includes('normalize')) throw new ConfigError(traces.key('processors'), 'price needs normalize before it');
  traces.done();
  pipelines.done();
  const telemetry = service.section('telemetry');
  const metrics = telemetry.section('metrics');
  const metricsEndpoint = endpoint(metrics, 'endpoint', d.service.telemetry.metricsEndpoint, true);
  metrics.done();
  telemetry.done();
  service.done();

  const queue = root.section('queue');
  const dq = d.queue;
  const queueConfig = {
    dir: queue.string('dir', dq.dir),
    maxBytes: queue.bytes('max_bytes', dq.maxBytes),
    batchMaxRecords: queue.integer('batch_max_records', dq.batchMaxRecords, 1),
    batchMaxBytes: queue.bytes('batch_max_bytes', dq.batchMaxBytes),
  };
  queue.done();

  const query = root.section('query');
  const queryEndpoint = endpoint(query, 'endpoint', d.query.endpoint, true);
  query.done();
  root.done();

  return {
    dataDir,
    receivers: { otlp: { http: httpConfig } },
    processors: { normalize: {}, price: priceConfig, dedupe: dedupeConfig, workflow: workflowConfig },
    exporters: { clickhouse: chConfig, otlp: otlpConfig },
    service: { pipelines: { traces: tracesConfig }, telemetry: { metricsEndpoint } },
    queue: queueConfig,
    query: { endpoint: queryEndpoint },
  };
}
