-- Spend, calls and tokens in the selected time range, and how many calls had no catalog price
-- (stored with zero cost: the spend shown leaves them out).
-- Panels: Overview "Spend in range", Customer detail "Spend". CLI: report totals.
SELECT
  sum(cost_usd) AS spend_usd,
  count() AS calls,
  sum(input_tokens) AS input_tokens,
  sum(output_tokens) AS output_tokens,
  spend_usd / calls AS cost_per_call_usd,
  countIf(pricing_status = 'unknown_model') AS unpriced_calls
FROM genai_calls
WHERE {{time_filter timestamp}}
  AND {{filters calls}}
