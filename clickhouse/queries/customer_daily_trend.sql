-- Daily spend and its running total over the range, with the monthly budget of the selected
-- customers as a line.
-- Panel: Customer detail "Daily trend and budget".
SELECT
  time,
  spend_usd,
  sum(spend_usd) OVER (ORDER BY time ASC) AS cumulative_usd,
  budget_usd
FROM (
  SELECT
    toDateTime(toDate(timestamp, 'UTC'), 'UTC') AS time,
    sum(cost_usd) AS spend_usd
  FROM genai_calls
  WHERE {{time_filter timestamp}}
    AND customer_id != ''
    AND {{filters calls}}
  GROUP BY time
) AS daily
CROSS JOIN (
  SELECT sum({{customer_budget customer_id}}) AS budget_usd
  FROM (
    SELECT DISTINCT customer_id
    FROM genai_calls
    WHERE {{time_filter timestamp}}
      AND customer_id != ''
      AND {{filters calls}}
  )
) AS budget
ORDER BY time ASC
