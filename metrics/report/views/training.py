"""The training page: CRS orientation training of program staff, and incidents reported by programs."""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.disclosure.suppression import Linked
from metrics.measures.registry import COUNTED
from metrics.measures.training import orientation_agency
from metrics.policy import wording
from metrics.policy.settings import Settings, settings
from metrics.report.labels import orientation_counts, orientation_words
from metrics.report.views import Figures, Metric, named


def caption(as_of: dt.date, rules: Settings | None = None) -> str:
    rules = rules or settings()
    return (
        f"DCTS programs as of {as_of:%d %B %Y}. Orientation: {wording.plural(rules.orientation_hours, 'hour')} "
        f"within {rules.orientation_months} months of hire, exemptions counted."
    )


def orientation_headlines(staff: pl.DataFrame, rules: Settings | None = None) -> list[Metric]:
    """Staff who missed the requirement, still within their window, and who met it."""
    return [Metric(label, int((staff["status"] == state).sum())) for state, label in orientation_counts(rules).items()]


def orientation_programs(staff: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    return named(orientation_agency(staff), labels).select("agency_name", "staff", "not_met", "in_window", "met",
                                                           "agency_id")


def orientation_table(staff: pl.DataFrame, rules: Settings | None = None) -> pl.DataFrame:
    """Each staff member (named), the status in words beside its code."""
    return staff.with_columns(
        pl.col("status").replace_strict(orientation_words(rules), default=pl.col("status")).alias("state")
    ).select(
        "agency_name",
        "staff_id",
        "role",
        "hired_on",
        "deadline_on",
        "hours",
        "exempt_hours",
        "hours_short",
        "state",
        "status",
        "agency_id",
    )


def linked_incidents(summary: pl.DataFrame) -> Linked:
    """The programs' incidents by category add up to the total reported: suppressed as one."""
    return (
        Linked()
        .add("incidents", summary, ("agency_id", "category"), COUNTED["incidents"])
        .add("all", summary.select(pl.col("incidents").sum()), (), COUNTED["incidents"])
        .sums("incidents", "all")
    )


def incident_headlines(figures: Figures, summary: pl.DataFrame, public: bool) -> list[Metric | None]:
    """Incidents reported and, for the agency's own use, the longest wait to report one (that of
    all may be that of one incident whose count is suppressed)."""
    reported = Metric("Incidents reported", wording.count_text(figures.table("all")["incidents"].item()))
    if public:
        return [reported, None]
    longest = int(summary.select(pl.col("max_days_to_report").max()).item())
    return [reported, Metric("Longest days from occurrence to report", longest)]


def incidents_table(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    return named(frame, labels).select(
        "agency_name",
        "category",
        "incidents",
        "median_days_to_report",
        "max_days_to_report",
        "first_occurred_on",
        "last_occurred_on",
        "agency_id",
    )
