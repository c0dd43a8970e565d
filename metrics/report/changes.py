"""What changed between two extracts: accepted rows per table and agency, the rows each check of the
catalogue found per agency, and the figures of past months that moved because rows arrived late
(contacts entered after the fact) or were corrected.

Each extract is its own built database, read on its own connection: each gives small aggregates
(rows per table, agency and month; rows per check and agency; each rate headline's counts per
agency and month), which are compared here. The measures are computed by the registry's own
functions (``Measure.compute``), which take one connection, so both extracts are read alike rather
than ATTACHed to one another.

**Figures of the past.** The months both extracts cover fully, the ``MONTHS_COMPARED`` last ones
ending on or before the older extract's date; in each, every rate headline of the registry (contact
and RST-meeting periods met, milestones met, Safety/Crisis Plans, referrals and emergencies reached)
per agency, its counting window that month. Both extracts are counted **as of the older extract's
date**, so that time passing (a referral's standard running out after that date) changes nothing:
a figure differs only because the rows differ. A figure is listed when its numerator or denominator
differs, beside the rows of the tables its measure reads (``Measure.reads``) dated in that month, in
each extract.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import duckdb
import polars as pl

from metrics.extract.check_results import counts_by_agency
from metrics.extract.checks import CATALOGUE
from metrics.extract.quality import extract_date
from metrics.extract.schema import load_order
from metrics.measures.measure import Headline
from metrics.measures.registry import BY_NAME, HEADLINES
from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.policy.window import months_before
from metrics.store.db import query

# How far back figures are compared: half a year of months, where late rows land. Each month costs a
# computation of four measures on each extract (about 0.1 s at scale 10), so a year would double the wait.
MONTHS_COMPARED = 6
# The rates of the overview and the deck: each a numerator over a denominator per agency.
RATE_HEADLINES = tuple(h for h in HEADLINES if h.counts is not None)

ROWS_SCHEMA = pl.Schema({"table": pl.String, "agency_id": pl.String, "old": pl.Int64, "new": pl.Int64,
                         "difference": pl.Int64})
CHECKS_SCHEMA = pl.Schema({"check": pl.String, "severity": pl.String, "agency_id": pl.String, "old": pl.Int64,
                           "new": pl.Int64, "difference": pl.Int64})
FIGURES_SCHEMA = pl.Schema({
    "month": pl.Date, "agency_id": pl.String, "figure": pl.String, "measure": pl.String,
    "old_met": pl.Int64, "old_due": pl.Int64, "old_value": pl.Float64,
    "new_met": pl.Int64, "new_due": pl.Int64, "new_value": pl.Float64,
    "rows_old": pl.Int64, "rows_new": pl.Int64, "rows_added": pl.Int64,
})
_COUNTS = {"month": pl.Date, "agency_id": pl.String, "figure": pl.String, "met": pl.Int64, "due": pl.Int64}


@dataclass(frozen=True)
class Changes:
    """Two extracts compared: the older one's date and the newer one's, the months whose figures were
    compared (their first days, oldest first), and the three comparisons (see the module)."""

    old_taken: dt.date
    new_taken: dt.date
    months: tuple[dt.date, ...]
    rows_by_agency: pl.DataFrame  # ROWS_SCHEMA: every table and agency with a row in either
    checks_by_agency: pl.DataFrame  # CHECKS_SCHEMA: every check and agency with a row found in either
    figures: pl.DataFrame  # FIGURES_SCHEMA: the figures that differ

    def rows_by_table(self) -> pl.DataFrame:
        """Accepted rows per table (every table, in load order), old, new and the difference."""
        return _totals(self.rows_by_agency, "table", [t.name for t in load_order()])

    def checks(self) -> pl.DataFrame:
        """Rows found per check of the catalogue (those that found any in either), in its order. A row
        has one agency, so a check's rows are the sum of its agencies'."""
        totals = _totals(self.checks_by_agency, "check", [c.id for c in CATALOGUE])
        severity = {c.id: c.severity for c in CATALOGUE}
        return (totals.filter((pl.col("old") > 0) | (pl.col("new") > 0))
                .with_columns(pl.col("check").replace_strict(severity, return_dtype=pl.String).alias("severity"))
                .select("check", "severity", "old", "new", "difference"))

    @property
    def unchanged(self) -> bool:
        """No table's rows, no check's findings and no figure differ."""
        return not ((self.rows_by_agency["difference"] != 0).any() or (self.checks_by_agency["difference"] != 0).any()
                    or self.figures.height)

    def files(self) -> dict[str, pl.DataFrame]:
        """The tables `oversight changes` writes, by file stem (docs/measures.md names their columns)."""
        return {
            "rows_by_table": self.rows_by_table(),
            "rows_by_agency": self.rows_by_agency,
            "checks": self.checks(),
            "checks_by_agency": self.checks_by_agency,
            "figures_changed": self.figures,
        }


def _totals(by_agency: pl.DataFrame, key: str, order: list[str]) -> pl.DataFrame:
    rank = {name: index for index, name in enumerate(order)}
    return (
        pl.DataFrame({key: order}).join(by_agency.group_by(key).agg(pl.col("old", "new").sum()), on=key, how="left")
        .with_columns(pl.col("old", "new").fill_null(0).cast(pl.Int64))
        .with_columns((pl.col("new") - pl.col("old")).alias("difference"))
        .sort(pl.col(key).replace_strict(rank, return_dtype=pl.Int32))
    )


def _old_and_new(old: pl.DataFrame, new: pl.DataFrame, keys: list[str], value: str) -> pl.DataFrame:
    """``value`` of each key found in either frame, as ``old`` and ``new`` (0 where one lacks the key),
    and their difference; a null key (rows of no agency) matches a null key."""
    return (
        old.select(*keys, pl.col(value).alias("old"))
        .join(new.select(*keys, pl.col(value).alias("new")), on=keys, how="full", coalesce=True, nulls_equal=True)
        .with_columns(pl.col("old", "new").fill_null(0).cast(pl.Int64))
        .with_columns((pl.col("new") - pl.col("old")).alias("difference"))
    )


def months_covered(old_taken: dt.date, count: int = MONTHS_COMPARED) -> tuple[dt.date, ...]:
    """The first days of the ``count`` last months ending on or before ``old_taken``, oldest first."""
    last_end = old_taken if (old_taken + dt.timedelta(days=1)).day == 1 else old_taken.replace(day=1) - dt.timedelta(
        days=1)
    return tuple(months_before(last_end, k).replace(day=1) for k in reversed(range(count)))


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def rate_counts(con: duckdb.DuckDBPyConnection, as_of: dt.date, months: tuple[dt.date, ...]) -> pl.DataFrame:
    """Each rate headline's (met, due) per agency and month, counted as of ``as_of`` over that month,
    through the registry (each measure computed once a month); only those with something due."""
    by_measure: dict[str, list[Headline]] = {}
    for headline in RATE_HEADLINES:
        by_measure.setdefault(headline.measure, []).append(headline)
    rows = []
    for month in months:
        filters = Filters(as_of=as_of, period_start=month, period_end=month_end(month))
        for name, headlines in by_measure.items():
            frame = BY_NAME[name].compute(con, filters)
            for (agency,), part in frame.partition_by("agency_id", as_dict=True).items():
                for headline in headlines:
                    assert headline.counts is not None  # a rate headline
                    met, due = headline.counts(part)
                    if due:
                        rows.append((month, agency, headline.key, met, due))
    return pl.DataFrame(rows, schema=_COUNTS, orient="row")


def _rows_in_months(old_rows: pl.DataFrame, new_rows: pl.DataFrame) -> pl.DataFrame:
    """Rows dated in each month per agency and measure, in each extract: of the tables it reads."""
    reads = pl.DataFrame(
        [(h.measure, table) for h in RATE_HEADLINES for table in BY_NAME[h.measure].reads],
        schema={"measure": pl.String, "table": pl.String}, orient="row",
    ).unique()
    per_month = _old_and_new(old_rows, new_rows, ["table", "agency_id", "month"], "rows")
    return (
        per_month.join(reads, on="table")
        .group_by("measure", "agency_id", "month")
        .agg(pl.col("old").sum().alias("rows_old"), pl.col("new").sum().alias("rows_new"))
    )


def figure_changes(old: pl.DataFrame, new: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """The figures whose numerator or denominator differs (``FIGURES_SCHEMA``): ``old`` and ``new`` are
    ``rate_counts`` of each extract, ``rows`` their rows per measure, agency and month."""
    measure = {h.key: h.measure for h in RATE_HEADLINES}
    order = {h.key: index for index, h in enumerate(RATE_HEADLINES)}
    keys = ["month", "agency_id", "figure"]
    both = (
        old.rename({"met": "old_met", "due": "old_due"})
        .join(new.rename({"met": "new_met", "due": "new_due"}), on=keys, how="full", coalesce=True)
        .with_columns(pl.col("old_met", "old_due", "new_met", "new_due").fill_null(0))
        .filter((pl.col("old_met") != pl.col("new_met")) | (pl.col("old_due") != pl.col("new_due")))
        .with_columns(pl.col("figure").replace_strict(measure, return_dtype=pl.String).alias("measure"))
    )
    return (
        both.join(rows, on=["measure", "agency_id", "month"], how="left")
        .with_columns(
            *[pl.when(pl.col(f"{side}_due") > 0).then(pl.col(f"{side}_met") / pl.col(f"{side}_due"))
              .alias(f"{side}_value") for side in ("old", "new")],
            pl.col("rows_old", "rows_new").fill_null(0),
        )
        .with_columns((pl.col("rows_new") - pl.col("rows_old")).alias("rows_added"))
        .sort("month", "agency_id", pl.col("figure").replace_strict(order, return_dtype=pl.Int32))
        .select(list(FIGURES_SCHEMA))
        .cast(FIGURES_SCHEMA)
    )


@dataclass(frozen=True)
class _Aggregates:
    """What one extract gives the comparison."""

    rows: pl.DataFrame  # accepted_rows_by_month
    checks: pl.DataFrame  # counts_by_agency
    rates: pl.DataFrame  # rate_counts


def _aggregates(con: duckdb.DuckDBPyConnection, rules: Settings, as_of: dt.date,
                months: tuple[dt.date, ...]) -> _Aggregates:
    return _Aggregates(query(con, "accepted_rows_by_month"), counts_by_agency(con, rules),
                       rate_counts(con, as_of, months))


def compare(old: duckdb.DuckDBPyConnection, new: duckdb.DuckDBPyConnection, rules: Settings) -> Changes:
    """The older extract ``old`` against the newer ``new`` (connections to their built databases)."""
    old_taken, new_taken = extract_date(old), extract_date(new)
    months = months_covered(old_taken)
    # Each extract's aggregates in a thread of its own: DuckDB and Polars let go of Python's lock, so
    # on two free cores the comparison takes about as long as one extract's share of it.
    with ThreadPoolExecutor(max_workers=2) as pool:
        before, after = pool.map(lambda con: _aggregates(con, rules, old_taken, months), (old, new))
    rows = (
        _old_and_new(before.rows.group_by("table", "agency_id").agg(pl.col("rows").sum()),
                     after.rows.group_by("table", "agency_id").agg(pl.col("rows").sum()), ["table", "agency_id"],
                     "rows")
        .sort(pl.col("table").replace_strict({t.name: i for i, t in enumerate(load_order())}, return_dtype=pl.Int32),
              "agency_id", nulls_last=True)
        .cast(ROWS_SCHEMA)
    )
    check_rank = {c.id: i for i, c in enumerate(CATALOGUE)}
    checks = (
        _old_and_new(before.checks, after.checks, ["check", "agency_id"], "rows")
        .with_columns(pl.col("check").replace_strict({c.id: c.severity for c in CATALOGUE}, return_dtype=pl.String)
                      .alias("severity"))
        .sort(pl.col("check").replace_strict(check_rank, return_dtype=pl.Int32), "agency_id", nulls_last=True)
        .select(list(CHECKS_SCHEMA))
        .cast(CHECKS_SCHEMA)
    )
    figures = figure_changes(before.rates, after.rates, _rows_in_months(before.rows, after.rows))
    return Changes(old_taken, new_taken, months, rows, checks, figures)
