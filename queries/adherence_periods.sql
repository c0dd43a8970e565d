-- One row per day × agency × staff member × service level × contact requirement with a
-- complete contact period due by the end of $as_of whose last day is that day: the periods
-- due and how many had a qualifying contact. The agency, staff and monthly tables of contact
-- adherence are sums of these rows (metrics/measures/adherence.py), so they always agree.
-- The rules arrive as parallel lists, one service level's rule per position:
-- $requirement_levels, $requirement_names, $requirement_days (L) and $requirement_kinds.
-- Period k of an episode runs from enrolled_on + k·L to enrolled_on + (k+1)·L − 1, and a
-- contact on day t of the episode (day 0 = enrollment) falls in period t // L.
WITH bounds AS (
    SELECT CAST($as_of AS DATE) AS as_of,
           CAST($period_start AS DATE) AS period_start,
           CAST($period_end AS DATE) AS period_end
),
requirements AS (
    SELECT * FROM requirement_rules($requirement_levels, $requirement_names, $requirement_days, $requirement_kinds)
),
observed AS (
    -- The observed stretch runs from enrollment to E, the earlier of discharge and D
    -- (a discharge after D has not happened yet).
    SELECT e.episode_id, e.agency_id, e.service_level, e.enrolled_on,
           least(coalesce(e.discharged_on, b.as_of), b.as_of) AS observed_to
    FROM episodes e CROSS JOIN bounds b
    WHERE e.enrolled_on <= b.as_of
      AND ($agencies IS NULL OR list_contains($agencies, e.agency_id))
      AND ($service_levels IS NULL OR list_contains($service_levels, e.service_level))
),
episode_periods AS (
    -- Due are the complete periods (last day ≤ E) whose last day lies in the window: k from
    -- first_period up to, not including, end_period. Numerators are clamped at 0 because //
    -- truncates toward 0.
    SELECT o.episode_id, o.agency_id, o.service_level, o.enrolled_on, o.observed_to,
           r.requirement, r.period_days, r.contact_kind,
           CAST(CASE WHEN b.period_start IS NULL THEN 0
                     ELSE (greatest(0, b.period_start - o.enrolled_on + 1 - r.period_days) + r.period_days - 1)
                          // r.period_days
                END AS INTEGER) AS first_period,
           CAST(greatest(0, least(o.observed_to, coalesce(b.period_end, o.observed_to)) - o.enrolled_on + 1)
                // r.period_days AS INTEGER) AS end_period
    FROM observed o
    JOIN requirements r ON r.service_level = o.service_level
    CROSS JOIN bounds b
),
due_episodes AS MATERIALIZED (
    -- Numbered, so that the joins over millions of periods and contacts compare integers.
    SELECT *, CAST(dense_rank() OVER (ORDER BY episode_id) AS INTEGER) AS episode_no
    FROM episode_periods WHERE end_period > first_period
),
due_periods AS (
    SELECT episode_no, agency_id, service_level, requirement, period_index,
           enrolled_on + CAST((period_index + 1) * period_days - 1 AS INTEGER) AS last_day
    FROM (SELECT *, unnest(range(first_period, end_period)) AS period_index FROM due_episodes)
),
met_periods AS (
    -- The due periods holding a qualifying contact, by any staff member, once each however
    -- many contacts they hold. A contact before enrollment falls in no period; one in a due
    -- period is never after E, since a due period ends by E.
    SELECT DISTINCT p.episode_no, p.requirement,
           CAST((c.contact_on - p.enrolled_on) // p.period_days AS INTEGER) AS period_index
    FROM due_episodes p
    JOIN (SELECT episode_id, kind, CAST(contact_at AS DATE) AS contact_on FROM contacts) c
      ON c.episode_id = p.episode_id AND c.kind = p.contact_kind
    WHERE c.contact_on >= p.enrolled_on
      AND (c.contact_on - p.enrolled_on) // p.period_days >= p.first_period
      AND (c.contact_on - p.enrolled_on) // p.period_days < p.end_period
),
episode_numbers AS (
    SELECT DISTINCT episode_id, episode_no FROM due_episodes
),
stretches AS (
    -- Each episode's assignments cut into stretches with one carrier: the set of assignments
    -- active on a day changes only where one starts or the day after one ends.
    SELECT episode_id, day AS seg_start,
           lead(day) OVER (PARTITION BY episode_id ORDER BY day) - 1 AS seg_end
    FROM (
        SELECT episode_id, start_on AS day FROM assignments
        UNION
        SELECT episode_id, end_on + 1 AS day FROM assignments WHERE end_on IS NOT NULL
    )
    WHERE episode_id IN (SELECT episode_id FROM episode_numbers)
),
carriers AS (
    -- The assignment active throughout a stretch: start_on ≤ day ≤ end_on (open when null).
    -- Where assignments overlap (a transfer recorded with a shared day), the one that started
    -- last wins, then the smallest staff_id, so each period is credited once. A stretch with
    -- no active assignment has no carrier: its periods are unassigned.
    SELECT n.episode_no, s.seg_start, s.seg_end, a.staff_id
    FROM stretches s
    JOIN episode_numbers n ON n.episode_id = s.episode_id
    JOIN assignments a
      ON a.episode_id = s.episode_id
     AND a.start_on <= s.seg_start
     AND (a.end_on IS NULL OR s.seg_start <= a.end_on)
    QUALIFY row_number() OVER (PARTITION BY s.episode_id, s.seg_start ORDER BY a.start_on DESC, a.staff_id) = 1
),
credited_periods AS (
    -- Each due period is credited to the carrier of the stretch holding its last day.
    SELECT p.*, m.period_index IS NOT NULL AS met, c.staff_id
    FROM due_periods p
    LEFT JOIN met_periods m
      ON m.episode_no = p.episode_no AND m.requirement = p.requirement AND m.period_index = p.period_index
    LEFT JOIN carriers c
      ON c.episode_no = p.episode_no AND c.seg_start <= p.last_day
     AND (c.seg_end IS NULL OR p.last_day <= c.seg_end)
)
SELECT last_day, agency_id, staff_id, service_level, requirement,
       count(*) AS periods_due,
       count(*) FILTER (WHERE met) AS periods_met
FROM credited_periods
GROUP BY ALL
