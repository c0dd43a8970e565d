-- One row per agency × service level × contact requirement with at least one period due by
-- the end of $as_of: the complete periods due and how many of them had a qualifying contact.
-- The rules arrive as parallel lists, one service level's rule per position:
-- $requirement_levels, $requirement_names, $requirement_days (L) and $requirement_kinds.
-- Periods are counted by arithmetic, never listed, so that millions of contacts stay cheap:
-- an episode observed for n days holds n // L complete periods, and a contact on day t of
-- the episode (day 0 = enrollment) falls in period t // L.
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
due_by_group AS (
    SELECT agency_id, service_level, requirement, sum(periods_due) AS periods_due
    FROM due_periods
    GROUP BY agency_id, service_level, requirement
),
met_by_group AS (
    SELECT agency_id, service_level, requirement, count(*) AS periods_met
    FROM met_periods
    GROUP BY agency_id, service_level, requirement
)
SELECT d.agency_id, d.service_level, d.requirement,
       CAST(d.periods_due AS BIGINT) AS periods_due,
       CAST(coalesce(m.periods_met, 0) AS BIGINT) AS periods_met
FROM due_by_group d
LEFT JOIN met_by_group m
  ON m.agency_id = d.agency_id AND m.service_level = d.service_level AND m.requirement = d.requirement
ORDER BY d.agency_id, d.service_level, d.requirement
