-- One row per DCTS program: its latest annual documentation oversight by $as_of and
-- whether the next one is due (no review completed in the $interval_months before $as_of).
WITH programs AS (
    SELECT agency_id, agency_name
    FROM agencies
    WHERE oversight = 'DCTS'
      AND ($agencies IS NULL OR list_contains($agencies, agency_id))
),
reviews_by_as_of AS (
    -- A date after $as_of has not happened yet.
    SELECT agency_id, review_year, requested_on,
           CASE WHEN materials_received_on <= $as_of THEN materials_received_on END AS materials_received_on,
           population_size, sample_size,
           CASE WHEN completed_on <= $as_of THEN completed_on END AS completed_on,
           CASE WHEN completed_on <= $as_of THEN outcome END AS outcome
    FROM documentation_reviews
    WHERE requested_on <= $as_of
),
latest AS (
    SELECT * FROM reviews_by_as_of
    QUALIFY row_number() OVER (PARTITION BY agency_id ORDER BY requested_on DESC, review_year DESC) = 1
),
last_completed AS (
    SELECT agency_id, max(completed_on) AS last_completed_on FROM reviews_by_as_of GROUP BY agency_id
)
SELECT $as_of AS as_of, p.agency_id, p.agency_name,
       l.review_year, l.requested_on, l.materials_received_on, l.population_size, l.sample_size,
       l.completed_on, l.outcome, c.last_completed_on,
       c.last_completed_on IS NULL
           OR c.last_completed_on < CAST($as_of - to_months($interval_months) AS DATE) AS review_due
FROM programs p
LEFT JOIN latest l USING (agency_id)
LEFT JOIN last_completed c USING (agency_id)
ORDER BY p.agency_id
