-- Staff members who carried clients on the first and on the last of the $quiet_days days up to
-- the extract's date ($extract_date) and recorded no contact in those days (contacts.staff_id,
-- any kind). A staff member carries a client on day d when one of their assignments runs over d:
-- start_on <= d <= the earlier of end_on and the episode's discharge (open when both are empty),
-- as caseload_staff.sql counts a caseload. $check is the check's id (metrics.extract.checks).
WITH span AS (
    SELECT CAST($extract_date AS DATE) - CAST($quiet_days AS INTEGER) + 1 AS first_day,
           CAST($extract_date AS DATE) AS last_day
),
carried AS (
    SELECT a.staff_id, e.client_id, a.start_on, least(a.end_on, e.discharged_on) AS last_on
    FROM assignments a JOIN episodes e USING (episode_id)
),
carriers AS (
    SELECT c.staff_id,
           bool_or(c.start_on <= s.first_day AND (c.last_on IS NULL OR c.last_on >= s.first_day)) AS at_first,
           count(DISTINCT c.client_id) FILTER (
               WHERE c.start_on <= s.last_day AND (c.last_on IS NULL OR c.last_on >= s.last_day)) AS clients_at_last
    FROM carried c CROSS JOIN span s
    GROUP BY c.staff_id
),
last_contact AS (
    -- A contact after the extract's date has not happened yet.
    SELECT c.staff_id, max(CAST(c.contact_at AS DATE)) AS last_on
    FROM contacts c CROSS JOIN span s
    WHERE c.staff_id IS NOT NULL AND CAST(c.contact_at AS DATE) <= s.last_day
    GROUP BY c.staff_id
)
SELECT 'staff' AS "table", st.line, st.agency_id, $check AS "check", 'staff_id' AS "column", st.staff_id AS value,
       format('carrying {} client(s) on {}; no contact recorded from {} to {} (last contact: {})',
              k.clients_at_last, s.last_day, s.first_day, s.last_day,
              coalesce(CAST(l.last_on AS VARCHAR), 'none')) AS detail
FROM carriers k
JOIN staff st USING (staff_id)
CROSS JOIN span s
LEFT JOIN last_contact l USING (staff_id)
WHERE k.at_first AND k.clients_at_last > 0
  AND (l.last_on IS NULL OR l.last_on < s.first_day)
ORDER BY st.line
