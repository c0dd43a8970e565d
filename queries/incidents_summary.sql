-- One row per program and incident category: incidents that occurred in the period window
-- and were reported by $as_of, and the days from occurrence to report.
WITH reported AS (
    SELECT agency_id, category, occurred_on, reported_on, reported_on - occurred_on AS days_to_report
    FROM incidents
    -- A report dated after $as_of has not been received yet.
    WHERE reported_on <= $as_of
      AND ($agencies IS NULL OR list_contains($agencies, agency_id))
      AND ($period_start IS NULL OR occurred_on >= $period_start)
      AND ($period_end IS NULL OR occurred_on <= $period_end)
)
SELECT $as_of AS as_of, agency_id, category, count(*) AS incidents,
       median(days_to_report) AS median_days_to_report,
       max(days_to_report) AS max_days_to_report,
       min(occurred_on) AS first_occurred_on, max(occurred_on) AS last_occurred_on
FROM reported
GROUP BY agency_id, category
ORDER BY agency_id, incidents DESC, category
