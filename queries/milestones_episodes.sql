-- One row per episode and care-coordination milestone that applies to it, as of the end of
-- $as_of: the milestone's deadline, whether it is due and whether it was met.
--   rst_formed        ($rsc_levels)  an RST meeting by enrolled_on + $rst_formed_days
--   sccp_final        ($rsc_levels)  a final care plan by enrolled_on + $sccp_final_days
--   sccp_review       ($rsc_levels)  from the first final plan on, every care-plan event is
--                                    followed by another within $sccp_review_days while enrolled
--   rst_at_discharge  ($cm_levels)   discharged episodes: an RST meeting within
--                                    $rst_at_discharge_days days before or after discharged_on
-- Episodes are those enrolled by D (discharged by D for rst_at_discharge). $period_start and
-- $period_end keep the rows whose deadline lies within them.
WITH bounds AS (
    SELECT CAST($as_of AS DATE) AS as_of,
           CAST($period_start AS DATE) AS period_start,
           CAST($period_end AS DATE) AS period_end
),
enrolled AS (
    -- E (observed_to) is the earlier of discharge and D; a discharge after D has not happened yet.
    -- The first events after the referral come from episode_firsts (episode_firsts.sql), which
    -- reads the whole extract. Events after D change no row: a milestone is met only when due,
    -- due only once its deadline is by E (by D at discharge), and an event after E can only
    -- move a review lapse that is itself after E.
    SELECT e.episode_id, e.agency_id, e.service_level, e.enrolled_on,
           CASE WHEN e.discharged_on <= b.as_of THEN e.discharged_on END AS discharged_on,
           least(coalesce(e.discharged_on, b.as_of), b.as_of) AS observed_to,
           f.first_rst_meeting_on, f.discharge_meeting_gap_days, f.first_final_plan_on,
           f.plan_days_from_final
    FROM episodes e
    JOIN episode_firsts f ON f.episode_id = e.episode_id
    CROSS JOIN bounds b
    WHERE e.enrolled_on <= b.as_of
      AND ($agencies IS NULL OR list_contains($agencies, e.agency_id))
      AND ($service_levels IS NULL OR list_contains($service_levels, e.service_level))
),
rsc_enrolled AS (
    -- The review clock starts at the first final plan made while enrolled (by E). Each
    -- care-plan day sets the next deadline $sccp_review_days later; the first deadline with
    -- no event by it (the next event more than $sccp_review_days later, or none) is the day
    -- the reviews lapse. The reviews are kept through E when they lapse after E: a deadline
    -- on or before E with no event by it is a gap of more than $sccp_review_days days while
    -- enrolled, since the next event could come on the day after the deadline at the earliest.
    SELECT x.*,
           CASE WHEN x.first_final_plan_on <= x.observed_to THEN x.first_final_plan_on END AS final_on,
           list_min(list_transform(x.plan_days_from_final, lambda day, i:
               CASE WHEN i = len(x.plan_days_from_final)
                         OR x.plan_days_from_final[i + 1] - day > $sccp_review_days
                    THEN day + $sccp_review_days END)) AS reviews_lapse_on
    FROM enrolled x
    WHERE list_contains($rsc_levels, x.service_level)
),
rst_formed AS (
    -- Due once the deadline day has passed while the client was still enrolled (deadline ≤ E).
    SELECT episode_id, 'rst_formed' AS milestone, enrolled_on + $rst_formed_days AS deadline,
           enrolled_on + $rst_formed_days <= observed_to AS due,
           coalesce(first_rst_meeting_on <= enrolled_on + $rst_formed_days, false) AS achieved
    FROM rsc_enrolled
),
sccp_final AS (
    SELECT episode_id, 'sccp_final' AS milestone, enrolled_on + $sccp_final_days AS deadline,
           enrolled_on + $sccp_final_days <= observed_to AS due,
           coalesce(first_final_plan_on <= enrolled_on + $sccp_final_days, false) AS achieved
    FROM rsc_enrolled
),
sccp_review AS (
    -- Due once the first deadline (final plan + $sccp_review_days) falls on or before E; an
    -- episode without a final plan by E is not due here (sccp_final counts that).
    SELECT episode_id, 'sccp_review' AS milestone, final_on + $sccp_review_days AS deadline,
           coalesce(final_on + $sccp_review_days <= observed_to, false) AS due,
           coalesce(observed_to < reviews_lapse_on, false) AS achieved
    FROM rsc_enrolled
),
rst_at_discharge AS (
    -- Due once the window after discharge has closed by D.
    SELECT x.episode_id, 'rst_at_discharge' AS milestone, x.discharged_on + $rst_at_discharge_days AS deadline,
           x.discharged_on + $rst_at_discharge_days <= b.as_of AS due,
           coalesce(x.discharge_meeting_gap_days <= $rst_at_discharge_days, false) AS achieved
    FROM enrolled x
    CROSS JOIN bounds b
    WHERE list_contains($cm_levels, x.service_level)
      AND x.discharged_on IS NOT NULL
),
milestones AS (
    SELECT * FROM rst_formed
    UNION ALL BY NAME SELECT * FROM sccp_final
    UNION ALL BY NAME SELECT * FROM sccp_review
    UNION ALL BY NAME SELECT * FROM rst_at_discharge
)
SELECT x.episode_id, x.agency_id, x.service_level, m.milestone,
       x.enrolled_on, x.discharged_on, m.deadline, m.due,
       -- Met only when due, so that met never exceeds due.
       m.due AND m.achieved AS met
FROM milestones m
JOIN enrolled x ON x.episode_id = m.episode_id
CROSS JOIN bounds b
WHERE (b.period_start IS NULL OR m.deadline >= b.period_start)
  AND (b.period_end IS NULL OR m.deadline <= b.period_end)
ORDER BY x.agency_id, x.service_level, m.milestone, x.episode_id
