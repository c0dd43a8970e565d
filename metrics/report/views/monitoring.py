"""The monitoring page: each DCTS program's next monitoring visit, and its documentation oversight."""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.disclosure.suppression import Linked
from metrics.measures.registry import COUNTED
from metrics.policy import wording
from metrics.policy.settings import Settings, settings
from metrics.report.labels import due_in_words, monitoring_counts
from metrics.report.views import Metric


def caption(as_of: dt.date) -> str:
    return f"DCTS programs as of {as_of:%d %B %Y}."


def status_counts(status: pl.DataFrame, rules: Settings | None = None) -> list[Metric]:
    """Programs overdue for a visit, due within the next ``monitoring_due_soon_days``, and current."""
    return [Metric(label, status.filter(pl.col("status") == state).height)
            for state, label in monitoring_counts(rules).items()]


def status_table(status: pl.DataFrame) -> pl.DataFrame:
    return status.with_columns(due_in_words(pl.col("days_until_due")).alias("due")).select(
        "agency_name", "last_visit_on", "next_due_on", "status", "due", "days_until_due", "agency_id")


def reviews_due(reviews: pl.DataFrame, rules: Settings | None = None) -> Metric:
    """Programs due for their review (every ``documentation_interval_months``)."""
    every = wording.every_months((rules or settings()).documentation_interval_months)
    return Metric(f"Programs due for their {every} review", int(reviews["review_due"].sum()))


def linked_reviews(reviews: pl.DataFrame) -> Linked:
    return Linked().add("reviews", reviews, ("agency_id",), COUNTED["documentation_status"])


def reviews_table(reviews: pl.DataFrame, public: bool) -> pl.DataFrame:
    """The reviews as shown. A sample of 1 to 10 participants would stand beside a population shown as
    larger: the sample size follows from the population and is left out while presenting."""
    shown = reviews.drop("sample_size" if public else [])
    return shown.select(
        "agency_name",
        "review_due",
        "last_completed_on",
        "review_year",
        "requested_on",
        "materials_due_on",
        "materials_received_on",
        "materials_late",
        "review_due_on",
        "completed_on",
        "review_late",
        "outcome",
        "population_size",
        *(["sample_size"] if "sample_size" in shown.columns else []),
        "agency_id",
    )
