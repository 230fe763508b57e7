-- The steps of one workflow run in span-tree order (parents before children, siblings by start
-- time), each LLM call with its model, tokens, cost and share of the workflow's total cost.
-- Steps that are not LLM calls have no model, tokens or cost. Spans whose parent is not in the trace are shown as roots. LLM calls whose span is missing
-- from otel_traces still appear, as roots, so the steps always add up to the calls.
-- Panel: Workflow trace "Steps". CLI: spendtrace trace <id>.
WITH RECURSIVE
  spans AS (
    SELECT
      SpanId AS span_id,
      any(ParentSpanId) AS parent_span_id,
      any(SpanName) AS span_name,
      min(Timestamp) AS start,
      any(Duration) AS duration_ns
    FROM otel_traces
    WHERE TraceId = {{text trace_id}}
    GROUP BY SpanId
    UNION ALL
    SELECT
      span_id,
      parent_span_id,
      span_name,
      timestamp AS start,
      duration_ns
    FROM genai_calls
    WHERE trace_id = {{text trace_id}}
      AND span_id NOT IN (SELECT SpanId FROM otel_traces WHERE TraceId = {{text trace_id}})
  ),
  tree AS (
    SELECT span_id, parent_span_id, span_name, start, duration_ns, 0 AS depth, [tuple(start, span_id)] AS path
    FROM spans
    WHERE parent_span_id NOT IN (SELECT span_id FROM spans)
    UNION ALL
    SELECT s.span_id, s.parent_span_id, s.span_name, s.start, s.duration_ns, t.depth + 1,
      arrayPushBack(t.path, tuple(s.start, s.span_id))
    FROM spans AS s
    INNER JOIN tree AS t ON s.parent_span_id = t.span_id
  )
SELECT
  tree.depth AS depth,
  concat(repeat('  ', tree.depth), tree.span_name) AS step,
  tree.span_id AS span_id,
  tree.start AS time,
  tree.duration_ns / 1e6 AS duration_ms,
  if(calls.span_id = '', NULL, calls.model) AS model,
  if(calls.span_id = '', NULL, calls.input_tokens) AS input_tokens,
  if(calls.span_id = '', NULL, calls.output_tokens) AS output_tokens,
  if(calls.span_id = '', NULL, calls.cost_usd) AS cost_usd,
  if(calls.span_id = '' OR totals.cost_usd = 0, NULL, calls.cost_usd / totals.cost_usd) AS share
FROM tree
LEFT JOIN (
  SELECT
    span_id,
    if(response_model != '', response_model, request_model) AS model,
    input_tokens,
    output_tokens,
    cost_usd
  FROM genai_calls
  WHERE trace_id = {{text trace_id}}
) AS calls ON calls.span_id = tree.span_id
CROSS JOIN (
  SELECT sum(cost_usd) AS cost_usd FROM genai_workflow_runs WHERE trace_id = {{text trace_id}}
) AS totals
ORDER BY tree.path ASC
