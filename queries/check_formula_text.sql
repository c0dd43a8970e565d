-- Text values that start with a character a spreadsheet reads as the start of a formula
-- ($formula_starts: =, +, -, @, tab, carriage return), in every text column of the contract
-- (agencies.agency_name and county, incidents.category; ids are pseudonyms, and the other
-- columns have types of their own). $check is the check's id (metrics.extract.checks).
WITH texts AS (
    SELECT 'agencies' AS "table", line, agency_id, 'agency_name' AS "column", agency_name AS value FROM agencies
    UNION ALL SELECT 'agencies', line, agency_id, 'county', county FROM agencies
    UNION ALL SELECT 'incidents', line, agency_id, 'category', category FROM incidents
)
SELECT "table", line, agency_id, $check AS "check", "column", value,
       format('{} starts with a character a spreadsheet reads as a formula', "column") AS detail
FROM texts
WHERE list_contains($formula_starts, left(value, 1))
ORDER BY "table", line, "column"
