-- One row per non-emergency episode referred by the end of $as_of: the deadline for assigning
-- it (the end of the $business_days-th business day after the date of referral), whether that
-- deadline had passed by the end of $as_of (due) and whether the assignment came before it (met).
-- $holidays lists the holidays of the business-day calendar; weekends are never business days.
WITH horizon AS (
    -- "As of D" is the end of D, the instant D + 1 day 00:00.
    SELECT CAST($as_of AS DATE) + INTERVAL 1 DAY AS end_of_d
),
referrals AS (
    SELECT e.episode_id, e.agency_id, e.referred_at,
           CAST(e.referred_at AS DATE) AS referred_on,
           -- An assignment after D has not happened yet.
           CASE WHEN e.assigned_at < h.end_of_d THEN e.assigned_at END AS assigned_at
    FROM episodes e CROSS JOIN horizon h
    WHERE NOT e.emergency
      AND e.referred_at < h.end_of_d
      AND ($agencies IS NULL OR list_contains($agencies, e.agency_id))
      AND ($service_levels IS NULL OR list_contains($service_levels, e.service_level))
      AND ($period_start IS NULL OR CAST(e.referred_at AS DATE) >= $period_start)
      AND ($period_end IS NULL OR CAST(e.referred_at AS DATE) <= $period_end)
),
days AS (
    -- Every day from the first referral date on, with room after the last one for
    -- $business_days business days (a week of calendar days holds at least three).
    SELECT CAST(unnest(generate_series(min(referred_on), max(referred_on) + to_days(7 * ($business_days + 2)),
                                       INTERVAL 1 DAY)) AS DATE) AS day
    FROM referrals
),
holidays AS (
    SELECT DISTINCT unnest(CAST($holidays AS DATE[])) AS day
),
business_days AS (
    SELECT d.day,
           isodow(d.day) <= 5 AND hol.day IS NULL AS business
    FROM days d LEFT JOIN holidays hol ON hol.day = d.day
),
numbered AS (
    -- The running count of business days up to and including each day: the n-th business
    -- day after day d is the business day whose count is count(d) + n.
    SELECT day, business, sum(CAST(business AS INTEGER)) OVER (ORDER BY day) AS business_count
    FROM business_days
),
deadline_days AS (
    SELECT d.day AS referred_on, b.day AS deadline_day
    FROM numbered d
    JOIN numbered b ON b.business AND b.business_count = d.business_count + $business_days
),
with_deadline AS (
    SELECT r.*, dd.deadline_day + INTERVAL 1 DAY AS deadline
    FROM referrals r
    JOIN deadline_days dd ON dd.referred_on = r.referred_on
),
judged AS (
    SELECT w.*, w.deadline <= h.end_of_d AS due
    FROM with_deadline w CROSS JOIN horizon h
)
SELECT episode_id, agency_id, referred_at, assigned_at, deadline, due,
       -- The assignment must come before the end of the deadline day, not at its last instant.
       due AND coalesce(assigned_at < deadline, false) AS met
FROM judged
ORDER BY agency_id, referred_at, episode_id
