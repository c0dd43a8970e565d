-- Accepted rows with a warning that they are dated after the extract was taken, counted per
-- table and agency. A row warned in several columns counts once. A row's agency is that of
-- row_agencies (row_agencies.sql); a row it does not list would get a NULL agency, so that it is
-- still counted, never dropped. Clients record no event and are never dated later.
-- $dated_later is the start of the loader's reason for such a warning. $agencies keeps the rows
-- of those agencies (a row of no known agency then goes too).
WITH warned AS (
    SELECT DISTINCT "table", line
    FROM warnings
    WHERE starts_with(reason, $dated_later)
),
warned_rows AS (
    SELECT w."table", r.agency_id
    FROM warned w
    LEFT JOIN row_agencies() r USING ("table", line)
    WHERE $agencies IS NULL OR list_contains($agencies, r.agency_id)
)
SELECT "table", agency_id, count(*) AS "rows"
FROM warned_rows
GROUP BY "table", agency_id
ORDER BY "table", agency_id
