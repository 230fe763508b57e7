-- Agent workflow runs (one trace each) by cost, with exact totals: genai_workflow_runs sums
-- genai_workflows' first row per trace and its delta rows for late spans.
-- The trace_id column links to the Workflow trace dashboard and the plugin's trace view.
-- Panel: Agent workflows "Workflows by cost". CLI: report --by workflow lists the same traces' calls.
SELECT
  trace_id,
  workflow_name AS workflow,
  feature,
  customer_id AS customer,
  calls,
  errors,
  input_tokens,
  output_tokens,
  cost_usd,
  duration_ms,
  started AS time
FROM genai_workflow_runs
WHERE {{time_filter started}}
  AND {{filters workflow_runs}}
ORDER BY cost_usd DESC, trace_id ASC
LIMIT 100
