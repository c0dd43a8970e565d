"""DCTS oversight of CRS programs: biennial monitoring and annual documentation oversight."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from metrics.policy.calendar import add_business_days
from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.policy.settings import settings as current_settings
from metrics.store.db import query


def monitoring_status(con: duckdb.DuckDBPyConnection, filters: Filters,
                      settings: Settings | None = None) -> pl.DataFrame:
    """Per DCTS program on D: last visit, next visit due, status (overdue, due_soon, current).

    Overdue programs come first, the most overdue at the top.
    """
    settings = settings or current_settings()
    return query(con, "monitoring_status", **filters.params(),
                 interval_years=settings.monitoring_interval_years,
                 due_soon_days=settings.monitoring_due_soon_days)


def documentation_status(con: duckdb.DuckDBPyConnection, filters: Filters,
                         settings: Settings | None = None) -> pl.DataFrame:
    """Per DCTS program on D: the latest documentation oversight and its deadlines.

    ``review_due`` is true when no review was completed in the 12 months before D.
    Materials are due 15 business days after the request (``materials_due_on``); the
    review should be complete 90 days after the materials arrived (``review_due_on``).
    ``materials_late`` and ``review_late`` compare with what had happened by D.
    """
    settings = settings or current_settings()
    frame = query(con, "documentation_status", **filters.params(),
                  interval_months=settings.documentation_interval_months)
    materials_due = [
        add_business_days(requested, settings.materials_due_business_days, settings.calendar)
        if requested is not None else None
        for requested in frame["requested_on"]
    ]
    as_of = filters.as_of
    review_days = dt.timedelta(days=settings.review_complete_days)
    return frame.with_columns(
        pl.Series("materials_due_on", materials_due, dtype=pl.Date),
    ).with_columns(
        (pl.col("materials_received_on") + review_days).alias("review_due_on"),
    ).with_columns(
        pl.when(pl.col("materials_received_on").is_not_null())
        .then(pl.col("materials_received_on") > pl.col("materials_due_on"))
        .otherwise(pl.col("materials_due_on") < as_of).alias("materials_late"),
        pl.when(pl.col("completed_on").is_not_null())
        .then(pl.col("completed_on") > pl.col("review_due_on"))
        .otherwise(pl.col("review_due_on") < as_of).alias("review_late"),
    )
