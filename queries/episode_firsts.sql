-- One row per episode: the first events after its referral that the first-contact and
-- milestone measures look for, over the whole extract. Stored at load (table episode_firsts)
-- so that those measures read one row per episode instead of every contact; none of it
-- depends on an as-of date D, which the measures apply by comparing these days with D.
--   first_client_contact_at     earliest completed contact with the client at or after referred_at
--   first_rst_meeting_on        earliest RST meeting day on or after the referral day
--   discharge_meeting_gap_days  fewest days between the discharge day and an RST meeting day
--                               on or after the referral day (empty without a discharge)
--   first_final_plan_on         earliest final care plan on or after the referral day
--   plan_days_from_final        the days with a care-plan event of any kind from that final
--                               plan on, in order, each once
WITH referred AS (
    SELECT episode_id, referred_at, CAST(referred_at AS DATE) AS referred_on, discharged_on
    FROM episodes
),
contact_firsts AS (
    SELECT r.episode_id,
           min(c.contact_at) FILTER (WHERE c.kind = 'client' AND c.contact_at >= r.referred_at)
               AS first_client_contact_at,
           min(CAST(c.contact_at AS DATE)) FILTER (
               WHERE c.kind = 'rst_meeting' AND CAST(c.contact_at AS DATE) >= r.referred_on)
               AS first_rst_meeting_on,
           min(abs(CAST(c.contact_at AS DATE) - r.discharged_on)) FILTER (
               WHERE c.kind = 'rst_meeting' AND CAST(c.contact_at AS DATE) >= r.referred_on)
               AS discharge_meeting_gap_days
    FROM contacts c
    JOIN referred r ON r.episode_id = c.episode_id
    WHERE c.kind IN ('client', 'rst_meeting')
    GROUP BY r.episode_id
),
plan_days AS (
    SELECT DISTINCT p.episode_id, p.completed_on, p.plan_kind = 'final' AS final
    FROM care_plans p
    JOIN referred r ON r.episode_id = p.episode_id
    WHERE p.completed_on >= r.referred_on
),
first_finals AS (
    SELECT episode_id, min(completed_on) AS first_final_plan_on
    FROM plan_days
    WHERE final
    GROUP BY episode_id
),
plan_firsts AS (
    SELECT f.episode_id, f.first_final_plan_on,
           list(DISTINCT d.completed_on ORDER BY d.completed_on) AS plan_days_from_final
    FROM first_finals f
    JOIN plan_days d ON d.episode_id = f.episode_id AND d.completed_on >= f.first_final_plan_on
    GROUP BY f.episode_id, f.first_final_plan_on
)
SELECT r.episode_id, c.first_client_contact_at, c.first_rst_meeting_on,
       CAST(c.discharge_meeting_gap_days AS INTEGER) AS discharge_meeting_gap_days,
       p.first_final_plan_on, p.plan_days_from_final
FROM referred r
LEFT JOIN contact_firsts c ON c.episode_id = r.episode_id
LEFT JOIN plan_firsts p ON p.episode_id = r.episode_id
