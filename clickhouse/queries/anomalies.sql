-- Dimension values (features by default) whose cost per call or hourly spend in the last 24 hours
-- before the range end jumped against their own baseline, the 7 days before that.
-- Hourly spend compares the busiest hour of the last 24 hours with the feature's typical hour in
-- the baseline: the median spend of the hours in which it was used (the lower middle one when
-- even). Against the average of all 168 hours, a feature used in bursts, such as a nightly job,
-- would look anomalous every day; against a mean, one spike in the baseline would hide the next.
-- A row is listed when either ratio reaches the `anomaly_factor` setting.
-- Panel: Overview "Anomalies".
WITH
  toUnixTimestamp64Milli({{to}}) AS end_ms,
  fromUnixTimestamp64Milli(end_ms - 86400000) AS recent_start,
  fromUnixTimestamp64Milli(end_ms - 8 * 86400000) AS baseline_start
SELECT
  name,
  sumIf(calls, recent) AS recent_calls,
  sumIf(spend, recent) / recent_calls AS recent_cost_per_call_usd,
  sumIf(spend, NOT recent) / sumIf(calls, NOT recent) AS baseline_cost_per_call_usd,
  recent_cost_per_call_usd / baseline_cost_per_call_usd AS cost_per_call_ratio,
  maxIf(spend, recent) AS recent_max_hourly_usd,
  quantileExactLowIf(0.5)(spend, NOT recent) AS baseline_hourly_usd,
  recent_max_hourly_usd / baseline_hourly_usd AS hourly_ratio
FROM (
  SELECT
    {{dimension}} AS name,
    toStartOfHour(timestamp) AS hour,
    timestamp > recent_start AS recent,
    count() AS calls,
    sum(cost_usd) AS spend
  FROM genai_calls
  WHERE timestamp > baseline_start
    AND timestamp <= {{to}}
    AND {{filters calls}}
  GROUP BY name, hour, recent
)
GROUP BY name
HAVING recent_calls > 0
  AND sumIf(calls, NOT recent) > 0
  AND (cost_per_call_ratio >= {{setting anomaly_factor}} OR hourly_ratio >= {{setting anomaly_factor}})
ORDER BY greatest(cost_per_call_ratio, hourly_ratio) DESC, name ASC
