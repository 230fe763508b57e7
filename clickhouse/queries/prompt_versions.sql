-- Prompt versions compared: cost per call, average tokens in and out, cache hit rate
-- (cache-read share of input tokens).
-- Panel: Feature detail "Prompt versions".
SELECT
  if(prompt_name = '', '(none)', prompt_name) AS prompt,
  if(prompt_version = '', '(none)', prompt_version) AS version,
  count() AS calls,
  sum(cost_usd) / calls AS cost_per_call_usd,
  sum(input_tokens) / calls AS avg_input_tokens,
  sum(output_tokens) / calls AS avg_output_tokens,
  if(sum(input_tokens) = 0, 0, sum(cache_read_tokens) / sum(input_tokens)) AS cache_hit_rate
FROM genai_calls
WHERE {{time_filter timestamp}}
  AND {{filters calls}}
GROUP BY prompt, version
ORDER BY prompt ASC, version ASC
