-- The 20 slowest calls, with their trace ids (a "View trace" link in Grafana).
-- Panel: Feature detail "Slowest calls".
SELECT
  timestamp AS time,
  trace_id,
  feature,
  if(response_model != '', response_model, request_model) AS model,
  duration_ns / 1e6 AS duration_ms,
  time_to_first_chunk_ns / 1e6 AS time_to_first_chunk_ms,
  input_tokens,
  output_tokens,
  cost_usd
FROM genai_calls
WHERE {{time_filter timestamp}}
  AND {{filters calls}}
ORDER BY duration_ns DESC, timestamp ASC, span_id ASC
LIMIT 20
