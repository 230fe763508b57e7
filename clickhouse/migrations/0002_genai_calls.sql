-- One typed row per LLM call, priced and attributed (OpenTelemetry GenAI token semantics:
-- input_tokens includes cache reads and writes, output_tokens includes reasoning tokens).
--
-- Types are chosen for the dashboards' queries:
-- * LowCardinality(String) for every dimension with a bounded set of values (provider, models,
--   feature, environment, service, team, ...); it stores a dictionary per part, so GROUP BY and
--   filters on them run on small integers.
-- * Ids (trace, span, user, customer, response) are plain String: unbounded cardinality.
-- * Tokens are UInt64: a malformed span with a huge count is stored as sent instead of failing the
--   whole batch, and T64 + ZSTD make the wide type cost almost nothing on disk.
-- * Costs are Float64, not Decimal: they are computed in floating point by the pricing engine
--   (price per million tokens × tokens), so Decimal would only round a float once more; Float64
--   keeps ~15 significant digits, which leaves summation error over millions of calls far below a
--   millionth of a dollar, and it needs no conversion in any client or in Grafana.
--
-- Sorting key: every dashboard query carries a time range and almost all an environment; then they
-- slice by service, feature, provider and model. The primary key (environment, service_name, hour)
-- prunes granules on those; the rest of the sorting key groups rows of one feature/model together
-- for compression and for GROUP BY in order. Trace and customer lookups use skip indexes.
--
-- Engine: plain MergeTree, not ReplacingMergeTree. A retried insert is dropped by its
-- insert_deduplication_token (non_replicated_deduplication_window below); the same span delivered
-- in two different requests is dropped by the collector's dedupe processor before it gets here.
-- A Replacing engine would need FINAL on every query and would still double-count in the
-- materialized rollups, which see every inserted block.
CREATE TABLE IF NOT EXISTS {{table genai_calls}}{{on_cluster}} (
    timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    parent_span_id String CODEC(ZSTD(1)),
    span_name LowCardinality(String) CODEC(ZSTD(1)),
    service_name LowCardinality(String) CODEC(ZSTD(1)),
    environment LowCardinality(String) CODEC(ZSTD(1)),
    provider LowCardinality(String) CODEC(ZSTD(1)),
    operation LowCardinality(String) CODEC(ZSTD(1)),
    request_model LowCardinality(String) CODEC(ZSTD(1)),
    response_model LowCardinality(String) CODEC(ZSTD(1)),
    response_id String CODEC(ZSTD(1)),
    pricing_model LowCardinality(String) CODEC(ZSTD(1)),
    pricing_version LowCardinality(String) CODEC(ZSTD(1)),
    -- '' when priced, 'unknown_model' when no catalog entry matched.
    pricing_status LowCardinality(String) CODEC(ZSTD(1)),
    feature LowCardinality(String) CODEC(ZSTD(1)),
    user_id String CODEC(ZSTD(1)),
    customer_id String CODEC(ZSTD(1)),
    team LowCardinality(String) CODEC(ZSTD(1)),
    prompt_name LowCardinality(String) CODEC(ZSTD(1)),
    prompt_version LowCardinality(String) CODEC(ZSTD(1)),
    workflow_name LowCardinality(String) CODEC(ZSTD(1)),
    agent_name LowCardinality(String) CODEC(ZSTD(1)),
    conversation_id String CODEC(ZSTD(1)),
    input_tokens UInt64 CODEC(T64, ZSTD(1)),
    output_tokens UInt64 CODEC(T64, ZSTD(1)),
    cache_read_tokens UInt64 CODEC(T64, ZSTD(1)),
    cache_write_tokens UInt64 CODEC(T64, ZSTD(1)),
    reasoning_tokens UInt64 CODEC(T64, ZSTD(1)),
    cost_usd Float64 CODEC(ZSTD(1)),
    cost_input_usd Float64 CODEC(ZSTD(1)),
    cost_cache_read_usd Float64 CODEC(ZSTD(1)),
    cost_cache_write_usd Float64 CODEC(ZSTD(1)),
    cost_output_usd Float64 CODEC(ZSTD(1)),
    cost_reasoning_usd Float64 CODEC(ZSTD(1)),
    -- 'local' (computed from the price catalog), 'provider' (reported by the provider), '' (unknown).
    cost_source LowCardinality(String) CODEC(ZSTD(1)),
    duration_ns UInt64 CODEC(T64, ZSTD(1)),
    -- 0 when the call was not streamed or the first chunk was not measured.
    time_to_first_chunk_ns UInt64 CODEC(T64, ZSTD(1)),
    streaming Bool CODEC(ZSTD(1)),
    -- '' for a successful call.
    error_type LowCardinality(String) CODEC(ZSTD(1)),
    finish_reasons Array(LowCardinality(String)) CODEC(ZSTD(1)),
    -- The instrumentation scope that produced the span, i.e. which dialect it was read from.
    scope_name LowCardinality(String) CODEC(ZSTD(1)),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_customer_id customer_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_user_id user_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_conversation_id conversation_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_pricing_status pricing_status TYPE set(8) GRANULARITY 4
) ENGINE = {{engine MergeTree}}
PARTITION BY toYYYYMM(timestamp)
PRIMARY KEY (environment, service_name, toStartOfHour(timestamp))
ORDER BY (environment, service_name, toStartOfHour(timestamp), feature, provider, response_model, timestamp)
SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 10000;

-- A trace's calls stay on one shard, so per-trace sums never need a cross-shard merge.
{{distributed genai_calls cityHash64(trace_id)}};
