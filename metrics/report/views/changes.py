"""The data-quality page's "Since the previous extract": what ``metrics.report.changes`` found between
the extract served and the one before it, as the page shows it, exact or (while presenting) with
its small counts hidden.

While presenting, rows of the extract are counted like people (as on the rest of the page): each
row of the rows per table and the rows per check is the line *smaller + difference = larger* of its
old and new counts, suppressed as one (a difference of 1 to 10 rows is as small a count as any, and
beside both counts it would be given away); each table is suppressed on its own, as the page's
tables of checks are, so the breakdowns by agency, whose rows add up to them, are not shown; and a
changed figure is shown by its rates alone, each blank when it rests on 1 to 10 people or leaves 1 to
10 out, without the counts whose difference would say how many periods or referrals moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import polars as pl

from metrics.disclosure.suppression import COMPLEMENTARY_MARKER, small_marker, suppress_grid, suppress_rates
from metrics.extract.extracts import long_date
from metrics.measures.measure import worded
from metrics.measures.registry import HEADLINE_BY_KEY
from metrics.policy import wording
from metrics.policy.settings import Settings
from metrics.report.changes import Changes
from metrics.report.labels import Column, Columns
from metrics.report.views.data_quality import agency_named, check_rule

SEVERITY_WORDS = {"rejected": "Rejected", "warning": "Warning"}
CHANGE = {"old": Column("Before", "%d"), "new": Column("Now", "%d"),
          "difference": Column("Difference", "%d", "Now less before.")}
COLUMNS: dict[str, Columns] = {
    "rows_by_table": {"table": "Table", **CHANGE},
    "rows_by_agency": {"table": "Table", "agency_id": None, "agency": "Agency", **CHANGE},
    "checks": {"check": None, "severity": Column("Kind", words=SEVERITY_WORDS), "rule": "Rule", **CHANGE},
    "checks_by_agency": {"check": None, "agency_id": None, "agency": "Agency",
                         "severity": Column("Kind", words=SEVERITY_WORDS), "rule": "Rule", **CHANGE},
    "figures_changed": {
        "month": "Month", "agency_id": None, "agency": "Agency", "figure": None, "label": "Figure",
        # On the screen each side in one column, "82% (334 of 409)", so that the table fits a projector; the
        # download keeps the numbers.
        "old_met": None, "old_due": None, "old_value": None, "new_met": None, "new_due": None, "new_value": None,
        "before": "Before", "now": "Now",
        # Kept in the download; on the screen the rows added say it, so that the table fits a projector.
        "rows_old": None,
        "rows_new": None,
        "rows_added": Column("Rows added", "%d", "Rows of the tables the figure is counted from, dated in the "
                                                 "month: now less before (rows that arrived late, less rows gone or "
                                                 "rejected since)."),
    },
}


def columns(table: str, public: bool) -> Columns:
    """The headers of one of the section's tables; while presenting, counts come as text ("<11", "*"),
    which a number column cannot show: their headers are plain words."""
    return {name: column.label if public and isinstance(column, Column) and column.format == "%d" else column
            for name, column in COLUMNS[table].items()}


def no_previous_text(folder_served: bool) -> str:
    """Why nothing is compared: one extract served, or a folder with nothing older."""
    if not folder_served:
        return ("One extract is served (`oversight serve --extract`): there is no previous extract to compare it "
                "with. Serve a folder of extracts (`--extracts DIR`), or compare two with `oversight changes`.")
    return "The folder of extracts holds no complete extract older than this one: there is nothing to compare it with."


def caption(changes: Changes, previous_name: str) -> str:
    """What is compared with what, and over which months."""
    months = changes.months
    return (f"Compared with {previous_name}. Rows are accepted rows. The figures are those of each month from "
            f"{month_text(months[0])} to {month_text(months[-1])} (months both extracts cover), counted in both "
            f"as of {long_date(changes.old_taken)}, so that only a difference in the rows moves them.")


def summary_text(changes: Changes) -> str:
    """One sentence: how much changed."""
    if changes.unchanged:
        return "Nothing changed: every table has the same accepted rows per agency, every check found as many " \
               "rows and no figure of the months compared moved."
    tables = int((changes.rows_by_table()["difference"] != 0).sum())
    checks = int((changes.checks()["difference"] != 0).sum())
    return (f"{wording.plural(tables, 'table')} changed in rows, {wording.plural(checks, 'check')} found a "
            f"different number of rows, and {wording.plural(changes.figures.height, 'figure')} of past months moved.")


def _change_lines(frame: pl.DataFrame) -> pl.DataFrame:
    """``old``, ``new`` and ``difference`` as text, each row the line smaller + |difference| = larger,
    suppressed (rows of the extract are counted like people)."""
    old, new = frame["old"].to_numpy().astype(np.int64), frame["new"].to_numpy().astype(np.int64)
    grid = np.column_stack([np.minimum(old, new), np.abs(new - old), np.maximum(old, new)]) if frame.height \
        else np.zeros((0, 3), np.int64)
    suppressed, primary = suppress_grid(grid, total_column=True)
    marker = small_marker()

    def text(value: int, column: int, row: int) -> str:
        if primary[row, column]:
            return marker
        return COMPLEMENTARY_MARKER if suppressed[row, column] else str(value)

    grew = new >= old
    return frame.with_columns(
        pl.Series("old", [text(int(v), 0 if grew[i] else 2, i) for i, v in enumerate(old)], pl.String),
        pl.Series("new", [text(int(v), 2 if grew[i] else 0, i) for i, v in enumerate(new)], pl.String),
        pl.Series("difference", [text(int(v), 1, i) for i, v in enumerate(new - old)], pl.String),
    )


def rows_by_table(changes: Changes, public: bool) -> pl.DataFrame:
    """Accepted rows per table, before and now."""
    frame = changes.rows_by_table()
    return _change_lines(frame) if public else frame


def rows_by_agency(changes: Changes, names: Mapping[str, str]) -> pl.DataFrame:
    """The tables and agencies whose accepted rows changed (not shown while presenting)."""
    changed = changes.rows_by_agency.filter(pl.col("difference") != 0)
    return changed.select("table", "agency_id", agency_named(names), "old", "new", "difference")


def checks(changes: Changes, rules: Settings, public: bool) -> pl.DataFrame:
    """Rows each check of the catalogue found, before and now (the checks that found any)."""
    frame = changes.checks()
    frame = frame.select("check", "severity", check_rule(rules), "old", "new", "difference")
    return _change_lines(frame) if public else frame


def checks_by_agency(changes: Changes, names: Mapping[str, str], rules: Settings) -> pl.DataFrame:
    """The checks and agencies whose rows found changed (not shown while presenting)."""
    changed = changes.checks_by_agency.filter(pl.col("difference") != 0)
    return changed.select("check", "agency_id", agency_named(names), "severity", check_rule(rules),
                          "old", "new", "difference")


def month_text(first: dt.date) -> str:
    return f"{first:%B %Y}"


def _side(side: str, public: bool) -> pl.Expr:
    """One side of a figure in words: "82% (334 of 409)", or while presenting its rate alone ("Suppressed"
    when hidden); "none due" when nothing was due then."""

    def words(row: dict[str, object]) -> str:
        met, due, value = row[f"{side}_met"], row[f"{side}_due"], row[f"{side}_value"]
        if str(due) == "0":
            return "none due"
        rate = wording.rate_text(value if isinstance(value, float) else None, public and value is None)
        return rate if public else f"{rate} ({wording.count_text(str(met))} of {wording.count_text(str(due))})"

    return (pl.struct(f"{side}_met", f"{side}_due", f"{side}_value").map_elements(words, return_dtype=pl.String)
            .alias("before" if side == "old" else "now"))


def figures(changes: Changes, names: Mapping[str, str], rules: Settings, public: bool) -> pl.DataFrame:
    """The figures of past months that moved, by month, agency and figure (in words): before and now.
    While presenting, the two rates alone, each hidden when it rests on few people."""
    frame = changes.figures
    labels = {key: worded(HEADLINE_BY_KEY[key].label, rules) for key in frame["figure"].unique()}
    shown = frame.select(
        pl.col("month").map_elements(month_text, return_dtype=pl.String),
        "agency_id", agency_named(names), "figure",
        pl.col("figure").replace_strict(labels, return_dtype=pl.String).alias("label"),
        "old_met", "old_due", "old_value", "new_met", "new_due", "new_value", "rows_old", "rows_new", "rows_added",
    )
    # Before and now come first on the screen; the numbers they are written from follow, for the download.
    first = ["month", "agency_id", "agency", "figure", "label", "before", "now"]
    if not public:
        shown = shown.with_columns(_side("old", False), _side("new", False))
        return shown.select(*first, *[c for c in shown.columns if c not in first])
    for side in ("old", "new"):
        shown = suppress_rates(shown, f"{side}_met", f"{side}_due", [f"{side}_value"]).display
    rows = _change_lines(shown.select(pl.col("rows_old").alias("old"), pl.col("rows_new").alias("new")))
    # The rates are in words already; their counts would say how many periods or referrals moved.
    return shown.with_columns(
        _side("old", True), _side("new", True),
        rows["old"].alias("rows_old"), rows["new"].alias("rows_new"), rows["difference"].alias("rows_added"),
    ).select(*first, "rows_old", "rows_new", "rows_added")
