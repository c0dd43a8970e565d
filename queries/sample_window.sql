-- The request date of $agency_id's documentation review of $review_year, if one was
-- recorded: the sample's population is counted over the 12 months before it.
WITH reviews AS (
    SELECT agency_id, review_year, requested_on
    FROM documentation_reviews
    WHERE agency_id = $agency_id AND review_year = $review_year
)
SELECT min(requested_on) AS requested_on
FROM reviews
