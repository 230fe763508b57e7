-- How the cost of one workflow run is distributed: runs per cost band (lower bound in USD).
-- Panel: Agent workflows "Cost per workflow run".
SELECT
  toString(roundDown(cost_usd, [0, 0.001, 0.01, 0.1, 1, 10])) AS cost_from_usd,
  count() AS runs,
  sum(cost_usd) AS spend_usd
FROM genai_workflow_runs
WHERE {{time_filter started}}
  AND {{filters workflow_runs}}
GROUP BY roundDown(cost_usd, [0, 0.001, 0.01, 0.1, 1, 10])
ORDER BY roundDown(cost_usd, [0, 0.001, 0.01, 0.1, 1, 10]) ASC
