-- assigned_on(d): each episode's staff member on day d, the one of the assignment active that
-- day (start_on ≤ d ≤ end_on, open end allowed) that started last; between two that started
-- the same day (a transfer recorded with a shared day), the smaller staff_id. An episode with
-- no assignment active on d has no row. Created at load, for the worklists (referrals_waiting.sql,
-- contacts_due.sql).
CREATE MACRO assigned_on(d) AS TABLE
    SELECT episode_id, staff_id
    FROM assignments
    WHERE start_on <= d AND (end_on IS NULL OR d <= end_on)
    QUALIFY row_number() OVER (PARTITION BY episode_id ORDER BY start_on DESC, staff_id) = 1
