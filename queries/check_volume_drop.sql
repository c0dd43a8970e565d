-- Agencies whose contacts in a complete month of the extract fell by more than $drop_share from
-- their contacts in the month before (a share of that month's: 0.5 flags a month under half the
-- one before). The complete months run from the first month the extract's contacts cover whole
-- (the month of its first contact when that contact falls on the 1st, else the next one) to the
-- last month ending by the extract's date ($extract_date); a month counts against the one before
-- only when both are complete. A month after one without contacts is never flagged. The share is
-- compared as (before - month) / before, which is exact at the threshold (3 of 10 is 0.3).
-- $check is the check's id (metrics.extract.checks).
WITH bounds AS (
    SELECT CAST(CASE WHEN day(min(CAST(contact_at AS DATE))) = 1
                     THEN date_trunc('month', min(CAST(contact_at AS DATE)))
                     ELSE date_trunc('month', min(CAST(contact_at AS DATE))) + INTERVAL 1 MONTH END AS DATE)
               AS first_month,
           CAST(CASE WHEN CAST($extract_date AS DATE) = last_day(CAST($extract_date AS DATE))
                     THEN date_trunc('month', CAST($extract_date AS DATE))
                     ELSE date_trunc('month', CAST($extract_date AS DATE)) - INTERVAL 1 MONTH END AS DATE)
               AS last_month
    FROM contacts
),
months AS (
    SELECT CAST(unnest(generate_series(b.first_month, b.last_month, INTERVAL 1 MONTH)) AS DATE) AS month
    FROM bounds b
    WHERE b.first_month <= b.last_month
),
monthly AS (
    SELECT e.agency_id, CAST(date_trunc('month', c.contact_at) AS DATE) AS month, count(*) AS contacts
    FROM contacts c JOIN episodes e USING (episode_id)
    WHERE CAST(c.contact_at AS DATE) >= (SELECT first_month FROM bounds)
      AND CAST(c.contact_at AS DATE) < (SELECT last_month FROM bounds) + INTERVAL 1 MONTH
    GROUP BY ALL
),
grid AS (
    -- Every agency with contacts in a complete month, in every complete month: a month without
    -- contacts counts as 0.
    SELECT a.agency_id, m.month, coalesce(n.contacts, 0) AS contacts
    FROM (SELECT DISTINCT agency_id FROM monthly) a
    CROSS JOIN months m
    LEFT JOIN monthly n ON n.agency_id = a.agency_id AND n.month = m.month
),
compared AS (
    SELECT agency_id, month, contacts,
           lag(month) OVER (PARTITION BY agency_id ORDER BY month) AS month_before,
           lag(contacts) OVER (PARTITION BY agency_id ORDER BY month) AS contacts_before
    FROM grid
)
SELECT 'agencies' AS "table", a.line, a.agency_id, $check AS "check", CAST(NULL AS VARCHAR) AS "column",
       CAST(NULL AS VARCHAR) AS value,
       format('{} contact(s) in {}, {} in {}', c.contacts, strftime(c.month, '%Y-%m'), c.contacts_before,
              strftime(c.month_before, '%Y-%m')) AS detail
FROM compared c
JOIN agencies a USING (agency_id)
WHERE c.contacts_before > 0
  AND CAST(c.contacts_before - c.contacts AS DOUBLE) / c.contacts_before > $drop_share
ORDER BY a.line, c.month
