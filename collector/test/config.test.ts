import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, substituteEnv } from '../src/config/load.ts';
import { ConfigError, parseConfig, parseBytes, parseDuration } from '../src/config/parse.ts';
import { defaultConfig } from '../src/config/types.ts';

function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'spendtrace-config-'));
  const path = join(dir, 'spendtrace.yaml');
  writeFileSync(path, text);
  return path;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('needs no file at all: defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c).toEqual(defaultConfig());
    expect(c.receivers.otlp.http.endpoint).toBe('localhost:4318');
    expect(c.dataDir).toBe('./.spendtrace');
    expect(c.service.pipelines.traces).toEqual({ receivers: ['otlp'], processors: ['normalize', 'price', 'dedupe', 'workflow'], exporters: ['clickhouse'] });
  });

  it('reads a Collector-style YAML file with every section', () => {
    const file = yamlFile(`
data_dir: /var/lib/spendtrace
receivers:
  otlp:
    protocols:
      http:
        endpoint: 0.0.0.0:4318
        max_decompressed_size: 16MiB
        auth:
          bearer_token: s3cret
processors:
  price:
    overrides: [./prices.yaml]
  dedupe:
    max_entries: 5000
  workflow:
    quiet_window: 2s
    max_wait: 1m
    max_traces: 100
    max_spans_per_trace: 50
exporters:
  clickhouse:
    url: http://clickhouse:8123
    database: costs
    batch:
      max_rows: 1000
      max_delay: 200ms
    retry:
      max_elapsed_time: 30s
    ttl_days: 90
    materialize_skip_indexes_on_insert: true
    embedded_threads_nice: 12
  otlp:
    endpoint: http://tempo:4318
    headers:
      x-scope-orgid: team-a
    compression: none
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [normalize, price, workflow]
      exporters: [clickhouse, otlp]
  telemetry:
    metrics:
      endpoint: 0.0.0.0:9464
queue:
  max_bytes: 256MiB
`);
    const c = loadConfig({ file, env: {} });
    expect(c.dataDir).toBe('/var/lib/spendtrace');
    expect(c.receivers.otlp.http).toEqual({ endpoint: '0.0.0.0:4318', maxRequestBytes: 64 * 1024 * 1024, maxDecompressedBytes: 16 * 1024 * 1024, bearerToken: 's3cret', retryAfterSeconds: 2 });
    expect(c.processors.price.overrides).toEqual(['./prices.yaml']);
    expect(c.processors.dedupe.maxEntries).toBe(5000);
    expect(c.processors.workflow).toEqual({ quietWindowMs: 2000, maxWaitMs: 60_000, maxTraces: 100, maxSpansPerTrace: 50, maxFlushedTraces: 200_000 });
    expect(c.exporters.clickhouse.url).toBe('http://clickhouse:8123');
    expect(c.exporters.clickhouse.database).toBe('costs');
    expect(c.exporters.clickhouse.batch).toEqual({ maxRows: 1000, maxBytes: 32 * 1024 * 1024, maxDelayMs: 200 });
    expect(c.exporters.clickhouse.retry).toEqual({ initialDelayMs: 200, maxDelayMs: 5000, maxElapsedMs: 30_000 });
    expect(c.exporters.clickhouse.ttlDays).toBe(90);
    expect(c.exporters.clickhouse.materializeSkipIndexesOnInsert).toBe(true);
    expect(defaultConfig().exporters.clickhouse.materializeSkipIndexesOnInsert).toBe(false);
    expect(c.exporters.clickhouse.embeddedThreadsNice).toBe(12);
    expect(defaultConfig().exporters.clickhouse.embeddedThreadsNice).toBe(19);
    expect(c.exporters.otlp.endpoint).toBe('http://tempo:4318');
    expect(c.exporters.otlp.headers).toEqual({ 'x-scope-orgid': 'team-a' });
    expect(c.exporters.otlp.compression).toBe('none');
    expect(c.service.pipelines.traces.exporters).toEqual(['clickhouse', 'otlp']);
    expect(c.service.telemetry.metricsEndpoint).toBe('0.0.0.0:9464');
    expect(c.queue.maxBytes).toBe(256 * 1024 * 1024);
  });

  it('substitutes ${env:VAR} and ${VAR}, with defaults and $$ escapes', () => {
    const file = yamlFile('exporters:\n  clickhouse:\n    url: ${env:CH_URL}\n    password: "${CH_PASSWORD:-none}$$"\n');
    const c = loadConfig({ file, env: { CH_URL: 'http://ch:8123' } });
    expect(c.exporters.clickhouse.url).toBe('http://ch:8123');
    expect(c.exporters.clickhouse.password).toBe('none$');
    expect(configError(() => loadConfig({ file, env: {} })).message).toBe('invalid config: exporters.clickhouse.url: environment variable CH_URL is not set');
    expect(substituteEnv(['${A}', { b: '${env:A}' }], { A: 'x' })).toEqual(['x', { b: 'x' }]);
  });

  it('applies environment overrides over the file, and flags over both', () => {
    const file = yamlFile('data_dir: /from-file\nreceivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: localhost:1111\n');
    const env = { SPENDTRACE_DATA_DIR: '/from-env', SPENDTRACE_OTLP_HTTP_ENDPOINT: '127.0.0.1:2222', SPENDTRACE_CLICKHOUSE_URL: 'http://env:8123' };
    const c = loadConfig({ file, env });
    expect([c.dataDir, c.receivers.otlp.http.endpoint, c.exporters.clickhouse.url]).toEqual(['/from-env', '127.0.0.1:2222', 'http://env:8123']);
    const f = loadConfig({ file, env, flags: { dataDir: '/from-flag', otlpHttpEndpoint: '127.0.0.1:0', clickhouseUrl: 'http://flag:8123' } });
    expect([f.dataDir, f.receivers.otlp.http.endpoint, f.exporters.clickhouse.url]).toEqual(['/from-flag', '127.0.0.1:0', 'http://flag:8123']);
  });

  it.each([
    [{ receivers: { otlp: { protocols: { http: { endpoint: 'localhost' } } } } }, 'receivers.otlp.protocols.http.endpoint', 'must be host:port, got "localhost"'],
    [{ receivers: { otlp: { protocols: { http: { endpoint: 'localhost:99999' } } } } }, 'receivers.otlp.protocols.http.endpoint', 'port 99999 is out of range'],
    [{ receivers: { otlp: { protocols: { grpc: {} } } } }, 'receivers.otlp.protocols.grpc', 'OTLP/gRPC is not supported; use protocols.http'],
    [{ processors: { workflow: { quiet_window: 'soon' } } }, 'processors.workflow.quiet_window', 'must be a duration like 500ms, 5s, 2m (or milliseconds), got "soon"'],
    [{ processors: { workflow: { quiet_window: '10s', max_wait: '5s' } } }, 'processors.workflow.max_wait', 'must not be shorter than quiet_window'],
    [{ processors: { dedupe: { max_entries: 0 } } }, 'processors.dedupe.max_entries', 'must be at least 1, got 0'],
    [{ processors: { dedupe: { max_entrys: 10 } } }, 'processors.dedupe.max_entrys', 'unknown key'],
    [{ exporters: { clickhouse: { url: 'ftp://x' } } }, 'exporters.clickhouse.url', 'must be an http or https URL, got "ftp://x"'],
    [{ exporters: { clickhouse: { database: 'a;drop' } } }, 'exporters.clickhouse.database', 'must be a plain identifier, got "a;drop"'],
    [{ exporters: { clickhouse: { embedded_threads_nice: 20 } } }, 'exporters.clickhouse.embedded_threads_nice', 'must be at most 19, got 20'],
    [{ exporters: { clickhouse: { embedded_threads_nice: -1 } } }, 'exporters.clickhouse.embedded_threads_nice', 'must be at least 0, got -1'],
    [{ exporters: { otlp: { compression: 'zstd' } } }, 'exporters.otlp.compression', 'must be gzip or none, got "zstd"'],
    [{ service: { pipelines: { traces: { exporters: ['otlp'] } } } }, 'service.pipelines.traces.exporters', '"otlp" is not configured'],
    [{ exporters: { otlp: {} }, service: { pipelines: { traces: { exporters: ['otlp'] } } } }, 'exporters.otlp.endpoint', 'is required when the otlp exporter is in a pipeline'],
    [{ service: { pipelines: { traces: { processors: ['price', 'normalize'] } } } }, 'service.pipelines.traces.processors', 'must keep the order normalize, price, dedupe, workflow (each consumes what the one before produces)'],
    [{ service: { pipelines: { traces: { processors: ['batch'] } } } }, 'service.pipelines.traces.processors', 'unknown component "batch" (known: normalize, price, dedupe, workflow)'],
    [{ service: { pipelines: { traces: { exporters: [] } } } }, 'service.pipelines.traces.exporters', 'needs at least one exporter'],
    [{ queue: { max_bytes: '12 parsecs' } }, 'queue.max_bytes', 'must be a positive size like 64MiB or a number of bytes, got "12 parsecs"'],
    [{ extra: 1 }, 'extra', 'unknown key'],
  ])('rejects %j naming %s', (raw, key, reason) => {
    const err = configError(() => parseConfig(raw));
    expect(err.key).toBe(key);
    expect(err.message).toBe(`invalid config: ${key}: ${reason}`);
  });

  it('reports YAML syntax errors and unreadable files with their source', () => {
    expect(configError(() => loadConfig({ file: yamlFile('receivers: [unclosed'), env: {} })).message).toMatch(/^invalid config: .*spendtrace\.yaml: not valid YAML: /);
    expect(configError(() => loadConfig({ file: '/nonexistent/spendtrace.yaml', env: {} })).message).toBe('invalid config: --config: cannot read /nonexistent/spendtrace.yaml: ENOENT');
  });

  it('parses durations and sizes', () => {
    expect(['250ms', '5s', '2m', '1h', 1500, '1.5s'].map(parseDuration)).toEqual([250, 5000, 120_000, 3_600_000, 1500, 1500]);
    expect(['64MiB', '512KiB', '1GiB', '10MB', 4096, '7'].map(parseBytes)).toEqual([64 * 1024 ** 2, 512 * 1024, 1024 ** 3, 10_000_000, 4096, 7]);
    expect([parseDuration('-1s'), parseBytes('1.5.2MiB'), parseBytes('3 furlongs')]).toEqual([undefined, undefined, undefined]);
  });
});

describe('spendtrace collector: invalid config', () => {
  it('exits 2 at start, naming the key and the reason', () => {
    const bin = fileURLToPath(new URL('../bin/spendtrace.js', import.meta.url));
    const file = yamlFile('processors:\n  workflow:\n    max_traces: -5\n');
    const r = spawnSync(process.execPath, [bin, 'collector', '--config', file, '--data-dir', mkdtempSync(join(tmpdir(), 'spendtrace-cfg-'))], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('spendtrace collector: invalid config: processors.workflow.max_traces: must be at least 1, got -5\n');
  });

  it('exits 2 on an unknown flag', () => {
    const bin = fileURLToPath(new URL('../bin/spendtrace.js', import.meta.url));
    const r = spawnSync(process.execPath, [bin, 'collector', '--no-such-flag'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Unknown option '--no-such-flag'");
  });
});
