-- Spend per time bucket, one series per value of a dimension (feature, model, provider, customer),
-- read from the hourly rollup.
-- Panels: spend over time stacked by feature / model / provider, model mix over time.
SELECT
  {{bucket hour}} AS time,
  {{dimension rollup}} AS name,
  sum(cost_usd) AS spend_usd
FROM genai_costs_hourly
WHERE {{time_filter hour}}
  AND {{filters rollup}}
GROUP BY time, name
ORDER BY time, name
