-- How the cost of one workflow run is distributed: runs per cost band (lower bound in USD).
-- Panel: Agent workflows "Cost per workflow run".
SELECT
  toString(roundDown(cost_usd, [0, 0.001, 0.01, 0.1, 1, 10])) AS cost_from_usd,
  count() AS runs,
  sum(cost_usd) AS spend_usd
FROM (
  SELECT
    trace_id,
    anyIf(feature, feature != '') AS wf_feature,
    anyIf(customer_id, customer_id != '') AS wf_customer,
    anyIf(environment, environment != '') AS wf_environment,
    anyIf(service_name, service_name != '') AS wf_service,
    sum(cost_usd) AS cost_usd,
    min(first_timestamp) AS started
  FROM genai_workflows
  GROUP BY trace_id
)
WHERE {{time_filter started}}
  AND {{filters workflow_runs}}
GROUP BY roundDown(cost_usd, [0, 0.001, 0.01, 0.1, 1, 10])
ORDER BY roundDown(cost_usd, [0, 0.001, 0.01, 0.1, 1, 10]) ASC
