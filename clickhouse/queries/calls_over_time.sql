-- Calls and cost per call per time bucket.
-- Panel: Feature detail "Calls and cost per call".
SELECT
  {{bucket timestamp}} AS time,
  count() AS calls,
  sum(cost_usd) / calls AS cost_per_call_usd
FROM genai_calls
WHERE {{time_filter timestamp}}
  AND {{filters calls}}
GROUP BY time
ORDER BY time
