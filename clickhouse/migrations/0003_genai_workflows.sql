-- Trace-level sums: one row per trace when the collector flushes it (revision 0), plus one delta
-- row per later flush of spans that arrived after it (revision 1, 2, ...). Additive columns hold
-- deltas, so the exact totals of a trace are
--   SELECT trace_id, sum(cost_usd), sum(calls), ..., min(first_timestamp), max(last_timestamp)
--   FROM genai_workflows GROUP BY trace_id
-- Descriptive columns (root_span_name, workflow_name, ...) are repeated on delta rows when known,
-- '' otherwise: read them with anyIf(x, x != '') or argMin(x, revision).
--
-- Sorting key: the dashboards list workflows by time within an environment, and the trace page
-- looks one trace up by id; (environment, day, trace_id) serves the first and keeps every revision
-- of a trace next to each other, and the trace_id bloom filter serves the second.
CREATE TABLE IF NOT EXISTS {{table genai_workflows}}{{on_cluster}} (
    trace_id String CODEC(ZSTD(1)),
    revision UInt32 CODEC(ZSTD(1)),
    first_timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    last_timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    duration_ns UInt64 CODEC(T64, ZSTD(1)),
    root_span_name LowCardinality(String) CODEC(ZSTD(1)),
    service_name LowCardinality(String) CODEC(ZSTD(1)),
    environment LowCardinality(String) CODEC(ZSTD(1)),
    workflow_name LowCardinality(String) CODEC(ZSTD(1)),
    agent_name LowCardinality(String) CODEC(ZSTD(1)),
    feature LowCardinality(String) CODEC(ZSTD(1)),
    user_id String CODEC(ZSTD(1)),
    customer_id String CODEC(ZSTD(1)),
    calls UInt32 CODEC(T64, ZSTD(1)),
    errors UInt32 CODEC(T64, ZSTD(1)),
    input_tokens UInt64 CODEC(T64, ZSTD(1)),
    output_tokens UInt64 CODEC(T64, ZSTD(1)),
    cache_read_tokens UInt64 CODEC(T64, ZSTD(1)),
    cache_write_tokens UInt64 CODEC(T64, ZSTD(1)),
    reasoning_tokens UInt64 CODEC(T64, ZSTD(1)),
    -- Float64 for the same reason as genai_calls.cost_usd.
    cost_usd Float64 CODEC(ZSTD(1)),
    unpriced_calls UInt32 CODEC(T64, ZSTD(1)),
    models Array(LowCardinality(String)) CODEC(ZSTD(1)),
    tools Array(LowCardinality(String)) CODEC(ZSTD(1)),
    spans UInt32 CODEC(T64, ZSTD(1)),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_customer_id customer_id TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = {{engine MergeTree}}
PARTITION BY toYYYYMM(first_timestamp)
ORDER BY (environment, toDate(first_timestamp), trace_id, revision)
SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 10000;

{{distributed genai_workflows cityHash64(trace_id)}};
