-- row_agencies(): every accepted row of the extract as ("table", line, agency_id, recorded_on).
-- A row's agency is its own agency_id, else that of the episode or the staff member it names
-- (the contract requires those to be accepted); clients belong to none (agency_id null).
-- recorded_on is the date that records the row, the first date of its row: a contact's
-- contact_at, an episode's referral, an assignment's start, a care plan's completion, a visit, a
-- review's request, a plan's issue, an enrollment, an incident's occurrence, a training's
-- completion, a staff member's hiring; agencies and clients have none. Created at load, for the
-- rows counted per agency (dated_later_rows.sql, accepted_rows_by_month.sql).
CREATE MACRO row_agencies() AS TABLE
    SELECT 'agencies' AS "table", line, agency_id, CAST(NULL AS DATE) AS recorded_on FROM agencies
    UNION ALL SELECT 'staff', line, agency_id, hired_on FROM staff
    UNION ALL SELECT 'clients', line, CAST(NULL AS VARCHAR), CAST(NULL AS DATE) FROM clients
    UNION ALL SELECT 'episodes', line, agency_id, CAST(referred_at AS DATE) FROM episodes
    UNION ALL SELECT 'assignments', a.line, e.agency_id, a.start_on FROM assignments a JOIN episodes e USING (episode_id)
    UNION ALL SELECT 'contacts', c.line, e.agency_id, CAST(c.contact_at AS DATE)
              FROM contacts c JOIN episodes e USING (episode_id)
    UNION ALL SELECT 'care_plans', p.line, e.agency_id, p.completed_on FROM care_plans p JOIN episodes e USING (episode_id)
    UNION ALL SELECT 'monitoring_visits', line, agency_id, visited_on FROM monitoring_visits
    UNION ALL SELECT 'documentation_reviews', line, agency_id, requested_on FROM documentation_reviews
    UNION ALL SELECT 'action_plans', line, agency_id, issued_on FROM action_plans
    UNION ALL SELECT 'crs_enrollments', line, agency_id, enrolled_on FROM crs_enrollments
    UNION ALL SELECT 'incidents', line, agency_id, occurred_on FROM incidents
    UNION ALL SELECT 'trainings', t.line, s.agency_id, t.completed_on FROM trainings t JOIN staff s USING (staff_id)
