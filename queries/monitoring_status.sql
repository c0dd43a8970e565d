-- One row per DCTS program: its last biennial monitoring visit by $as_of, when the next
-- is due ($interval_years after it, or after the program's start), and its status.
WITH programs AS (
    SELECT agency_id, agency_name, program_start_on
    FROM agencies
    WHERE oversight = 'DCTS'
      AND ($agencies IS NULL OR list_contains($agencies, agency_id))
),
visits_by_as_of AS (
    SELECT agency_id, max(visited_on) AS last_visit_on, count(*) AS visits
    FROM monitoring_visits
    WHERE visited_on <= $as_of
    GROUP BY agency_id
),
due AS (
    SELECT p.agency_id, p.agency_name, p.program_start_on, v.last_visit_on,
           coalesce(v.visits, 0) AS visits,
           -- A date plus whole years keeps month and day; 29 February lands on 28 February.
           CAST(coalesce(v.last_visit_on + to_years($interval_years),
                         p.program_start_on + to_years($interval_years),
                         $as_of) AS DATE) AS next_due_on
    FROM programs p LEFT JOIN visits_by_as_of v USING (agency_id)
)
SELECT $as_of AS as_of, agency_id, agency_name, program_start_on, visits, last_visit_on, next_due_on,
       CASE WHEN next_due_on < $as_of THEN 'overdue'
            WHEN next_due_on <= $as_of + $due_soon_days THEN 'due_soon'
            ELSE 'current' END AS status,
       next_due_on - $as_of AS days_until_due
FROM due
ORDER BY days_until_due, agency_id
