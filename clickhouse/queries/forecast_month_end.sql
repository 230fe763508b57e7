-- Month-to-date spend (UTC calendar month of the range end) and the month-end forecast at the
-- current pace: spend so far / seconds elapsed × seconds in the month.
-- Panel: Overview "Forecast to month end".
WITH
  toDateTime({{to}}, 'UTC') AS range_end,
  toDateTime(toStartOfMonth(range_end), 'UTC') AS month_start,
  toDateTime(addMonths(toStartOfMonth(range_end), 1), 'UTC') AS next_month_start
SELECT
  sum(cost_usd) AS month_to_date_usd,
  month_to_date_usd / greatest(dateDiff('second', month_start, range_end), 1)
    * dateDiff('second', month_start, next_month_start) AS forecast_month_usd
FROM genai_calls
WHERE timestamp >= month_start
  AND timestamp <= {{to}}
  AND {{filters calls}}
