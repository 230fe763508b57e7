-- Alert: spend in the last hour before the range end as a multiple of the average hourly spend
-- of the 7 days before that hour; 0 while there is no baseline yet.
-- Rule "Hourly spend spike" fires when it exceeds the `hourly_spike_factor` setting.
WITH
  toUnixTimestamp64Milli({{to}}) AS end_ms,
  fromUnixTimestamp64Milli(end_ms - 3600000) AS hour_start
SELECT
  if(baseline_usd = 0, 0, last_hour_usd / (baseline_usd / 168)) AS hourly_spend_ratio
FROM (
  SELECT
    sumIf(cost_usd, timestamp > hour_start) AS last_hour_usd,
    sumIf(cost_usd, timestamp <= hour_start) AS baseline_usd
  FROM genai_calls
  WHERE timestamp > fromUnixTimestamp64Milli(end_ms - 3600000 - 7 * 86400000)
    AND timestamp <= {{to}}
)
