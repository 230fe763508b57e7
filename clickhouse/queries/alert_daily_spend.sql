-- Alert: spend over the alert's time range (the last 24 hours), one number.
-- Rule "Daily spend over threshold" fires when it exceeds the `daily_spend_usd` setting.
SELECT sum(cost_usd) AS spend_usd
FROM genai_calls
WHERE {{time_filter timestamp}}
