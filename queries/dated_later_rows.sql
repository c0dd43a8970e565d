-- Accepted rows with a warning that they are dated after the extract was taken, counted per
-- table and agency. A row warned in several columns counts once. A row's agency is its own
-- agency_id, else that of the episode or the staff member it names (which the contract
-- requires to be accepted); a table not listed here gets a NULL agency, so that its rows are
-- still counted, never dropped. Clients record no event and are never dated later.
-- $dated_later is the start of the loader's reason for such a warning. $agencies keeps the rows
-- of those agencies (a row of no known agency then goes too).
WITH warned AS (
    SELECT DISTINCT "table", line
    FROM warnings
    WHERE starts_with(reason, $dated_later)
),
agency_of_row AS (
    SELECT 'agencies' AS "table", line, agency_id FROM agencies
    UNION ALL SELECT 'staff', line, agency_id FROM staff
    UNION ALL SELECT 'episodes', line, agency_id FROM episodes
    UNION ALL SELECT 'assignments', a.line, e.agency_id FROM assignments a JOIN episodes e USING (episode_id)
    UNION ALL SELECT 'contacts', c.line, e.agency_id FROM contacts c JOIN episodes e USING (episode_id)
    UNION ALL SELECT 'care_plans', p.line, e.agency_id FROM care_plans p JOIN episodes e USING (episode_id)
    UNION ALL SELECT 'monitoring_visits', line, agency_id FROM monitoring_visits
    UNION ALL SELECT 'documentation_reviews', line, agency_id FROM documentation_reviews
    UNION ALL SELECT 'action_plans', line, agency_id FROM action_plans
    UNION ALL SELECT 'crs_enrollments', line, agency_id FROM crs_enrollments
    UNION ALL SELECT 'incidents', line, agency_id FROM incidents
    UNION ALL SELECT 'trainings', t.line, s.agency_id FROM trainings t JOIN staff s USING (staff_id)
),
warned_rows AS (
    SELECT w."table", r.agency_id
    FROM warned w
    LEFT JOIN agency_of_row r USING ("table", line)
    WHERE $agencies IS NULL OR list_contains($agencies, r.agency_id)
)
SELECT "table", agency_id, count(*) AS "rows"
FROM warned_rows
GROUP BY "table", agency_id
ORDER BY "table", agency_id
