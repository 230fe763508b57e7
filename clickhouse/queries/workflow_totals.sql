-- Exact totals of one workflow run (trace), delta rows included.
-- Panel: Workflow trace "Totals". CLI: spendtrace trace <id> (totals line).
SELECT
  trace_id,
  anyIf(workflow_name, workflow_name != '') AS workflow,
  anyIf(root_span_name, root_span_name != '') AS root_span,
  anyIf(feature, feature != '') AS feature,
  anyIf(customer_id, customer_id != '') AS customer,
  sum(calls) AS calls,
  sum(errors) AS errors,
  sum(input_tokens) AS input_tokens,
  sum(output_tokens) AS output_tokens,
  sum(cost_usd) AS cost_usd,
  (toUnixTimestamp64Nano(max(last_timestamp)) - toUnixTimestamp64Nano(min(first_timestamp))) / 1e6 AS duration_ms,
  count() AS revisions
FROM genai_workflows
WHERE trace_id = {{text trace_id}}
GROUP BY trace_id
