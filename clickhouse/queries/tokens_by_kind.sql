-- Tokens by kind per model: uncached input, cache reads, cache writes, visible output, reasoning,
-- and the reasoning share of output (OpenTelemetry semantics: input includes cache, output
-- includes reasoning).
-- Panel: Models and providers "Tokens by kind".
SELECT
  {{dimension}} AS name,
  sum(greatest(toInt64(input_tokens) - toInt64(cache_read_tokens) - toInt64(cache_write_tokens), 0)) AS uncached_input,
  sum(cache_read_tokens) AS cache_read,
  sum(cache_write_tokens) AS cache_write,
  sum(greatest(toInt64(output_tokens) - toInt64(reasoning_tokens), 0)) AS visible_output,
  sum(reasoning_tokens) AS reasoning,
  if(sum(output_tokens) = 0, 0, reasoning / sum(output_tokens)) AS reasoning_share
FROM genai_calls
WHERE {{time_filter timestamp}}
  AND {{filters calls}}
GROUP BY name
ORDER BY name ASC
