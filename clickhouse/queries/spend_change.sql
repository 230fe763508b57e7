-- The change in spend between the period before the range and the range itself (same length),
-- split into three effects that add up exactly to the change:
--   volume     = (calls1 - calls0) × cost_per_call0
--   mix        = calls1 × Σ_s (share1_s - share0_s) × cpc0_s     (shift between feature × model segments)
--   price_size = calls1 × Σ_s share1_s × (cpc1_s - cpc0_s)       (tokens per call, prices)
-- where s is a (feature, model) segment, share its share of calls and cpc its cost per call; a
-- segment new in the range takes the previous period's overall cost per call as its cpc0.
-- Panel: Spend change "Decomposition".
WITH
  toUnixTimestamp64Milli({{from}}) AS from_ms,
  toUnixTimestamp64Milli({{to}}) AS to_ms
SELECT
  any(total_cost0) AS previous_spend_usd,
  any(total_cost1) AS spend_usd,
  spend_usd - previous_spend_usd AS change_usd,
  any(total_calls0) AS previous_calls,
  any(total_calls1) AS calls,
  any(cpc0_all) AS previous_cost_per_call_usd,
  (calls - previous_calls) * previous_cost_per_call_usd AS volume_effect_usd,
  sum(mix) AS mix_effect_usd,
  sum(price_size) AS price_size_effect_usd
FROM (
  SELECT
    total_calls0,
    total_calls1,
    total_cost0,
    total_cost1,
    cpc0_all,
    if(calls0 = 0, cpc0_all, cost0 / calls0) AS cpc0,
    if(calls1 = 0, 0, cost1 / calls1) AS cpc1,
    if(total_calls0 = 0, 0, calls0 / total_calls0) AS share0,
    if(total_calls1 = 0, 0, calls1 / total_calls1) AS share1,
    total_calls1 * (share1 - share0) * cpc0 AS mix,
    total_calls1 * share1 * (cpc1 - cpc0) AS price_size
  FROM (
    SELECT
      calls0,
      calls1,
      cost0,
      cost1,
      sum(calls0) OVER () AS total_calls0,
      sum(calls1) OVER () AS total_calls1,
      sum(cost0) OVER () AS total_cost0,
      sum(cost1) OVER () AS total_cost1,
      if(total_calls0 = 0, 0, total_cost0 / total_calls0) AS cpc0_all
    FROM (
      SELECT
        feature,
        if(response_model != '', response_model, request_model) AS model,
        countIf(toUnixTimestamp64Milli(timestamp) < from_ms) AS calls0,
        countIf(toUnixTimestamp64Milli(timestamp) >= from_ms) AS calls1,
        sumIf(cost_usd, toUnixTimestamp64Milli(timestamp) < from_ms) AS cost0,
        sumIf(cost_usd, toUnixTimestamp64Milli(timestamp) >= from_ms) AS cost1
      FROM genai_calls
      WHERE toUnixTimestamp64Milli(timestamp) >= 2 * from_ms - to_ms - 1
        AND toUnixTimestamp64Milli(timestamp) <= to_ms
        AND {{filters calls}}
      GROUP BY feature, model
    )
  )
)
