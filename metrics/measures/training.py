"""CRS orientation training of DCTS program staff, and incidents reported by the programs."""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.policy.settings import settings as current_settings
from metrics.store.db import query


def orientation_staff(con: duckdb.DuckDBPyConnection, filters: Filters,
                      settings: Settings | None = None) -> pl.DataFrame:
    """Per staff member of a DCTS program employed on D (hired in the period window, if set): hours of
    orientation by ``hired_on`` + 3 months, exempt hours included, and the status on D:
    ``met``, ``not_met`` (under 10 hours and the three months are over) or ``in_window``.

    Every role counts: the extract does not single out CRS providers among ``other`` staff.
    """
    settings = settings or current_settings()
    return query(con, "training_staff", **filters.params(),
                 orientation_hours=settings.orientation_hours,
                 orientation_months=settings.orientation_months)


def orientation_agency(staff: pl.DataFrame) -> pl.DataFrame:
    """Per program: staff judged, met, not met, still within their window."""
    return (
        staff.group_by("as_of", "agency_id")
        .agg(
            pl.len().alias("staff"),
            (pl.col("status") == "met").sum().alias("met"),
            (pl.col("status") == "not_met").sum().alias("not_met"),
            (pl.col("status") == "in_window").sum().alias("in_window"),
        )
        .sort("not_met", "agency_id", descending=[True, False])
    )


def incidents_summary(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Per program and category: incidents occurred in the window and reported by D, with the
    median and longest days from occurrence to report."""
    return query(con, "incidents_summary", **filters.params())
