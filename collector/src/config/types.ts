/** The collector's resolved configuration (after defaults, file, environment and flags). */
export interface CollectorConfig {
  /** Embedded store, queue and advertisement file live here. */
  dataDir: string;
  receivers: {
    otlp: {
      http: {
        endpoint: string;
        maxRequestBytes: number;
        maxDecompressedBytes: number;
        /** '' disables bearer-token auth. */
        bearerToken: string;
        retryAfterSeconds: number;
      };
    };
  };
  processors: {
    normalize: Record<string, never>;
    price: { overrides: string[] };
    dedupe: { maxEntries: number };
    workflow: {
      quietWindowMs: number;
      maxWaitMs: number;
      maxTraces: number;
      maxSpansPerTrace: number;
      maxFlushedTraces: number;
    };
  };
  exporters: {
    clickhouse: {
      /** '' uses embedded ClickHouse under the data dir. */
      url: string;
      database: string;
      username: string;
      password: string;
      batch: { maxRows: number; maxBytes: number; maxDelayMs: number };
      retry: { initialDelayMs: number; maxDelayMs: number; maxElapsedMs: number };
      migrate: boolean;
      cluster: string;
      /** Retention of raw tables in days (0: keep forever). */
      ttlDays: number;
      rollupTtlDays: number;
      /** Build skip indexes in each INSERT (true) or leave them to merges (false). */
      materializeSkipIndexesOnInsert: boolean;
      /**
       * Linux nice value of embedded ClickHouse's threads (0 to 19): above 0, the JavaScript thread
       * goes first when they compete for a core. 0 leaves them as they are; unused with a server.
       */
      embeddedThreadsNice: number;
    };
    otlp: {
      /** Base URL of the OTLP/HTTP receiver to forward to ('' disables); `/v1/traces` is appended unless present. */
      endpoint: string;
      headers: Record<string, string>;
      compression: 'gzip' | 'none';
      timeoutMs: number;
      retry: { initialDelayMs: number; maxDelayMs: number; maxElapsedMs: number };
      /** Hold root spans until their workflow totals are known (at most this long). 0 forwards at once. */
      holdRootsMs: number;
    };
  };
  service: {
    pipelines: {
      traces: { receivers: string[]; processors: string[]; exporters: string[] };
    };
    telemetry: {
      /** host:port for Prometheus /metrics ('' disables). */
      metricsEndpoint: string;
    };
  };
  queue: {
    /** '' means `<dataDir>/queue`. */
    dir: string;
    maxBytes: number;
    /** Records per pipeline batch at most. */
    batchMaxRecords: number;
    batchMaxBytes: number;
  };
  query: {
    /** host:port of the read-only ClickHouse-HTTP query endpoint (embedded store only); '' disables. */
    endpoint: string;
  };
}

export const PROCESSOR_NAMES = ['normalize', 'price', 'dedupe', 'workflow'] as const;
export const EXPORTER_NAMES = ['clickhouse', 'otlp'] as const;
export const RECEIVER_NAMES = ['otlp'] as const;

const MIB = 1024 * 1024;

export function defaultConfig(): CollectorConfig {
  return {
    dataDir: './.spendtrace',
    receivers: {
      otlp: { http: { endpoint: 'localhost:4318', maxRequestBytes: 64 * MIB, maxDecompressedBytes: 64 * MIB, bearerToken: '', retryAfterSeconds: 2 } },
    },
    processors: {
      normalize: {},
      price: { overrides: [] },
      dedupe: { maxEntries: 200_000 },
      workflow: { quietWindowMs: 5_000, maxWaitMs: 60_000, maxTraces: 50_000, maxSpansPerTrace: 10_000, maxFlushedTraces: 200_000 },
    },
    exporters: {
      clickhouse: {
        url: '',
        database: 'spendtrace',
        username: '',
        password: '',
        batch: { maxRows: 50_000, maxBytes: 32 * MIB, maxDelayMs: 0 },
        retry: { initialDelayMs: 200, maxDelayMs: 5_000, maxElapsedMs: 60_000 },
        migrate: true,
        cluster: '',
        ttlDays: 0,
        rollupTtlDays: 0,
        materializeSkipIndexesOnInsert: false,
        embeddedThreadsNice: 19,
      },
      otlp: {
        endpoint: '',
        headers: {},
        compression: 'gzip',
        timeoutMs: 10_000,
        retry: { initialDelayMs: 500, maxDelayMs: 30_000, maxElapsedMs: 300_000 },
        holdRootsMs: 65_000,
      },
    },
    service: {
      pipelines: { traces: { receivers: ['otlp'], processors: ['normalize', 'price', 'dedupe', 'workflow'], exporters: ['clickhouse'] } },
      telemetry: { metricsEndpoint: 'localhost:8888' },
    },
    queue: { dir: '', maxBytes: 1024 * MIB, batchMaxRecords: 1000, batchMaxBytes: 32 * MIB },
    query: { endpoint: '127.0.0.1:0' },
  };
}
