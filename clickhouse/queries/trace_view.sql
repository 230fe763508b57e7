-- One trace in the shape Grafana's trace panel reads (the ClickHouse plugin's trace mode columns),
-- narrowed to the trace's time range through the otel_traces_trace_id_ts lookup table.
-- Panel: Workflow trace "Trace".
WITH
  (SELECT min(Start) FROM otel_traces_trace_id_ts WHERE TraceId = {{text trace_id}}) AS trace_start,
  (SELECT max(End) + 1 FROM otel_traces_trace_id_ts WHERE TraceId = {{text trace_id}}) AS trace_end
SELECT
  TraceId AS traceID,
  SpanId AS spanID,
  ParentSpanId AS parentSpanID,
  ServiceName AS serviceName,
  SpanName AS operationName,
  toUnixTimestamp64Nano(Timestamp) / 1000000 AS startTime,
  Duration / 1000000 AS duration,
  arrayMap(key -> map('key', key, 'value', SpanAttributes[key]), mapKeys(SpanAttributes)) AS tags,
  arrayMap(key -> map('key', key, 'value', ResourceAttributes[key]), mapKeys(ResourceAttributes)) AS serviceTags
FROM otel_traces
WHERE TraceId = {{text trace_id}}
  AND Timestamp >= trace_start
  AND Timestamp <= trace_end
ORDER BY Timestamp ASC, SpanId ASC
