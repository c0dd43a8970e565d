-- One row per agency × staff member × service level × contact requirement with at least one
-- period due by the end of $as_of. Each complete period is credited to the staff member whose
-- assignment covers the period's last day, or to nobody (staff_id null); the period is met by a
-- qualifying contact of any staff member. Same parameters and periods as adherence_agency.sql.
-- Still no period is listed: each episode's assignments are cut into stretches with one carrier
-- each, and the periods whose last day falls in a stretch are counted by arithmetic.
WITH bounds AS (
    SELECT CAST($as_of AS DATE) AS as_of,
           CAST($period_start AS DATE) AS period_start,
           CAST($period_end AS DATE) AS period_end
),
requirements AS (
    SELECT unnest(CAST($requirement_levels AS VARCHAR[])) AS service_level,
           unnest(CAST($requirement_names AS VARCHAR[])) AS requirement,
           unnest(CAST($requirement_days AS INTEGER[])) AS period_days,
           unnest(CAST($requirement_kinds AS VARCHAR[])) AS contact_kind
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
    -- Period k runs from enrolled_on + k·L to enrolled_on + (k+1)·L − 1. Due are the complete
    -- periods (last day ≤ E) whose last day lies in the window: k from first_period up to,
    -- not including, end_period. Numerators are clamped at 0 because // truncates toward 0.
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
due_periods AS (
    SELECT *, end_period - first_period AS periods_due
    FROM episode_periods
    WHERE end_period > first_period
),
met_periods AS (
    -- The due periods holding a qualifying contact, by any staff member, once each however many
    -- contacts they hold. Contacts before enrollment, after E or after D fall in no due period.
    SELECT DISTINCT q.episode_id, q.agency_id, q.service_level, q.requirement, q.enrolled_on, q.period_days,
           q.period_index
    FROM (
        SELECT p.*, CAST((CAST(c.contact_at AS DATE) - p.enrolled_on) // p.period_days AS INTEGER) AS period_index,
               CAST(c.contact_at AS DATE) AS contact_on
        FROM due_periods p
        JOIN contacts c ON c.episode_id = p.episode_id AND c.kind = p.contact_kind
    ) q
    CROSS JOIN bounds b
    WHERE q.contact_on >= q.enrolled_on
      AND q.contact_on <= q.observed_to
      AND q.contact_on <= b.as_of
      AND q.period_index >= q.first_period
      AND q.period_index < q.end_period
),
episode_assignments AS (
    SELECT a.episode_id, a.staff_id, a.start_on, a.end_on
    FROM assignments a
    WHERE a.episode_id IN (SELECT episode_id FROM due_periods)
),
breakpoints AS (
    -- The set of assignments active on a day changes only where one starts or the day after one ends.
    SELECT episode_id, start_on AS day FROM episode_assignments
    UNION
    SELECT episode_id, end_on + 1 AS day FROM episode_assignments WHERE end_on IS NOT NULL
),
stretches AS (
    -- From one breakpoint to the day before the next; the last one is open (seg_end null).
    SELECT episode_id, day AS seg_start,
           lead(day) OVER (PARTITION BY episode_id ORDER BY day) - 1 AS seg_end
    FROM breakpoints
),
carriers AS (
    -- The assignment active throughout a stretch: start_on ≤ day ≤ end_on (open when null). The
    -- last day of a complete period is never after the discharge, so discharge needs no test.
    -- Where assignments overlap (a transfer recorded with a shared day), the one that started
    -- last wins, then the smallest staff_id, so each period is credited once. A stretch with no
    -- active assignment has no carrier: its periods are unassigned.
    SELECT s.episode_id, s.seg_start, s.seg_end, a.staff_id
    FROM stretches s
    JOIN episode_assignments a
      ON a.episode_id = s.episode_id
     AND a.start_on <= s.seg_start
     AND (a.end_on IS NULL OR s.seg_start <= a.end_on)
    QUALIFY row_number() OVER (PARTITION BY s.episode_id, s.seg_start ORDER BY a.start_on DESC, a.staff_id) = 1
),
credited AS (
    -- The due periods whose last day lies in the carrier's stretch: k from k_from up to, not
    -- including, k_to (the same arithmetic as the window bounds above).
    SELECT p.episode_id, p.agency_id, p.service_level, p.requirement, c.staff_id,
           greatest(p.first_period,
                    (greatest(0, c.seg_start - p.enrolled_on + 1 - p.period_days) + p.period_days - 1)
                    // p.period_days) AS k_from,
           -- greatest() would skip a null seg_end, so the open stretch is spelled out.
           CASE WHEN c.seg_end IS NULL THEN p.end_period
                ELSE least(p.end_period, greatest(0, c.seg_end - p.enrolled_on + 1) // p.period_days)
           END AS k_to
    FROM due_periods p
    JOIN carriers c ON c.episode_id = p.episode_id
),
credited_counts AS (
    -- One row per credited stretch (a staff member may carry several stretches of an episode).
    SELECT c.episode_id, c.agency_id, c.service_level, c.requirement, c.staff_id,
           c.k_to - c.k_from AS periods_due,
           count(m.period_index) AS periods_met
    FROM credited c
    LEFT JOIN met_periods m
      ON m.episode_id = c.episode_id AND m.requirement = c.requirement
     AND m.period_index >= c.k_from AND m.period_index < c.k_to
    WHERE c.k_to > c.k_from
    GROUP BY c.episode_id, c.requirement, c.k_from, c.k_to, c.agency_id, c.service_level, c.staff_id
),
episode_counts AS (
    SELECT p.episode_id, p.agency_id, p.service_level, p.requirement, p.periods_due,
           count(m.period_index) AS periods_met
    FROM due_periods p
    LEFT JOIN met_periods m ON m.episode_id = p.episode_id AND m.requirement = p.requirement
    GROUP BY p.episode_id, p.agency_id, p.service_level, p.requirement, p.periods_due
),
unassigned_counts AS (
    -- What no carrier took: the episode's periods less those credited to someone.
    SELECT e.episode_id, e.agency_id, e.service_level, e.requirement, NULL::VARCHAR AS staff_id,
           e.periods_due - coalesce(sum(c.periods_due), 0) AS periods_due,
           e.periods_met - coalesce(sum(c.periods_met), 0) AS periods_met
    FROM episode_counts e
    LEFT JOIN credited_counts c ON c.episode_id = e.episode_id AND c.requirement = e.requirement
    GROUP BY e.episode_id, e.agency_id, e.service_level, e.requirement, e.periods_due, e.periods_met
),
all_counts AS (
    SELECT agency_id, staff_id, service_level, requirement, periods_due, periods_met FROM credited_counts
    UNION ALL
    SELECT agency_id, staff_id, service_level, requirement, periods_due, periods_met FROM unassigned_counts
)
SELECT agency_id, staff_id, service_level, requirement,
       CAST(sum(periods_due) AS BIGINT) AS periods_due,
       CAST(sum(periods_met) AS BIGINT) AS periods_met
FROM all_counts
GROUP BY agency_id, staff_id, service_level, requirement
HAVING sum(periods_due) > 0
ORDER BY agency_id, staff_id NULLS LAST, service_level, requirement
