-- One row per care-coordination milestone still open on the morning after $as_of, due within
-- $horizon_days days or overdue, for episodes of $rsc_levels enrolled by D and not discharged by
-- then (milestones_episodes.sql counts how often they were met; this lists what is left to do):
--   rst_formed   no RST meeting yet: due enrolled_on + $rst_formed_days
--   sccp_final   no final care plan yet: due enrolled_on + $sccp_final_days
--   sccp_review  a final plan by D: the next care-plan event is due $sccp_review_days after the
--                latest one by D
WITH horizon AS (
    SELECT CAST($as_of AS DATE) AS as_of
),
enrolled AS (
    SELECT e.episode_id, e.agency_id, e.service_level, e.enrolled_on,
           CASE WHEN f.first_rst_meeting_on <= h.as_of THEN f.first_rst_meeting_on END AS rst_meeting_on,
           CASE WHEN f.first_final_plan_on <= h.as_of THEN f.first_final_plan_on END AS final_on,
           list_max(list_filter(f.plan_days_from_final, lambda day: day <= h.as_of)) AS last_plan_on
    FROM episodes e
    JOIN episode_firsts f ON f.episode_id = e.episode_id
    CROSS JOIN horizon h
    WHERE e.enrolled_on <= h.as_of
      AND (e.discharged_on IS NULL OR e.discharged_on > h.as_of)
      AND list_contains($rsc_levels, e.service_level)
      AND ($agencies IS NULL OR list_contains($agencies, e.agency_id))
      AND ($service_levels IS NULL OR list_contains($service_levels, e.service_level))
),
open_milestones AS (
    SELECT episode_id, agency_id, service_level, 'rst_formed' AS milestone,
           enrolled_on + $rst_formed_days AS due_on
    FROM enrolled WHERE rst_meeting_on IS NULL
    UNION ALL
    SELECT episode_id, agency_id, service_level, 'sccp_final', enrolled_on + $sccp_final_days
    FROM enrolled WHERE final_on IS NULL
    UNION ALL
    SELECT episode_id, agency_id, service_level, 'sccp_review', last_plan_on + $sccp_review_days
    FROM enrolled WHERE final_on IS NOT NULL
),
assigned AS (
    -- The staff member on D (assigned_on.sql).
    SELECT * FROM assigned_on(CAST($as_of AS DATE))
)
SELECT m.episode_id, m.agency_id, m.service_level, m.milestone, a.staff_id, m.due_on,
       m.due_on - h.as_of AS days_left,
       m.due_on < h.as_of AS overdue
FROM open_milestones m
CROSS JOIN horizon h
LEFT JOIN assigned a ON a.episode_id = m.episode_id
WHERE m.due_on - h.as_of <= $horizon_days
ORDER BY days_left, m.agency_id, a.staff_id NULLS LAST, m.episode_id, m.milestone
