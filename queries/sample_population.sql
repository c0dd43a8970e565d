-- One row per participant of $agency_id enrolled or discharged from $window_start to
-- $window_end (inclusive): the population the annual documentation oversight samples.
-- Sorted by client_id, so that a seeded draw over row positions can be repeated.
WITH in_window AS (
    SELECT client_id, agency_id, enrolled_on, recertified_on, discharged_on
    FROM crs_enrollments
    WHERE agency_id = $agency_id
      AND ($agencies IS NULL OR list_contains($agencies, agency_id))
      AND ((enrolled_on BETWEEN $window_start AND $window_end)
           OR (discharged_on BETWEEN $window_start AND $window_end))
),
participants AS (
    -- A participant enrolled twice in the window is one participant; a discharge in the
    -- window asks for its summary even if the participant came back afterwards.
    SELECT client_id, agency_id,
           max(enrolled_on) AS enrolled_on,
           max(recertified_on) AS recertified_on,
           max(CASE WHEN discharged_on BETWEEN $window_start AND $window_end THEN discharged_on END)
               AS discharged_on
    FROM in_window
    GROUP BY client_id, agency_id
)
SELECT agency_id, client_id, enrolled_on, recertified_on, discharged_on,
       discharged_on IS NOT NULL AS discharged
FROM participants
ORDER BY client_id
