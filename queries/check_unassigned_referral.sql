-- Episodes referred $business_days or more business days before the extract's date
-- ($extract_date) and not assigned by the end of it: no assigned_at by then, and no assignment
-- of staff starting by then. The days are counted as assignment_episodes.sql counts them: the
-- business days after the date of referral (that date not counted) up to and including the
-- extract's date, Monday to Friday less $holidays. $check is the check's id
-- (metrics.extract.checks).
WITH extract_day AS (
    SELECT CAST($extract_date AS DATE) AS day
),
waiting AS (
    SELECT e.line, e.agency_id, e.referred_at, e.assigned_at, CAST(e.referred_at AS DATE) AS referred_on
    FROM episodes e CROSS JOIN extract_day x
    WHERE CAST(e.referred_at AS DATE) <= x.day
      -- An assignment after the extract's date has not happened yet.
      AND (e.assigned_at IS NULL OR CAST(e.assigned_at AS DATE) > x.day)
      AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.episode_id = e.episode_id AND a.start_on <= x.day)
),
days AS (
    SELECT CAST(unnest(generate_series(min(w.referred_on), any_value(x.day), INTERVAL 1 DAY)) AS DATE) AS day
    FROM waiting w CROSS JOIN extract_day x
),
holidays AS (
    SELECT DISTINCT unnest(CAST($holidays AS DATE[])) AS day
),
numbered AS (
    -- The running count of business days up to and including each day: the business days after
    -- day d up to day x are count(x) - count(d).
    SELECT d.day, sum(CAST(isodow(d.day) <= 5 AND hol.day IS NULL AS INTEGER)) OVER (ORDER BY d.day) AS business_count
    FROM days d LEFT JOIN holidays hol ON hol.day = d.day
),
waited AS (
    SELECT w.*, last.business_count - referred.business_count AS business_days
    FROM waiting w
    JOIN numbered referred ON referred.day = w.referred_on
    CROSS JOIN extract_day x
    JOIN numbered last ON last.day = x.day
)
SELECT 'episodes' AS "table", w.line, w.agency_id, $check AS "check", 'assigned_at' AS "column",
       CAST(w.assigned_at AS VARCHAR) AS value,
       format('referred {}; not assigned by the end of {}, {} business days later',
              strftime(w.referred_at, '%Y-%m-%d %H:%M'), x.day, w.business_days) AS detail
FROM waited w CROSS JOIN extract_day x
WHERE w.business_days >= $business_days
ORDER BY w.line
