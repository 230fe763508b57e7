-- Pre-aggregated cost for the dashboards: materialized views fill these at insert time, so a month
-- of cost by feature reads thousands of rows instead of every call.
--
-- SummingMergeTree folds rows with the same sorting key in background merges, so a query must still
-- aggregate: SELECT ..., sum(cost_usd) FROM genai_costs_hourly WHERE ... GROUP BY ...
-- Every dimension is part of the sorting key (that is what makes it a grouping key); environment
-- and time lead because every dashboard filters on them.
--
-- model is the model that answered (response_model), or the requested one when the response did
-- not name it.
CREATE TABLE IF NOT EXISTS {{table genai_costs_hourly}}{{on_cluster}} (
    hour DateTime CODEC(Delta(4), ZSTD(1)),
    environment LowCardinality(String),
    service_name LowCardinality(String),
    provider LowCardinality(String),
    model LowCardinality(String),
    feature LowCardinality(String),
    team LowCardinality(String),
    customer_id String,
    calls UInt64,
    errors UInt64,
    unpriced_calls UInt64,
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_tokens UInt64,
    cache_write_tokens UInt64,
    reasoning_tokens UInt64,
    cost_usd Float64,
    cost_input_usd Float64,
    cost_cache_read_usd Float64,
    cost_cache_write_usd Float64,
    cost_output_usd Float64,
    cost_reasoning_usd Float64,
    duration_ns UInt64
) ENGINE = {{engine SummingMergeTree}}
PARTITION BY toYYYYMM(hour)
ORDER BY (environment, hour, service_name, provider, model, feature, team, customer_id)
SETTINGS index_granularity = 8192;

{{distributed genai_costs_hourly rand()}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{view genai_costs_hourly_mv}}{{on_cluster}}
TO {{table genai_costs_hourly}}
AS SELECT
    toStartOfHour(timestamp) AS hour,
    environment,
    service_name,
    provider,
    if(response_model != '', response_model, request_model) AS model,
    feature,
    team,
    customer_id,
    count() AS calls,
    countIf(error_type != '') AS errors,
    countIf(pricing_status = 'unknown_model') AS unpriced_calls,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_write_tokens) AS cache_write_tokens,
    sum(reasoning_tokens) AS reasoning_tokens,
    sum(cost_usd) AS cost_usd,
    sum(cost_input_usd) AS cost_input_usd,
    sum(cost_cache_read_usd) AS cost_cache_read_usd,
    sum(cost_cache_write_usd) AS cost_cache_write_usd,
    sum(cost_output_usd) AS cost_output_usd,
    sum(cost_reasoning_usd) AS cost_reasoning_usd,
    sum(duration_ns) AS duration_ns
FROM {{table genai_calls}}
GROUP BY hour, environment, service_name, provider, model, feature, team, customer_id;

-- The same sums by day, for month- and year-long ranges.
CREATE TABLE IF NOT EXISTS {{table genai_costs_daily}}{{on_cluster}} (
    day Date CODEC(Delta(2), ZSTD(1)),
    environment LowCardinality(String),
    service_name LowCardinality(String),
    provider LowCardinality(String),
    model LowCardinality(String),
    feature LowCardinality(String),
    team LowCardinality(String),
    customer_id String,
    calls UInt64,
    errors UInt64,
    unpriced_calls UInt64,
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_tokens UInt64,
    cache_write_tokens UInt64,
    reasoning_tokens UInt64,
    cost_usd Float64,
    cost_input_usd Float64,
    cost_cache_read_usd Float64,
    cost_cache_write_usd Float64,
    cost_output_usd Float64,
    cost_reasoning_usd Float64,
    duration_ns UInt64
) ENGINE = {{engine SummingMergeTree}}
PARTITION BY toYear(day)
ORDER BY (environment, day, service_name, provider, model, feature, team, customer_id)
SETTINGS index_granularity = 8192;

{{distributed genai_costs_daily rand()}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{view genai_costs_daily_mv}}{{on_cluster}}
TO {{table genai_costs_daily}}
AS SELECT
    toDate(timestamp) AS day,
    environment,
    service_name,
    provider,
    if(response_model != '', response_model, request_model) AS model,
    feature,
    team,
    customer_id,
    count() AS calls,
    countIf(error_type != '') AS errors,
    countIf(pricing_status = 'unknown_model') AS unpriced_calls,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_write_tokens) AS cache_write_tokens,
    sum(reasoning_tokens) AS reasoning_tokens,
    sum(cost_usd) AS cost_usd,
    sum(cost_input_usd) AS cost_input_usd,
    sum(cost_cache_read_usd) AS cost_cache_read_usd,
    sum(cost_cache_write_usd) AS cost_cache_write_usd,
    sum(cost_output_usd) AS cost_output_usd,
    sum(cost_reasoning_usd) AS cost_reasoning_usd,
    sum(duration_ns) AS duration_ns
FROM {{table genai_calls}}
GROUP BY day, environment, service_name, provider, model, feature, team, customer_id;
