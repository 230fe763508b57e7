-- The 20 most expensive calls, with their trace ids.
-- Panel: Feature detail "Most expensive calls".
SELECT
  timestamp AS time,
  trace_id,
  feature,
  if(response_model != '', response_model, request_model) AS model,
  input_tokens,
  output_tokens,
  cost_usd,
  duration_ns / 1e6 AS duration_ms
FROM genai_calls
WHERE {{time_filter timestamp}}
  AND {{filters calls}}
ORDER BY cost_usd DESC, timestamp ASC, span_id ASC
LIMIT 20
