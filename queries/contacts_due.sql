-- One row per episode enrolled by $as_of and not discharged by then × contact requirement of
-- its service level: where its current period stands on D, and when the next contact is due.
-- The rules arrive as parallel lists, one service level's rule per position:
-- $requirement_levels, $requirement_names, $requirement_days (L) and $requirement_kinds.
-- The current period k = (D − enrolled_on) // L runs from enrolled_on + k·L for L days.
WITH horizon AS (
    SELECT CAST($as_of AS DATE) AS as_of
),
requirements AS (
    SELECT * FROM requirement_rules($requirement_levels, $requirement_names, $requirement_days, $requirement_kinds)
),
current_periods AS (
    SELECT e.episode_id, e.agency_id, e.service_level, e.enrolled_on, r.requirement, r.period_days,
           r.contact_kind,
           CAST((h.as_of - e.enrolled_on) // r.period_days AS INTEGER) AS period_index
    FROM episodes e
    JOIN requirements r ON r.service_level = e.service_level
    CROSS JOIN horizon h
    WHERE e.enrolled_on <= h.as_of
      AND (e.discharged_on IS NULL OR e.discharged_on > h.as_of)
      AND ($agencies IS NULL OR list_contains($agencies, e.agency_id))
      AND ($service_levels IS NULL OR list_contains($service_levels, e.service_level))
),
periods AS (
    SELECT *,
           enrolled_on + period_index * period_days AS period_start,
           enrolled_on + (period_index + 1) * period_days - 1 AS period_end
    FROM current_periods
),
qualifying AS (
    -- Contacts of the requirement's kind from enrollment through D, by day.
    SELECT p.episode_id, p.requirement, CAST(c.contact_at AS DATE) AS contact_on
    FROM periods p
    CROSS JOIN horizon h
    JOIN contacts c ON c.episode_id = p.episode_id AND c.kind = p.contact_kind
    WHERE CAST(c.contact_at AS DATE) BETWEEN p.enrolled_on AND h.as_of
),
contacted AS (
    SELECT p.episode_id, p.requirement,
           coalesce(bool_or(q.contact_on >= p.period_start), false) AS met_this_period,
           coalesce(bool_or(q.contact_on BETWEEN p.period_start - p.period_days AND p.period_start - 1), false)
               AS met_previous,
           max(q.contact_on) AS last_contact_on
    FROM periods p
    LEFT JOIN qualifying q ON q.episode_id = p.episode_id AND q.requirement = p.requirement
    GROUP BY p.episode_id, p.requirement
),
standing AS (
    -- The first period has no previous one: empty rather than false.
    SELECT p.*, c.met_this_period, CASE WHEN p.period_index > 0 THEN c.met_previous END AS previous_period_met,
           c.last_contact_on
    FROM periods p
    JOIN contacted c USING (episode_id, requirement)
),
assigned AS (
    -- The staff member on D (assigned_on.sql).
    SELECT * FROM assigned_on(CAST($as_of AS DATE))
)
SELECT s.episode_id, s.agency_id, s.service_level, s.requirement, a.staff_id, s.period_start, s.period_end,
       s.met_this_period, s.previous_period_met,
       CASE WHEN s.met_this_period THEN s.period_end + s.period_days ELSE s.period_end END AS due_by,
       CASE WHEN s.met_this_period THEN s.period_end + s.period_days ELSE s.period_end END - h.as_of AS days_left,
       s.last_contact_on
FROM standing s
CROSS JOIN horizon h
LEFT JOIN assigned a ON a.episode_id = s.episode_id
ORDER BY days_left, s.agency_id, a.staff_id NULLS LAST, s.episode_id, s.requirement
