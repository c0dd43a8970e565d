-- The calendar years the business-day calendar must cover for the assignment deadlines of
-- referrals made by the end of $as_of: from the first referral's year to $as_of's year.
WITH horizon AS (
    SELECT CAST($as_of AS DATE) + INTERVAL 1 DAY AS end_of_d
),
referrals AS (
    SELECT e.referred_at
    FROM episodes e CROSS JOIN horizon h
    WHERE e.referred_at < h.end_of_d
)
SELECT CAST(coalesce(min(year(referred_at)), year(CAST($as_of AS DATE))) AS INTEGER) AS first_year,
       CAST(year(CAST($as_of AS DATE)) AS INTEGER) AS last_year
FROM referrals
