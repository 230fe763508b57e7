-- Spend in the selected range against the period of the same length just before it.
-- Panel: Overview "Spend vs previous period".
WITH
  toUnixTimestamp64Milli({{from}}) AS from_ms,
  toUnixTimestamp64Milli({{to}}) AS to_ms
SELECT
  sumIf(cost_usd, toUnixTimestamp64Milli(timestamp) >= from_ms) AS spend_usd,
  sumIf(cost_usd, toUnixTimestamp64Milli(timestamp) < from_ms) AS previous_spend_usd,
  if(previous_spend_usd = 0, NULL, (spend_usd - previous_spend_usd) / previous_spend_usd) AS change_ratio
FROM genai_calls
WHERE toUnixTimestamp64Milli(timestamp) >= 2 * from_ms - to_ms - 1
  AND toUnixTimestamp64Milli(timestamp) <= to_ms
  AND {{filters calls}}
