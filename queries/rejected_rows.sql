-- Every rejected row as the loader recorded it (rejects): where it is, the column, value and
-- reason of the first rule it breaks, the agency it belongs to as far as the extract tells
-- (agency_id: its own, else that of the episode or staff row it names; null when none does), the
-- rejected row it names when it is rejected in cascade (cause_table, cause_line), and whether its
-- line could not be read into values at all (whole_line).
SELECT "table", line, "column", value, reason, agency_id, cause_table, cause_line, whole_line
FROM rejects
ORDER BY "table", line
