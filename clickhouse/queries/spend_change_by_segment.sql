-- Spend change per feature × model segment between the period before the range and the range.
-- Panel: Spend change "By feature and model".
WITH
  toUnixTimestamp64Milli({{from}}) AS from_ms,
  toUnixTimestamp64Milli({{to}}) AS to_ms
SELECT
  if(feature = '', '(none)', feature) AS feature_name,
  if(response_model != '', response_model, request_model) AS model,
  countIf(toUnixTimestamp64Milli(timestamp) < from_ms) AS previous_calls,
  countIf(toUnixTimestamp64Milli(timestamp) >= from_ms) AS calls,
  sumIf(cost_usd, toUnixTimestamp64Milli(timestamp) < from_ms) AS previous_spend_usd,
  sumIf(cost_usd, toUnixTimestamp64Milli(timestamp) >= from_ms) AS spend_usd,
  spend_usd - previous_spend_usd AS change_usd
FROM genai_calls
WHERE toUnixTimestamp64Milli(timestamp) >= 2 * from_ms - to_ms - 1
  AND toUnixTimestamp64Milli(timestamp) <= to_ms
  AND {{filters calls}}
GROUP BY feature_name, model
ORDER BY abs(change_usd) DESC, feature_name ASC, model ASC
