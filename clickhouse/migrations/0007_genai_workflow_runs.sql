-- One row per workflow run (trace) with its exact totals: genai_workflows holds a first row per
-- trace plus delta rows for spans that arrived after it, and this view sums them per trace_id, so
-- every reader shares one definition of a run's totals instead of repeating the aggregation.
-- Descriptive columns take the first non-empty value of any revision; additive columns are summed;
-- started / ended span all revisions.
--
-- A plain view: it stores nothing and aggregates at query time, so filters on trace_id or on the
-- time range belong in the reader's WHERE, which ClickHouse pushes into the scan of genai_workflows.
-- On a cluster it reads the Distributed table; a trace's rows share a shard (sharded by trace_id),
-- so the per-trace sums are exact.
CREATE VIEW IF NOT EXISTS {{view genai_workflow_runs}}{{on_cluster}}
AS SELECT
    trace_id,
    anyIf(workflow_name, workflow_name != '') AS workflow_name,
    anyIf(root_span_name, root_span_name != '') AS root_span_name,
    anyIf(agent_name, agent_name != '') AS agent_name,
    anyIf(environment, environment != '') AS environment,
    anyIf(service_name, service_name != '') AS service_name,
    anyIf(feature, feature != '') AS feature,
    anyIf(customer_id, customer_id != '') AS customer_id,
    anyIf(user_id, user_id != '') AS user_id,
    sum(calls) AS calls,
    sum(errors) AS errors,
    sum(unpriced_calls) AS unpriced_calls,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_write_tokens) AS cache_write_tokens,
    sum(reasoning_tokens) AS reasoning_tokens,
    sum(cost_usd) AS cost_usd,
    min(first_timestamp) AS started,
    max(last_timestamp) AS ended,
    (toUnixTimestamp64Nano(max(last_timestamp)) - toUnixTimestamp64Nano(min(first_timestamp))) / 1e6 AS duration_ms,
    count() AS revisions
FROM {{view genai_workflows}}
GROUP BY trace_id;
