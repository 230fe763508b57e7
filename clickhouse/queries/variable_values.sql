-- Values of one template variable's dimension seen in the range, from the hourly rollup.
-- Dashboards: the environment, service, provider, model, feature and customer variables.
SELECT DISTINCT {{variable_column rollup}} AS value
FROM genai_costs_hourly
WHERE {{time_filter hour}}
ORDER BY value ASC
