-- One row per episode referred before the end of $as_of, not discharged by then, with no
-- first contact by then (a completed contact with the client at or after the referral, as
-- first_contact_episodes.sql counts it): who is still waiting on the morning after D.
WITH horizon AS (
    -- "As of D" is the end of D, the instant D + 1 day 00:00.
    SELECT CAST($as_of AS DATE) AS as_of, CAST($as_of AS DATE) + INTERVAL 1 DAY AS end_of_d
),
waiting AS (
    SELECT e.episode_id, e.agency_id, e.service_level, e.emergency, e.referred_at,
           CAST(CASE WHEN e.emergency THEN $emergency_hours ELSE $standard_hours END AS DOUBLE) AS standard_hours
    FROM episodes e
    CROSS JOIN horizon h
    LEFT JOIN episode_firsts f ON f.episode_id = e.episode_id AND f.first_client_contact_at < h.end_of_d
    WHERE e.referred_at < h.end_of_d
      AND (e.discharged_on IS NULL OR e.discharged_on > h.as_of)
      AND f.episode_id IS NULL
      AND ($agencies IS NULL OR list_contains($agencies, e.agency_id))
      AND ($service_levels IS NULL OR list_contains($service_levels, e.service_level))
),
assigned AS (
    -- The staff member on D (assigned_on.sql).
    SELECT * FROM assigned_on(CAST($as_of AS DATE))
)
SELECT w.episode_id, w.agency_id, w.service_level, w.emergency, w.referred_at, s.staff_id,
       -- Elapsed hours, read as instants in $time_zone (local_epoch_us.sql): across a
       -- daylight-saving change, the hours that really passed.
       (local_epoch_us(h.end_of_d, $time_zone) - local_epoch_us(w.referred_at, $time_zone)) / 3600000000.0
           AS hours_waiting,
       w.standard_hours,
       local_epoch_us(h.end_of_d, $time_zone) - local_epoch_us(w.referred_at, $time_zone)
           > CAST(round(w.standard_hours * 3600000000) AS BIGINT) AS overdue
FROM waiting w
CROSS JOIN horizon h
LEFT JOIN assigned s ON s.episode_id = w.episode_id
ORDER BY overdue DESC, hours_waiting DESC, w.episode_id
