-- Accepted rows per table, agency and month, for comparing two extracts (metrics.report.changes).
-- A row's agency is its own agency_id, else that of the episode or the staff member it names
-- (accepted rows name accepted ones); clients belong to none (agency_id null). A row's month is
-- that of the date that records it, the first date of its row: a contact's contact_at, an
-- episode's referral, an assignment's start, a care plan's completion, a visit, a review's
-- request, a plan's issue, an enrollment, an incident's occurrence, a training's completion, a
-- staff member's hiring. Agencies and clients have none (month null). Every row is counted once.
WITH dated_rows AS (
    SELECT 'agencies' AS "table", agency_id, CAST(NULL AS DATE) AS day FROM agencies
    UNION ALL SELECT 'staff', agency_id, hired_on FROM staff
    UNION ALL SELECT 'clients', CAST(NULL AS VARCHAR), CAST(NULL AS DATE) FROM clients
    UNION ALL SELECT 'episodes', agency_id, CAST(referred_at AS DATE) FROM episodes
    UNION ALL SELECT 'assignments', e.agency_id, a.start_on FROM assignments a JOIN episodes e USING (episode_id)
    UNION ALL SELECT 'contacts', e.agency_id, CAST(c.contact_at AS DATE) FROM contacts c JOIN episodes e USING (episode_id)
    UNION ALL SELECT 'care_plans', e.agency_id, p.completed_on FROM care_plans p JOIN episodes e USING (episode_id)
    UNION ALL SELECT 'monitoring_visits', agency_id, visited_on FROM monitoring_visits
    UNION ALL SELECT 'documentation_reviews', agency_id, requested_on FROM documentation_reviews
    UNION ALL SELECT 'action_plans', agency_id, issued_on FROM action_plans
    UNION ALL SELECT 'crs_enrollments', agency_id, enrolled_on FROM crs_enrollments
    UNION ALL SELECT 'incidents', agency_id, occurred_on FROM incidents
    UNION ALL SELECT 'trainings', s.agency_id, t.completed_on FROM trainings t JOIN staff s USING (staff_id)
),
by_month AS (
    SELECT "table", agency_id, CAST(date_trunc('month', day) AS DATE) AS month, count(*) AS "rows"
    FROM dated_rows
    GROUP BY ALL
)
SELECT "table", agency_id, month, "rows"
FROM by_month
ORDER BY "table", agency_id NULLS LAST, month NULLS FIRST
