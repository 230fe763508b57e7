-- What if the same calls had run on another model: each model's calls re-priced with the target
-- model's catalog prices (USD per million tokens; reasoning billed as output). The prices come
-- from a literal table generated from packages/pricing/catalog when the dashboards are built.
-- Panel: Models and providers "What-if: re-priced on another model".
SELECT
  usage.name AS model,
  usage.calls AS calls,
  usage.actual_usd AS actual_usd,
  prices.model AS target_model,
  (usage.uncached_input * prices.input + usage.cache_read * prices.cache_read
    + usage.cache_write * prices.cache_write + usage.output * prices.output) / 1e6 AS repriced_usd,
  repriced_usd - usage.actual_usd AS difference_usd
FROM (
  SELECT
    {{dimension}} AS name,
    count() AS calls,
    sum(cost_usd) AS actual_usd,
    sum(greatest(toInt64(input_tokens) - toInt64(cache_read_tokens) - toInt64(cache_write_tokens), 0)) AS uncached_input,
    sum(cache_read_tokens) AS cache_read,
    sum(cache_write_tokens) AS cache_write,
    sum(output_tokens) AS output
  FROM genai_calls
  WHERE {{time_filter timestamp}}
    AND {{filters calls}}
  GROUP BY name
) AS usage
CROSS JOIN (
  SELECT * FROM {{catalog_prices}} WHERE model = {{text whatif_model}}
) AS prices
ORDER BY actual_usd DESC, model ASC
