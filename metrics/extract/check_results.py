"""What the checks of ``metrics.extract.checks`` find in a loaded extract: every rejected row
under its check, and every row a warning flags, as one frame, and their rows per agency.

A finding is one row of the extract under one check (one column of it, where the check names
one): a row rejected is found once, under the first rule it breaks; a row dated after the extract
was taken is found once per column so dated. Counts are of rows (table and line), never of
findings. A finding's agency is the row's own agency_id, else that of the episode or staff member
it names; a row that names none (a client, a line that could not be read) has none.
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.extract import schema
from metrics.extract.checks import (
    CATALOGUE,
    CHECKS_BY_ID,
    DATED_LATER,
    FORMULA_STARTS,
    WARNING_CHECKS,
    rejection_checks,
)
from metrics.extract.quality import extract_date
from metrics.policy.calendar import holiday_dates
from metrics.policy.settings import Settings
from metrics.policy.settings import settings as current_settings
from metrics.store.cache import kept
from metrics.store.db import query

FINDING_SCHEMA = pl.Schema({
    "check": pl.String,
    "severity": pl.String,
    "table": pl.String,
    "line": pl.Int64,
    "agency_id": pl.String,
    "column": pl.String,
    "value": pl.String,
    "detail": pl.String,
})
COUNT_SCHEMA = {"agency_id": pl.String, "check": pl.String, "severity": pl.String, "rows": pl.Int64}


def rejected_findings(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every rejected row under its check, with its agency (``FINDING_SCHEMA``; the reason is the
    detail)."""
    rows = query(con, "rejected_rows")
    checked = rejection_checks(rows)
    return checked.select(
        "check",
        pl.col("check").replace_strict({c.id: c.severity for c in CATALOGUE}, return_dtype=pl.String)
        .alias("severity"),
        "table", "line", "agency_id", "column", "value", pl.col("reason").alias("detail"),
    ).cast(FINDING_SCHEMA)


def _warning_params(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, object]:
    """Every parameter a warning's query may name; each query binds those it does."""
    taken = extract_date(con)
    years = query(con, "assignment_years", as_of=taken)
    # Referrals dated after the extract's date are not waiting: their years need no holidays.
    first_year = min(int(years["first_year"][0]), taken.year)
    return {
        "extract_date": taken,
        "dated_later": DATED_LATER,
        "quiet_days": settings.quiet_caseload_days,
        "drop_share": settings.volume_drop_share,
        "business_days": settings.unassigned_business_days,
        "holidays": holiday_dates(first_year, taken.year, settings.calendar),
        "formula_starts": list(FORMULA_STARTS),
    }


def warning_findings(con: duckdb.DuckDBPyConnection, settings: Settings) -> pl.DataFrame:
    """Every row a warning flags (``FINDING_SCHEMA``), check by check in the catalogue's order."""
    params = _warning_params(con, settings)
    frames = []
    for check in WARNING_CHECKS:
        assert check.query is not None  # every warning has its query
        found = query(con, check.query, **params, check=check.id)
        frames.append(found.with_columns(pl.lit(check.severity).alias("severity")).select(list(FINDING_SCHEMA))
                      .cast(FINDING_SCHEMA))
    return pl.concat(frames) if frames else pl.DataFrame(schema=FINDING_SCHEMA)


@kept(8)
def _findings(con: duckdb.DuckDBPyConnection, settings: Settings) -> pl.DataFrame:
    order = {check.id: index for index, check in enumerate(CATALOGUE)}
    tables = {table.name: index for index, table in enumerate(schema.load_order())}
    both = pl.concat([rejected_findings(con), warning_findings(con, settings)])
    return (
        both.with_columns(
            pl.col("check").replace_strict(order, return_dtype=pl.Int32).alias("_check"),
            pl.col("table").replace_strict(tables, default=len(tables), return_dtype=pl.Int32).alias("_table"),
        )
        .sort("_check", "_table", "line", "column", nulls_last=True)
        .drop("_check", "_table")
    )


def findings(con: duckdb.DuckDBPyConnection, settings: Settings | None = None) -> pl.DataFrame:
    """Every finding of every check: ``check``, ``severity`` (rejected or warning), ``table``,
    ``line``, ``agency_id`` (null when the row names none), ``column`` (null when the check
    concerns a whole row or agency), ``value`` (the extract's value in that column, when there is
    one) and ``detail`` (the loader's reason, or what the warning found). In the catalogue's
    order, then by table in load order, line and column. Kept per connection and settings."""
    return _findings(con, settings or current_settings())


def counts_by_agency(con: duckdb.DuckDBPyConnection, settings: Settings | None = None) -> pl.DataFrame:
    """Rows found per agency and check: ``agency_id`` (null: rows that name no agency),
    ``check``, ``severity`` and ``rows`` (distinct table and line: a row flagged in two columns
    counts once). Only the pairs with rows; agencies in order, then checks in the catalogue's."""
    found = findings(con, settings)
    order = {check.id: index for index, check in enumerate(CATALOGUE)}
    return (
        found.group_by("agency_id", "check")
        .agg(pl.struct("table", "line").n_unique().cast(pl.Int64).alias("rows"))
        .with_columns(
            pl.col("check").replace_strict({c: CHECKS_BY_ID[c].severity for c in order}, return_dtype=pl.String)
            .alias("severity"),
            pl.col("check").replace_strict(order, return_dtype=pl.Int32).alias("_check"),
        )
        .sort("agency_id", "_check", nulls_last=True)
        .select(list(COUNT_SCHEMA))
    )
