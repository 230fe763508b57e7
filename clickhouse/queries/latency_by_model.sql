-- Latency per model (mean, median, p95) and mean time to first chunk of streamed calls.
-- quantileExact: the dashboards show the true percentiles of the calls, not an estimate.
-- Panel: Models and providers "Latency and time to first chunk".
SELECT
  {{dimension}} AS name,
  count() AS calls,
  avg(duration_ns) / 1e6 AS avg_latency_ms,
  quantileExact(0.5)(duration_ns) / 1e6 AS p50_latency_ms,
  quantileExact(0.95)(duration_ns) / 1e6 AS p95_latency_ms,
  if(countIf(streaming AND time_to_first_chunk_ns > 0) = 0, NULL,
     avgIf(time_to_first_chunk_ns, streaming AND time_to_first_chunk_ns > 0) / 1e6) AS avg_time_to_first_chunk_ms
FROM genai_calls
WHERE {{time_filter timestamp}}
  AND {{filters calls}}
GROUP BY name
ORDER BY name ASC
