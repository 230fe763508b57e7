-- Calls whose model matched no price catalog entry, per provider, model and day: these calls are
-- stored with zero cost and pricing_status = 'unknown_model', and this table is how they are
-- counted and reported instead of silently priced as free.
-- Read with: SELECT day, provider, model, sum(calls), min(first_seen), max(last_seen) ... GROUP BY ...
CREATE TABLE IF NOT EXISTS {{table genai_unknown_models}}{{on_cluster}} (
    day Date CODEC(Delta(2), ZSTD(1)),
    provider LowCardinality(String),
    model LowCardinality(String),
    service_name LowCardinality(String),
    calls SimpleAggregateFunction(sum, UInt64),
    input_tokens SimpleAggregateFunction(sum, UInt64),
    output_tokens SimpleAggregateFunction(sum, UInt64),
    first_seen SimpleAggregateFunction(min, DateTime64(9)),
    last_seen SimpleAggregateFunction(max, DateTime64(9))
) ENGINE = {{engine AggregatingMergeTree}}
PARTITION BY toYear(day)
ORDER BY (day, provider, model, service_name)
SETTINGS index_granularity = 8192;

{{distributed genai_unknown_models rand()}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{view genai_unknown_models_mv}}{{on_cluster}}
TO {{table genai_unknown_models}}
AS SELECT
    toDate(timestamp) AS day,
    provider,
    if(response_model != '', response_model, request_model) AS model,
    service_name,
    count() AS calls,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    min(timestamp) AS first_seen,
    max(timestamp) AS last_seen
FROM {{table genai_calls}}
WHERE pricing_status = 'unknown_model'
GROUP BY day, provider, model, service_name;
