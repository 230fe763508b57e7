-- Spend broken down by one dimension (feature, model, provider, customer, user, workflow, day):
-- calls, tokens, cost, cost per call and share of the range's spend.
-- Panels: cost per call by feature, top customers / users, model mix, features used.
-- CLI: spendtrace report --by <dimension>.
SELECT
  {{dimension}} AS name,
  count() AS calls,
  sum(input_tokens) AS input_tokens,
  sum(output_tokens) AS output_tokens,
  sum(cost_usd) AS spend_usd,
  spend_usd / calls AS cost_per_call_usd,
  spend_usd / sum(sum(cost_usd)) OVER () AS share
FROM genai_calls
WHERE {{time_filter timestamp}}
  AND {{filters calls}}
GROUP BY name
ORDER BY {{dimension_order}}
