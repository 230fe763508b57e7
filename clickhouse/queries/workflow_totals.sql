-- Exact totals of one workflow run (trace), delta rows included (the genai_workflow_runs view).
-- Panel: Workflow trace "Totals". CLI: spendtrace trace <id> (totals line).
SELECT
  trace_id,
  workflow_name AS workflow,
  root_span_name AS root_span,
  feature,
  customer_id AS customer,
  calls,
  errors,
  input_tokens,
  output_tokens,
  cost_usd,
  duration_ms,
  revisions
FROM genai_workflow_runs
WHERE trace_id = {{text trace_id}}
