/**
 * Names of everything the migrations create. Queries, dashboards and exporters refer to tables
 * through these constants so a rename cannot silently miss one.
 */
export const TABLES = {
  /** Spans, in the OpenTelemetry Collector contrib ClickHouse exporter's layout. */
  traces: 'otel_traces',
  /** Trace id → [Start, End], filled by `otel_traces_trace_id_ts_mv`. */
  traceIdTs: 'otel_traces_trace_id_ts',
  /** One row per priced LLM call. */
  calls: 'genai_calls',
  /** Trace-level sums with delta rows (`revision`): always aggregate with sum() GROUP BY trace_id. */
  workflows: 'genai_workflows',
  /** Hourly sums of genai_calls (SummingMergeTree): aggregate with sum() when reading. */
  costsHourly: 'genai_costs_hourly',
  /** Daily sums of genai_calls (SummingMergeTree): aggregate with sum() when reading. */
  costsDaily: 'genai_costs_daily',
  /** Calls with no price catalog match, per day / provider / model / service. */
  unknownModels: 'genai_unknown_models',
  /** Which migrations have been applied. */
  migrations: 'spendtrace_migrations',
} as const;

export type TableName = (typeof TABLES)[keyof typeof TABLES];

/**
 * Views. The materialized ones each write into the table named in their `TO` clause; the plain
 * ones (`PLAIN_VIEWS`) store nothing and are read like tables.
 */
export const VIEWS = {
  traceIdTs: 'otel_traces_trace_id_ts_mv',
  costsHourly: 'genai_costs_hourly_mv',
  costsDaily: 'genai_costs_daily_mv',
  unknownModels: 'genai_unknown_models_mv',
  /** One row per workflow run (trace): the exact per-trace totals of genai_workflows, delta rows summed. */
  workflowRuns: 'genai_workflow_runs',
} as const;

/** The views in `VIEWS` that are plain (non-materialized) views. */
export const PLAIN_VIEWS: ReadonlySet<string> = new Set([VIEWS.workflowRuns]);

/**
 * The tables that hold raw data (`ttlDays` applies to them) and the rollups (`rollupTtlDays`),
 * each with the DateTime expression its TTL counts from.
 */
export const RAW_TABLE_TTL: Readonly<Record<string, string>> = {
  [TABLES.traces]: 'toDateTime(Timestamp)',
  [TABLES.traceIdTs]: 'toDateTime(Start)',
  [TABLES.calls]: 'toDateTime(timestamp)',
  [TABLES.workflows]: 'toDateTime(first_timestamp)',
};

export const ROLLUP_TABLE_TTL: Readonly<Record<string, string>> = {
  [TABLES.costsHourly]: 'hour',
  [TABLES.costsDaily]: 'day',
  [TABLES.unknownModels]: 'day',
};
