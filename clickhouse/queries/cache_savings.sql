-- Cache hit rate per model and what caching saved: cache-read tokens priced at the model's own
-- effective uncached input price, minus what the cache reads actually cost.
-- Panel: Models and providers "Cache hit rate and savings".
SELECT
  name,
  cache_read / input AS cache_hit_rate,
  if(uncached_input = 0, 0, uncached_input_cost / uncached_input * cache_read - cache_read_cost) AS cache_savings_usd
FROM (
  SELECT
    {{dimension}} AS name,
    sum(input_tokens) AS input,
    sum(cache_read_tokens) AS cache_read,
    sum(greatest(toInt64(input_tokens) - toInt64(cache_read_tokens) - toInt64(cache_write_tokens), 0)) AS uncached_input,
    sum(cost_input_usd) AS uncached_input_cost,
    sum(cost_cache_read_usd) AS cache_read_cost
  FROM genai_calls
  WHERE {{time_filter timestamp}}
    AND {{filters calls}}
  GROUP BY name
)
WHERE input > 0
ORDER BY name ASC
