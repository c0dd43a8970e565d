-- One row per staff member with a caseload standard who is active on a snapshot date:
-- their caseload that day against standard × FTE, and the utilization band.
-- The snapshot is $as_of itself, or, when $month_ends is true, every month end ≤ $as_of
-- (within $period_start/$period_end when set; otherwise from the month of the first
-- assignment of the staff in scope: before it, the extract holds no caseloads at all). The standards arrive as two parallel lists,
-- $standard_roles and $standard_per_fte; roles without one (`other`) are not shown.
-- Roles in $family_roles count families (a client without a family is its own family).
WITH standards AS (
    SELECT unnest($standard_roles) AS role, CAST(unnest($standard_per_fte) AS DOUBLE) AS standard
),
staff_in_scope AS (
    SELECT s.staff_id, s.agency_id, s.role, s.fte, s.hired_on, s.separated_on, st.standard
    FROM staff s JOIN standards st USING (role)
    WHERE ($agencies IS NULL OR list_contains($agencies, s.agency_id))
      AND ($service_levels IS NULL OR list_contains($service_levels, s.role))
),
month_grid AS (
    SELECT CAST(last_day(CAST(m AS DATE)) AS DATE) AS month_end
    FROM (
        SELECT CAST(date_trunc('month', coalesce(CAST($period_start AS DATE), min(a.start_on))) AS DATE)
                   AS first_month
        FROM staff_in_scope s JOIN assignments a USING (staff_id)
    ) bounds,
    generate_series(bounds.first_month, CAST($as_of AS DATE), INTERVAL 1 MONTH) AS g(m)
),
snapshots AS (
    SELECT month_end AS snapshot_on
    FROM month_grid
    WHERE $month_ends
      AND month_end <= $as_of
      AND ($period_start IS NULL OR month_end >= $period_start)
      AND ($period_end IS NULL OR month_end <= $period_end)
    UNION ALL
    SELECT CAST($as_of AS DATE) AS snapshot_on
    WHERE NOT $month_ends
),
active_staff AS (
    SELECT d.snapshot_on, s.*
    FROM snapshots d
    JOIN staff_in_scope s
      ON s.hired_on <= d.snapshot_on
     AND (s.separated_on IS NULL OR s.separated_on >= d.snapshot_on)
),
assignment_spans AS (
    -- The days on the caseload: from start_on to the earlier of end_on and the episode's
    -- discharge (least() skips nulls; both null leaves the assignment open). The unit counted
    -- is the client, or the family for roles that count families (a client without a family is
    -- its own family); the flag keeps a family id and a client id spelt alike apart.
    -- Each span once, so that (start_on, last_on) orders a unit's spans the same way in every
    -- window below.
    SELECT DISTINCT a.staff_id, a.start_on, least(a.end_on, e.discharged_on) AS last_on,
           list_contains($family_roles, s.role) AND c.family_id IS NOT NULL AS is_family,
           CASE WHEN list_contains($family_roles, s.role) AND c.family_id IS NOT NULL
                THEN c.family_id ELSE c.client_id END AS unit_id
    FROM assignments a
    JOIN staff_in_scope s USING (staff_id)
    JOIN episodes e USING (episode_id)
    JOIN clients c ON c.client_id = e.client_id
    WHERE a.start_on <= $as_of
      -- A span over before it starts, or before the first snapshot, is on no caseload.
      AND coalesce(least(a.end_on, e.discharged_on) >= greatest(
              a.start_on,
              CASE WHEN NOT $month_ends THEN CAST($as_of AS DATE) END,
              CAST($period_start AS DATE)), true)
),
reaches AS (
    -- How far the unit's earlier spans with this staff member reach (open = no end).
    SELECT *,
           max(coalesce(last_on, DATE '9999-12-31')) OVER (
               PARTITION BY staff_id, is_family, unit_id ORDER BY start_on, last_on
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached_before
    FROM assignment_spans
),
islands AS (
    -- Overlapping spans of one unit merged, so that a unit counts once on any day.
    SELECT staff_id, min(start_on) AS start_on, max(coalesce(last_on, DATE '9999-12-31')) AS last_on
    FROM (
        SELECT *, sum(CASE WHEN reached_before IS NULL OR start_on > reached_before THEN 1 ELSE 0 END) OVER (
                      PARTITION BY staff_id, is_family, unit_id ORDER BY start_on, last_on
                      ROWS UNBOUNDED PRECEDING) AS island
        FROM reaches
    )
    GROUP BY staff_id, is_family, unit_id, island
),
timeline AS (
    -- A unit joins the caseload on its first day and leaves the day after its last; a snapshot
    -- reads the running count, after the changes of its own day.
    SELECT staff_id, start_on AS day, 1 AS change, false AS is_snapshot FROM islands
    UNION ALL
    SELECT staff_id, last_on + 1, -1, false FROM islands WHERE last_on < DATE '9999-12-31'
    UNION ALL
    SELECT staff_id, snapshot_on, 0, true FROM active_staff
),
caseloads AS (
    SELECT snapshot_on, staff_id, caseload
    FROM (
        SELECT staff_id, day AS snapshot_on, is_snapshot,
               CAST(sum(change) OVER (PARTITION BY staff_id ORDER BY day, is_snapshot
                                      ROWS UNBOUNDED PRECEDING) AS BIGINT) AS caseload
        FROM timeline
    )
    WHERE is_snapshot
),
measured AS (
    SELECT st.snapshot_on, st.agency_id, st.staff_id, st.role, st.fte,
           coalesce(c.caseload, 0) AS caseload,
           -- Rounded so that binary floating point cannot move a worker across a band
           -- boundary (0.58 × 50 is 28.999999999999996 in a double).
           round(st.standard * st.fte, 6) AS capacity
    FROM active_staff st
    LEFT JOIN caseloads c USING (snapshot_on, staff_id)
)
SELECT snapshot_on AS as_of, agency_id, staff_id, role, fte, caseload, capacity,
       caseload / capacity AS utilization,
       CASE WHEN caseload / capacity > $band_over_above THEN 'over'
            WHEN caseload / capacity >= $band_at_lower THEN 'at'
            ELSE 'under' END AS band
FROM measured
ORDER BY as_of, agency_id, role, staff_id
