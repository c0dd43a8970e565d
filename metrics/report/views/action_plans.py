"""The plans page: plans of action and corrective actions by agency and status, overdue first."""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.report.labels import PLAN_COUNTS
from metrics.report.views import Metric


def caption(as_of: dt.date) -> str:
    return f"Plans issued by {as_of:%d %B %Y}, with their status on that day."


def headlines(plans: pl.DataFrame) -> list[Metric]:
    """Plans overdue, open, escalated, and responses missing."""
    counted = {
        state: int((plans["status"] == state).sum()) for state in ("overdue", "open", "escalated")
    } | {"missing": int((plans["response_status"] == "missing").sum())}
    return [Metric(PLAN_COUNTS[state], count) for state, count in counted.items()]


def agency_table(by_agency: pl.DataFrame) -> pl.DataFrame:
    return by_agency.select(
        "agency_name",
        "open_plans_of_action",
        "open_corrective_actions",
        "overdue",
        "escalated",
        "median_days_to_complete",
        "agency_id",
    )


def plans_table(plans: pl.DataFrame) -> pl.DataFrame:
    return plans.select(
        "agency_name",
        "plan_id",
        "kind",
        "parent_plan_id",
        "source",
        "issued_on",
        "due_on",
        "status",
        "days_overdue",
        "completed_on",
        "response_status",
        "response_due_on",
        "response_on",
        "agency_id",
    )


def escalations_table(plans: pl.DataFrame) -> pl.DataFrame:
    """The corrective actions that escalate a plan of action, with their responses."""
    return plans.filter(pl.col("parent_plan_id").is_not_null()).select(
        "agency_name",
        "plan_id",
        "parent_plan_id",
        "issued_on",
        "response_due_on",
        "response_on",
        "response_status",
        "status",
    )
