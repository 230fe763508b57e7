-- Alert: share of failed calls over the alert's time range (the last hour); 0 below
-- `error_min_calls` calls so a quiet hour with one failure does not page anyone.
-- Rule "Error surge" fires when it exceeds the `error_rate` setting.
SELECT if(count() < {{setting error_min_calls}}, 0, countIf(error_type != '') / count()) AS error_rate
FROM genai_calls
WHERE {{time_filter timestamp}}
