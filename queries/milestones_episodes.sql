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
    SELECT e.episode_id, e.agency_id, e.service_level,
           CAST(e.referred_at AS DATE) AS referred_on, e.enrolled_on,
           CASE WHEN e.discharged_on <= b.as_of THEN e.discharged_on END AS discharged_on,
           least(coalesce(e.discharged_on, b.as_of), b.as_of) AS observed_to
    FROM episodes e CROSS JOIN bounds b
    WHERE e.enrolled_on <= b.as_of
      AND ($agencies IS NULL OR list_contains($agencies, e.agency_id))
      AND ($service_levels IS NULL OR list_contains($service_levels, e.service_level))
),
rst_meetings AS (
    -- Meeting days of the episode from its referral on, up to D.
    SELECT DISTINCT c.episode_id, CAST(c.contact_at AS DATE) AS met_on
    FROM contacts c
    JOIN enrolled x ON x.episode_id = c.episode_id
    CROSS JOIN bounds b
    WHERE c.kind = 'rst_meeting'
      AND CAST(c.contact_at AS DATE) >= x.referred_on
      AND CAST(c.contact_at AS DATE) <= b.as_of
),
plans AS (
    SELECT DISTINCT p.episode_id, p.plan_kind, p.completed_on
    FROM care_plans p
    JOIN enrolled x ON x.episode_id = p.episode_id
    CROSS JOIN bounds b
    WHERE p.completed_on >= x.referred_on
      AND p.completed_on <= b.as_of
),
rst_formed AS (
    -- Due once the deadline day has passed while the client was still enrolled (deadline ≤ E).
    SELECT x.episode_id, 'rst_formed' AS milestone, x.enrolled_on + $rst_formed_days AS deadline,
           x.enrolled_on + $rst_formed_days <= x.observed_to AS due,
           coalesce(bool_or(m.met_on <= x.enrolled_on + $rst_formed_days), false) AS achieved
    FROM enrolled x
    LEFT JOIN rst_meetings m ON m.episode_id = x.episode_id
    WHERE list_contains($rsc_levels, x.service_level)
    GROUP BY ALL
),
sccp_final AS (
    SELECT x.episode_id, 'sccp_final' AS milestone, x.enrolled_on + $sccp_final_days AS deadline,
           x.enrolled_on + $sccp_final_days <= x.observed_to AS due,
           coalesce(bool_or(p.completed_on <= x.enrolled_on + $sccp_final_days), false) AS achieved
    FROM enrolled x
    LEFT JOIN plans p ON p.episode_id = x.episode_id AND p.plan_kind = 'final'
    WHERE list_contains($rsc_levels, x.service_level)
    GROUP BY ALL
),
first_final AS (
    -- The review clock starts at the first final plan made while enrolled (by E).
    SELECT x.episode_id, min(p.completed_on) AS final_on
    FROM enrolled x
    JOIN plans p ON p.episode_id = x.episode_id AND p.plan_kind = 'final'
    WHERE p.completed_on <= x.observed_to
    GROUP BY x.episode_id
),
review_events AS (
    -- Every care-plan day (any kind) from the first final plan through E, with the next one.
    SELECT f.episode_id, p.completed_on AS event_on,
           lead(p.completed_on) OVER (PARTITION BY f.episode_id ORDER BY p.completed_on) AS next_on
    FROM first_final f
    JOIN enrolled x ON x.episode_id = f.episode_id
    JOIN (SELECT DISTINCT episode_id, completed_on FROM plans) p ON p.episode_id = f.episode_id
    WHERE p.completed_on BETWEEN f.final_on AND x.observed_to
),
sccp_review AS (
    -- Each event sets the next deadline $sccp_review_days later. It is kept when the next event
    -- comes by then, or when the stretch ends (E) before the deadline day: a deadline on or
    -- before E with no event by it is a gap of more than $sccp_review_days days while enrolled.
    -- Due once the first deadline (final plan + $sccp_review_days) falls on or before E;
    -- an episode without a final plan by E is not due (sccp_final counts that).
    SELECT x.episode_id, 'sccp_review' AS milestone, f.final_on + $sccp_review_days AS deadline,
           coalesce(f.final_on + $sccp_review_days <= x.observed_to, false) AS due,
           coalesce(bool_and(CASE WHEN r.next_on IS NOT NULL THEN r.next_on - r.event_on <= $sccp_review_days
                                  ELSE r.event_on + $sccp_review_days > x.observed_to END), false) AS achieved
    FROM enrolled x
    LEFT JOIN first_final f ON f.episode_id = x.episode_id
    LEFT JOIN review_events r ON r.episode_id = x.episode_id
    WHERE list_contains($rsc_levels, x.service_level)
    GROUP BY ALL
),
rst_at_discharge AS (
    -- Due once the window after discharge has closed by D.
    SELECT x.episode_id, 'rst_at_discharge' AS milestone, x.discharged_on + $rst_at_discharge_days AS deadline,
           x.discharged_on + $rst_at_discharge_days <= b.as_of AS due,
           coalesce(bool_or(m.met_on BETWEEN x.discharged_on - $rst_at_discharge_days
                                         AND x.discharged_on + $rst_at_discharge_days), false) AS achieved
    FROM enrolled x
    CROSS JOIN bounds b
    LEFT JOIN rst_meetings m ON m.episode_id = x.episode_id
    WHERE list_contains($cm_levels, x.service_level)
      AND x.discharged_on IS NOT NULL
    GROUP BY ALL
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
