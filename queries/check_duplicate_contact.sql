-- Contacts recorded twice: a contact of the same episode at the same contact_at and of the same
-- kind as a contact on an earlier line (another contact_id: the same contact_id twice is a
-- duplicate key, which the loader rejects). Each later row is flagged, naming the first one's
-- line; the first is taken as the original. $check is the check's id (metrics.extract.checks).
WITH repeated AS (
    -- The few (episode, time, kind) given more than once are found by their hashes first, so that
    -- only their rows are ranked; a hash shared by different contacts only adds rows that rank
    -- first under their own.
    SELECT * FROM contacts
    WHERE hash(episode_id, contact_at, kind) IN (
        SELECT hash(episode_id, contact_at, kind) FROM contacts GROUP BY ALL HAVING count(*) > 1)
),
ranked AS (
    SELECT line, episode_id, contact_id,
           min(line) OVER (PARTITION BY episode_id, contact_at, kind) AS first_line
    FROM repeated
),
episode_agency AS (
    SELECT episode_id, arg_min(agency_id, line) AS agency_id FROM episodes GROUP BY episode_id
)
SELECT 'contacts' AS "table", r.line, e.agency_id, $check AS "check", 'contact_id' AS "column", r.contact_id AS value,
       format('same episode_id, contact_at and kind as line {}', r.first_line) AS detail
FROM ranked r
LEFT JOIN episode_agency e USING (episode_id)
WHERE r.line > r.first_line
ORDER BY r.line
