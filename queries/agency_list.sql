-- Every agency with its display name and who oversees it, for filters and labels.
WITH listed AS (
    SELECT agency_id, agency_name, oversight, county FROM agencies
)
SELECT agency_id, agency_name, oversight, county
FROM listed
ORDER BY oversight, agency_name
