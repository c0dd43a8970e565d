"""Plans of action and corrective action plans issued to programs."""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.policy.settings import settings as current_settings
from metrics.store.db import query

OPEN = ("open", "overdue")


def action_plans(con: duckdb.DuckDBPyConnection, filters: Filters,
                 settings: Settings | None = None) -> pl.DataFrame:
    """Every plan issued by D (within the period window, if set) with its status on D.

    Overdue plans come first, the longest overdue at the top.
    """
    settings = settings or current_settings()
    return query(con, "action_plans", **filters.params(),
                 response_days=settings.corrective_action_response_days)


def action_plans_agency(plans: pl.DataFrame) -> pl.DataFrame:
    """Per agency with a plan: open plans of action and corrective actions, overdue,
    escalated, and the median days from issue to completion (over completed plans)."""
    is_open = pl.col("status").is_in(OPEN)
    return (
        plans.group_by("as_of", "agency_id")
        .agg(
            (is_open & (pl.col("kind") == "plan_of_action")).sum().alias("open_plans_of_action"),
            (is_open & (pl.col("kind") == "corrective_action")).sum().alias("open_corrective_actions"),
            (pl.col("status") == "overdue").sum().alias("overdue"),
            (pl.col("status") == "escalated").sum().alias("escalated"),
            pl.col("days_to_complete").median().alias("median_days_to_complete"),
        )
        .sort("overdue", "agency_id", descending=[True, False])
    )
