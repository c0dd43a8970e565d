"""The deadlines page: every open DCTS oversight deadline, late or due within the horizon, by program."""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.policy import wording
from metrics.policy.settings import Settings, settings
from metrics.report.labels import DEADLINE_KINDS, deadline_words, due_in_words
from metrics.report.views import Metric

# The optional tables deadlines are counted from, as the warning names them.
SOURCES = {"documentation_reviews": "documentation reviews", "action_plans": "plans of action"}


def _horizon(rules: Settings | None) -> int:
    return (rules or settings()).deadlines_horizon_days


def caption(as_of: dt.date, rules: Settings | None = None) -> str:
    due_by = as_of + dt.timedelta(days=_horizon(rules))
    return (
        f"DCTS oversight deadlines still open at the end of {as_of:%d %B %Y}: late, or due by "
        f"{due_by:%d %B %Y}."
    )


def missing_warning(provided: dict[str, bool]) -> str | None:
    """What the page cannot list, given which of ``SOURCES`` the extract provides."""
    missing = [name for table, name in SOURCES.items() if not provided[table]]
    if not missing:
        return None
    return f"This extract does not provide {' or '.join(missing)}: their deadlines cannot be listed."


def shown(found: pl.DataFrame, rules: Settings | None = None) -> pl.DataFrame:
    """Every deadline (named), with its kind and status in words."""
    return found.with_columns(
        pl.col("kind").replace_strict(DEADLINE_KINDS, default=pl.col("kind")).alias("deadline"),
        pl.col("status").replace_strict(deadline_words(rules), default=pl.col("status")).alias("status_label"),
        due_in_words(pl.col("days_until_due")).alias("due"),
    ).select(
        "agency_name",
        "due_on",
        "status_label",
        "due",
        "days_until_due",
        "deadline",
        "what",
        "kind",
        "status",
        "reference",
        "agency_id",
    )


def of_status(deadlines: pl.DataFrame, status: str) -> pl.DataFrame:
    return deadlines.filter(pl.col("status") == status)


def headlines(deadlines: pl.DataFrame, rules: Settings | None = None) -> list[Metric]:
    late = of_status(deadlines, "late")
    return [
        Metric("Late", late.height),
        Metric(wording.within_days(_horizon(rules)), of_status(deadlines, "due_soon").height),
        Metric("Programs with a late deadline", late["agency_id"].n_unique()),
    ]


def listed(deadlines: pl.DataFrame) -> pl.DataFrame:
    """The late and those due soon, by program and date."""
    return pl.concat([of_status(deadlines, "late"), of_status(deadlines, "due_soon")]).sort(
        "agency_name", "due_on", "deadline"
    )


def listed_title(rules: Settings | None = None) -> str:
    return f"Late and due within {wording.plural(_horizon(rules), 'day')}, by program"


def later_title(rules: Settings | None = None) -> str:
    return f"Later deadlines (after {wording.plural(_horizon(rules), 'day')})"
