-- Alert: per customer, month-to-date spend (UTC calendar month of the range end) as a share of its
-- monthly budget (settings `budgets`). One series per customer.
-- Rule "Customer over budget" fires for a customer whose share exceeds `budget_alert_ratio`.
WITH toDateTime(toStartOfMonth(toDateTime({{to}}, 'UTC')), 'UTC') AS month_start
SELECT customer, budget_used
FROM (
  SELECT
    customer_id AS customer,
    sum(cost_usd) / any({{customer_budget customer_id}}) AS budget_used
  FROM genai_calls
  WHERE timestamp >= month_start
    AND timestamp <= {{to}}
    AND customer_id != ''
  GROUP BY customer_id
)
ORDER BY customer ASC
