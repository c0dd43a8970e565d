-- root_causes: one row per root cause, a rejected row rejected for itself (no cause_table), with
-- the rejected rows it takes with it: itself, the rows rejected in cascade that name it, those
-- naming them, and so on, each counted under the one cause the load recorded for it
-- (rejects.cause_table and cause_line: a row naming several rejected rows goes under the one of
-- its first such column). Per cause: the rows recovered if it were fixed, how many per table
-- (tables in load order, $tables), and the agencies of those rows (rejects.agency_id, as far as
-- the extract tells). Ranked by rows recovered, then table in load order, then line.
WITH RECURSIVE
rejected AS (
    SELECT "table", line, "column", value, reason, whole_line, cause_table, cause_line, agency_id
    FROM rejects
),
-- Each rejected row beside the root cause it goes back to.
descends (root_table, root_line, "table", line) AS (
    SELECT "table", line, "table", line FROM rejected WHERE cause_table IS NULL
    UNION ALL
    SELECT d.root_table, d.root_line, r."table", r.line
    FROM descends d
    JOIN rejected r ON r.cause_table = d."table" AND r.cause_line = d.line
),
taken AS (
    SELECT d.root_table, d.root_line, d."table", r.agency_id
    FROM descends d
    JOIN rejected r ON r."table" = d."table" AND r.line = d.line
),
per_table AS (
    SELECT root_table, root_line, "table", count(*) AS rows
    FROM taken
    GROUP BY root_table, root_line, "table"
),
per_cause AS (
    SELECT root_table, root_line, CAST(sum(rows) AS BIGINT) AS rows_recovered,
           list({'table': "table", 'rows': rows} ORDER BY list_position($tables, "table")) AS recovered
    FROM per_table
    GROUP BY root_table, root_line
),
agencies_taken AS (
    SELECT root_table, root_line, list_sort(list(DISTINCT agency_id)) AS agencies
    FROM taken
    WHERE agency_id IS NOT NULL
    GROUP BY root_table, root_line
)
SELECT r."table", r.line, r."column", r.value, r.reason, r.whole_line, c.rows_recovered, c.recovered,
       coalesce(a.agencies, CAST([] AS VARCHAR[])) AS agencies
FROM rejected r
JOIN per_cause c ON c.root_table = r."table" AND c.root_line = r.line
LEFT JOIN agencies_taken a ON a.root_table = r."table" AND a.root_line = r.line
ORDER BY c.rows_recovered DESC, list_position($tables, r."table"), r.line
