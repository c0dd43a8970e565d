-- The monthly sums of the contact periods stored at load (table adherence_grid: the rows of
-- adherence_periods.sql as of the extract's last date) for the filters: periods whose last
-- day is by the end of $as_of and within the window. Valid for any $as_of up to the date
-- the grid was stored for, since a due period never depends on anything after its last day.
WITH kept AS (
    SELECT *
    FROM adherence_grid
    WHERE last_day <= CAST($as_of AS DATE)
      AND ($period_start IS NULL OR last_day >= CAST($period_start AS DATE))
      AND ($period_end IS NULL OR last_day <= CAST($period_end AS DATE))
      AND ($agencies IS NULL OR list_contains($agencies, agency_id))
      AND ($service_levels IS NULL OR list_contains($service_levels, service_level))
)
SELECT CAST(date_trunc('month', last_day) AS DATE) AS month, agency_id, staff_id, service_level, requirement,
       CAST(sum(periods_due) AS BIGINT) AS periods_due,
       CAST(sum(periods_met) AS BIGINT) AS periods_met
FROM kept
GROUP BY ALL
