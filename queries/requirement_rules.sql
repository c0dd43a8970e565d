-- requirement_rules(levels, names, days, kinds): the contact rules as rows, one per service
-- level: service_level, requirement, period_days (L) and contact_kind, from the parallel lists
-- the queries are given ($requirement_levels, $requirement_names, $requirement_days,
-- $requirement_kinds; metrics.store.derived.requirement_params). Created at load, for
-- adherence_periods.sql and contacts_due.sql.
CREATE MACRO requirement_rules(levels, names, days, kinds) AS TABLE
    SELECT unnest(CAST(levels AS VARCHAR[])) AS service_level,
           unnest(CAST(names AS VARCHAR[])) AS requirement,
           unnest(CAST(days AS INTEGER[])) AS period_days,
           unnest(CAST(kinds AS VARCHAR[])) AS contact_kind
