-- The rows dated after the extract was taken, as the loader listed them in `warnings` (a row per
-- column so dated, its reason starting with $dated_later), each with its agency: its own
-- agency_id, else that of the episode or the staff member it names. Clients record no event and
-- are never dated later. $check is the check's id (metrics.extract.checks).
WITH warned AS (
    SELECT "table", line, "column", value, reason
    FROM warnings
    WHERE starts_with(reason, $dated_later)
),
warned_lines AS (
    SELECT DISTINCT "table", line FROM warned
),
episode_agency AS (
    SELECT episode_id, arg_min(agency_id, line) AS agency_id FROM episodes GROUP BY episode_id
),
staff_agency AS (
    SELECT staff_id, arg_min(agency_id, line) AS agency_id FROM staff GROUP BY staff_id
),
agency_of_row AS (
    -- Only the warned rows are looked up: a semi-join per table keeps the large tables unread.
    SELECT 'agencies' AS "table", line, agency_id FROM agencies
        WHERE line IN (SELECT line FROM warned_lines WHERE "table" = 'agencies')
    UNION ALL SELECT 'staff', line, agency_id FROM staff
        WHERE line IN (SELECT line FROM warned_lines WHERE "table" = 'staff')
    UNION ALL SELECT 'episodes', line, agency_id FROM episodes
        WHERE line IN (SELECT line FROM warned_lines WHERE "table" = 'episodes')
    UNION ALL SELECT 'assignments', a.line, coalesce(e.agency_id, s.agency_id)
        FROM assignments a
        LEFT JOIN episode_agency e USING (episode_id) LEFT JOIN staff_agency s USING (staff_id)
        WHERE a.line IN (SELECT line FROM warned_lines WHERE "table" = 'assignments')
    UNION ALL SELECT 'contacts', c.line, coalesce(e.agency_id, s.agency_id)
        FROM contacts c
        LEFT JOIN episode_agency e USING (episode_id) LEFT JOIN staff_agency s USING (staff_id)
        WHERE c.line IN (SELECT line FROM warned_lines WHERE "table" = 'contacts')
    UNION ALL SELECT 'care_plans', p.line, e.agency_id
        FROM care_plans p LEFT JOIN episode_agency e USING (episode_id)
        WHERE p.line IN (SELECT line FROM warned_lines WHERE "table" = 'care_plans')
    UNION ALL SELECT 'monitoring_visits', line, agency_id FROM monitoring_visits
        WHERE line IN (SELECT line FROM warned_lines WHERE "table" = 'monitoring_visits')
    UNION ALL SELECT 'documentation_reviews', line, agency_id FROM documentation_reviews
        WHERE line IN (SELECT line FROM warned_lines WHERE "table" = 'documentation_reviews')
    UNION ALL SELECT 'action_plans', line, agency_id FROM action_plans
        WHERE line IN (SELECT line FROM warned_lines WHERE "table" = 'action_plans')
    UNION ALL SELECT 'crs_enrollments', line, agency_id FROM crs_enrollments
        WHERE line IN (SELECT line FROM warned_lines WHERE "table" = 'crs_enrollments')
    UNION ALL SELECT 'incidents', line, agency_id FROM incidents
        WHERE line IN (SELECT line FROM warned_lines WHERE "table" = 'incidents')
    UNION ALL SELECT 'trainings', t.line, s.agency_id
        FROM trainings t LEFT JOIN staff_agency s USING (staff_id)
        WHERE t.line IN (SELECT line FROM warned_lines WHERE "table" = 'trainings')
)
SELECT w."table", w.line, r.agency_id, $check AS "check", w."column", w.value, w.reason AS detail
FROM warned w
LEFT JOIN agency_of_row r USING ("table", line)
ORDER BY w."table", w.line, w."column"
