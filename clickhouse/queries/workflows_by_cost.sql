-- Agent workflow runs (one trace each) by cost, with exact totals: genai_workflows holds a first
-- row per trace plus delta rows for late spans, so everything is summed per trace_id.
-- The trace_id column links to the Workflow trace dashboard and the plugin's trace view.
-- Panel: Agent workflows "Workflows by cost". CLI: report --by workflow lists the same traces' calls.
SELECT
  trace_id,
  wf_name AS workflow,
  wf_feature AS feature,
  wf_customer AS customer,
  calls,
  errors,
  input_tokens,
  output_tokens,
  cost_usd,
  duration_ms,
  started AS time
FROM (
  SELECT
    trace_id,
    anyIf(workflow_name, workflow_name != '') AS wf_name,
    anyIf(feature, feature != '') AS wf_feature,
    anyIf(customer_id, customer_id != '') AS wf_customer,
    anyIf(environment, environment != '') AS wf_environment,
    anyIf(service_name, service_name != '') AS wf_service,
    sum(calls) AS calls,
    sum(errors) AS errors,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cost_usd) AS cost_usd,
    (toUnixTimestamp64Nano(max(last_timestamp)) - toUnixTimestamp64Nano(min(first_timestamp))) / 1e6 AS duration_ms,
    min(first_timestamp) AS started
  FROM genai_workflows
  GROUP BY trace_id
)
WHERE {{time_filter started}}
  AND {{filters workflow_runs}}
ORDER BY cost_usd DESC, trace_id ASC
LIMIT 100
