-- Month-to-date spend per customer (UTC calendar month of the range end) against its monthly
-- budget (grafana/settings.yaml `budgets`).
-- Panel: Customer detail "Budget".
WITH toDateTime(toStartOfMonth(toDateTime({{to}}, 'UTC')), 'UTC') AS month_start
SELECT
  customer_id AS customer,
  sum(cost_usd) AS month_to_date_usd,
  any({{customer_budget customer_id}}) AS budget_usd,
  month_to_date_usd / budget_usd AS budget_used
FROM genai_calls
WHERE timestamp >= month_start
  AND timestamp <= {{to}}
  AND customer_id != ''
  AND {{filters calls}}
GROUP BY customer_id
ORDER BY budget_used DESC, customer ASC
