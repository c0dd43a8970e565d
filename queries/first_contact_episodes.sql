-- One row per episode referred by the end of $as_of: its first client contact by then,
-- the hours to it, the standard that applies, whether it was due and met, and its
-- Kaplan–Meier follow-up (the time to first contact, or to censoring).
WITH horizon AS (
    -- "As of D" is the end of D, the instant D + 1 day 00:00.
    SELECT CAST($as_of AS DATE) + INTERVAL 1 DAY AS end_of_d
),
referrals AS (
    SELECT e.episode_id, e.agency_id, e.service_level, e.emergency, e.referred_at, e.discharged_on,
           CAST(CASE WHEN e.emergency THEN $emergency_hours ELSE $standard_hours END AS DOUBLE) AS standard_hours
    FROM episodes e CROSS JOIN horizon h
    WHERE e.referred_at < h.end_of_d
      AND ($agencies IS NULL OR list_contains($agencies, e.agency_id))
      AND ($service_levels IS NULL OR list_contains($service_levels, e.service_level))
      AND ($period_start IS NULL OR CAST(e.referred_at AS DATE) >= $period_start)
      AND ($period_end IS NULL OR CAST(e.referred_at AS DATE) <= $period_end)
),
first_contacts AS (
    -- Only a completed contact with the client counts: not attempts, collateral contacts or
    -- RST meetings, nothing before the referral (episode_firsts.sql) and nothing after D.
    SELECT f.episode_id, f.first_client_contact_at AS first_contact_at
    FROM episode_firsts f
    CROSS JOIN horizon h
    WHERE f.first_client_contact_at < h.end_of_d
),
instants AS (
    -- Timestamps are local wall-clock times in $time_zone; as instants (local_epoch_us.sql),
    -- the hours across a daylight-saving change are the hours that really passed. Whole
    -- microseconds keep the comparisons with the standard exact.
    SELECT r.*, f.first_contact_at,
           local_epoch_us(r.referred_at, $time_zone) AS referred_us,
           local_epoch_us(f.first_contact_at, $time_zone) AS contact_us,
           local_epoch_us(h.end_of_d, $time_zone) AS end_of_d_us,
           -- An uncontacted episode is followed until the end of D, or the end of its
           -- discharge day if that comes first (least() skips a missing discharge).
           local_epoch_us(least(h.end_of_d, r.discharged_on + INTERVAL 1 DAY), $time_zone) AS censor_us,
           CAST(round(r.standard_hours * 3600000000) AS BIGINT) AS standard_us
    FROM referrals r
    LEFT JOIN first_contacts f ON f.episode_id = r.episode_id
    CROSS JOIN horizon h
),
measured AS (
    SELECT *,
           -- A wall-clock time skipped by the spring change (02:30 on that day) reads as the
           -- hour after; a contact in that hour after such a referral is at 0 hours, not before it.
           CASE WHEN contact_us < referred_us THEN 0 ELSE contact_us - referred_us END AS contact_after_us,
           referred_us + standard_us <= end_of_d_us AS due
    FROM instants
)
SELECT episode_id, agency_id, service_level, emergency, referred_at, first_contact_at,
       contact_after_us / 3600000000.0 AS hours,
       standard_hours,
       due,
       due AND coalesce(contact_after_us <= standard_us, false) AS met,
       coalesce(contact_after_us, censor_us - referred_us) / 3600000000.0 AS followed_hours,
       first_contact_at IS NOT NULL AS contacted
FROM measured
ORDER BY agency_id, referred_at, episode_id
