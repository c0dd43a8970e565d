-- One row per staff member of a DCTS program employed on $as_of: orientation hours completed
-- by the end of the first $orientation_months months (exempt hours count), and whether
-- the requirement of $orientation_hours hours is met, missed, or still open on $as_of.
WITH hires AS (
    SELECT s.staff_id, s.agency_id, s.role, s.hired_on, s.separated_on,
           -- A date plus whole months keeps the day; 30 November + 3 months is 28 February.
           CAST(s.hired_on + to_months($orientation_months) AS DATE) AS deadline_on
    FROM staff s JOIN agencies a USING (agency_id)
    WHERE a.oversight = 'DCTS'
      AND s.hired_on <= $as_of
      AND ($agencies IS NULL OR list_contains($agencies, s.agency_id))
      AND ($period_start IS NULL OR s.hired_on >= $period_start)
      AND ($period_end IS NULL OR s.hired_on <= $period_end)
),
judged AS (
    -- The staff a program employs on $as_of: those it can still act on. Someone who left
    -- has no training left to catch up on.
    SELECT *
    FROM hires
    WHERE separated_on IS NULL OR separated_on >= $as_of
),
hours AS (
    -- Training before hire counts: exemptions rest on training done in the previous 12 months.
    SELECT j.staff_id,
           coalesce(sum(t.hours), 0) AS hours,
           coalesce(sum(CASE WHEN t.exempt THEN t.hours END), 0) AS exempt_hours
    FROM judged j
    LEFT JOIN trainings t
           ON t.staff_id = j.staff_id AND t.completed_on <= least(j.deadline_on, $as_of)
    GROUP BY j.staff_id
)
SELECT $as_of AS as_of, j.agency_id, j.staff_id, j.role, j.hired_on, j.deadline_on,
       CAST(h.hours AS DOUBLE) AS hours, CAST(h.exempt_hours AS DOUBLE) AS exempt_hours,
       CASE WHEN h.hours >= $orientation_hours THEN 'met'
            WHEN j.deadline_on < $as_of THEN 'not_met'
            ELSE 'in_window' END AS status,
       greatest(CAST($orientation_hours AS DOUBLE) - h.hours, 0) AS hours_short,
       j.deadline_on - $as_of AS days_until_deadline
FROM judged j JOIN hours h USING (staff_id)
ORDER BY status = 'not_met' DESC, status = 'in_window' DESC, j.deadline_on, j.agency_id, j.staff_id
