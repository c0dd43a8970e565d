-- Agencies with a client enrolled throughout the $quiet_days days up to the extract's date
-- ($extract_date: enrolled by the first of them, not discharged before the last) and no contact
-- with any of their episodes recorded in those days (any kind, any staff member). A referral never
-- enrolled is not counted: it cannot be discharged, so it would stay open for ever. $check is the
-- check's id (metrics.extract.checks).
WITH span AS (
    SELECT CAST($extract_date AS DATE) - CAST($quiet_days AS INTEGER) + 1 AS first_day,
           CAST($extract_date AS DATE) AS last_day
),
enrolled_throughout AS (
    SELECT e.agency_id, count(DISTINCT e.client_id) AS clients
    FROM episodes e CROSS JOIN span s
    WHERE e.enrolled_on <= s.first_day
      AND (e.discharged_on IS NULL OR e.discharged_on >= s.last_day)
    GROUP BY e.agency_id
),
last_contact AS (
    -- A contact after the extract's date has not happened yet.
    SELECT e.agency_id, max(CAST(c.contact_at AS DATE)) AS last_on
    FROM contacts c JOIN episodes e USING (episode_id) CROSS JOIN span s
    WHERE CAST(c.contact_at AS DATE) <= s.last_day
    GROUP BY e.agency_id
)
SELECT 'agencies' AS "table", a.line, a.agency_id, $check AS "check", 'agency_id' AS "column", a.agency_id AS value,
       format('{} client(s) enrolled from {} to {}; no contact recorded in those days (last contact: {})',
              o.clients, s.first_day, s.last_day, coalesce(CAST(l.last_on AS VARCHAR), 'none')) AS detail
FROM enrolled_throughout o
JOIN agencies a USING (agency_id)
CROSS JOIN span s
LEFT JOIN last_contact l USING (agency_id)
WHERE l.last_on IS NULL OR l.last_on < s.first_day
ORDER BY a.line
