-- Calls that failed (error_type set) or answered nothing (no output tokens; embeddings excluded),
-- and what they cost, per dimension value.
-- Panel: Overview "Errors and empty answers".
SELECT
  {{dimension}} AS name,
  countIf(error_type != '') AS error_calls,
  sumIf(cost_usd, error_type != '') AS error_cost_usd,
  countIf(error_type = '' AND output_tokens = 0 AND operation != 'embeddings') AS empty_calls,
  sumIf(cost_usd, error_type = '' AND output_tokens = 0 AND operation != 'embeddings') AS empty_cost_usd
FROM genai_calls
WHERE {{time_filter timestamp}}
  AND {{filters calls}}
GROUP BY name
HAVING error_calls + empty_calls > 0
ORDER BY error_cost_usd + empty_cost_usd DESC, name ASC
