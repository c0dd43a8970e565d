-- One row per agency × service level with a final care plan (SCCP) completed by the end of
-- $as_of: the final plans, those recording whether a written Safety/Crisis Plan is included
-- (due) and those including one (met). The BHD policy requires one in every SCCP. A plan whose
-- safety_plan is empty records neither: it is counted among the final plans but not judged,
-- so an extract without the (optional) column shows no rate rather than a rate of zero.
-- $period_start and $period_end keep the plans completed within them.
WITH final_plans AS (
    SELECT e.agency_id, e.service_level, p.safety_plan
    FROM care_plans p
    JOIN episodes e USING (episode_id)
    WHERE p.plan_kind = 'final'
      AND p.completed_on <= $as_of
      AND ($agencies IS NULL OR list_contains($agencies, e.agency_id))
      AND ($service_levels IS NULL OR list_contains($service_levels, e.service_level))
      AND ($period_start IS NULL OR p.completed_on >= $period_start)
      AND ($period_end IS NULL OR p.completed_on <= $period_end)
)
SELECT agency_id,
       service_level,
       count(*) AS final_plans,
       count(safety_plan) AS due,
       count(*) FILTER (WHERE safety_plan) AS met
FROM final_plans
GROUP BY agency_id, service_level
ORDER BY agency_id, service_level
