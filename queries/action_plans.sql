-- One row per plan of action or corrective action issued by $as_of, with its status on
-- $as_of and, for corrective actions, whether the written response came in time. A window
-- ($period_start/$period_end) keeps the plans issued within it, and those issued before it
-- still open or overdue on $as_of: work outstanding never drops out of view.
WITH issued AS (
    SELECT plan_id, agency_id, kind, source, issued_on, due_on, parent_plan_id,
           -- A completion or response dated after $as_of has not happened yet.
           CASE WHEN completed_on <= $as_of THEN completed_on END AS completed_on,
           CASE WHEN response_on <= $as_of THEN response_on END AS response_on
    FROM action_plans
    WHERE issued_on <= $as_of
),
escalated AS (
    SELECT DISTINCT parent_plan_id AS plan_id
    FROM issued
    WHERE kind = 'corrective_action' AND parent_plan_id IS NOT NULL
),
with_status AS (
    SELECT i.*,
           CASE WHEN e.plan_id IS NOT NULL THEN 'escalated'
                WHEN i.completed_on IS NOT NULL AND i.completed_on <= i.due_on THEN 'completed_on_time'
                WHEN i.completed_on IS NOT NULL THEN 'completed_late'
                WHEN $as_of <= i.due_on THEN 'open'
                ELSE 'overdue' END AS status,
           CASE WHEN i.kind = 'corrective_action'
                THEN i.issued_on + $response_days END AS response_due_on
    FROM issued i LEFT JOIN escalated e USING (plan_id)
)
SELECT $as_of AS as_of, plan_id, agency_id, kind, source, issued_on, due_on, completed_on, status,
       CASE WHEN status = 'overdue' THEN $as_of - due_on ELSE 0 END AS days_overdue,
       CASE WHEN kind <> 'corrective_action' THEN NULL
            WHEN response_on IS NOT NULL AND response_on <= response_due_on THEN 'on_time'
            WHEN response_on IS NOT NULL THEN 'late'
            WHEN $as_of <= response_due_on THEN 'pending'
            ELSE 'missing' END AS response_status,
       response_on, response_due_on, parent_plan_id,
       completed_on - issued_on AS days_to_complete
FROM with_status
WHERE ($agencies IS NULL OR list_contains($agencies, agency_id))
  AND ($period_start IS NULL OR issued_on >= $period_start OR status IN ('open', 'overdue'))
  AND ($period_end IS NULL OR issued_on <= $period_end)
ORDER BY status = 'overdue' DESC, days_overdue DESC, agency_id, issued_on, plan_id
