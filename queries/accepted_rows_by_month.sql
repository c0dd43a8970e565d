-- Accepted rows per table, agency and month, for comparing two extracts (metrics.report.changes).
-- A row's agency and the date that records it are those of row_agencies (row_agencies.sql); its
-- month is that date's (null for agencies and clients). Every row is counted once.
WITH by_month AS (
    SELECT "table", agency_id, CAST(date_trunc('month', recorded_on) AS DATE) AS month, count(*) AS "rows"
    FROM row_agencies()
    GROUP BY ALL
)
SELECT "table", agency_id, month, "rows"
FROM by_month
ORDER BY "table", agency_id NULLS LAST, month NULLS FIRST
