-- Alert: per feature, cost per call over the last 24 hours before the range end as a multiple of
-- its cost per call over the 7 days before; features with fewer than `feature_min_calls` recent
-- calls or no baseline are left out. One series per feature.
-- Rule "Feature cost per call up" fires for a feature whose ratio exceeds `feature_cost_per_call_factor`.
WITH
  toUnixTimestamp64Milli({{to}}) AS end_ms,
  fromUnixTimestamp64Milli(end_ms - 86400000) AS recent_start
SELECT feature, cost_per_call_ratio
FROM (
  SELECT
    feature,
    countIf(timestamp > recent_start) AS recent_calls,
    countIf(timestamp <= recent_start) AS baseline_calls,
    (sumIf(cost_usd, timestamp > recent_start) / recent_calls)
      / (sumIf(cost_usd, timestamp <= recent_start) / baseline_calls) AS cost_per_call_ratio
  FROM genai_calls
  WHERE timestamp > fromUnixTimestamp64Milli(end_ms - 8 * 86400000)
    AND timestamp <= {{to}}
    AND feature != ''
  GROUP BY feature
  HAVING recent_calls >= {{setting feature_min_calls}}
    AND baseline_calls > 0
    AND sumIf(cost_usd, timestamp <= recent_start) > 0
)
ORDER BY feature ASC
