"""The data-quality page: rows accepted and rejected per table, the reasons, rows with a warning."""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.disclosure.suppression import Counted, Linked, complement
from metrics.policy import wording
from metrics.report.views import Figures, Metric

# Rows of the extract are records of clients and their care: counted like people while presenting.
ROWS = Counted(("rows_read", "rejected", "warnings"), (("rejected", "rows_read"), ("warnings", "rows_read")))
ACCEPTED = complement("rejected", "rows_read")


def caption(extract_name: str, info: dict[str, str], first: dt.date, taken: dt.date) -> str:
    """The extract, the day it was taken and where that day comes from."""
    basis = ("its manifest, extract.toml" if info["extract_date_from"] == "manifest" else
             f"the latest day on which anything in it happened, up to the day it was loaded "
             f"({dt.date.fromisoformat(info['loaded_on']):%d %B %Y})")
    return (
        f"Extract `{extract_name}`, taken on **{taken:%d %B %Y}** (from {basis}); events from "
        f"{first:%d %B %Y}. The figures open on that date."
    )


def reasons(rejected: pl.DataFrame) -> pl.DataFrame:
    """Rejected rows by table and column, with the first reason and line."""
    return rejected.group_by("table", "column", maintain_order=True).agg(
        pl.len().alias("rejected"), pl.col("reason").first().alias("example"), pl.col("line").min().alias("first_line")
    )


def linked(summary: pl.DataFrame, rejected: pl.DataFrame) -> Linked:
    """Reasons add up to each table's rejected rows, tables to the extract's."""
    return (
        Linked()
        .add("tables", summary, ("table",), ROWS)
        .add("all", summary.select(pl.col("rows_read", "rejected", "warnings").sum()), (), ROWS)
        .add("reasons", reasons(rejected), ("table", "column"), Counted(("rejected",)))
        .sums("tables", "all")
        .sums("reasons", "tables")
    )


def headlines(figures: Figures, summary: pl.DataFrame) -> list[Metric]:
    total = figures.table("all").row(0, named=True)
    return [
        Metric("Rows read", wording.count_text(total["rows_read"])),
        Metric("Accepted", wording.count_text(total[ACCEPTED])),
        Metric("Rejected", wording.count_text(total["rejected"])),
        Metric("With a warning", wording.count_text(total["warnings"]),
               "Accepted rows dated after the extract was taken."),
        Metric("Tables absent", int((~summary["present"]).sum()),
               "Optional tables the extract does not hold: the views that need them say so."),
    ]


def empty_tables_error(empty: list[str]) -> str:
    return (f"No accepted rows in {', '.join(f'`{name}`' for name in empty)}: the other pages have nothing to "
            "report on until the extract holds some.")


def tables_table(figures: Figures, summary: pl.DataFrame) -> pl.DataFrame:
    """Each table's rows; the column of extra columns only when a file has any, so that the table
    fits a projector's width."""
    per_table = figures.table("tables").select(
        "table",
        "core",
        "present",
        "rows_read",
        pl.col(ACCEPTED).alias("accepted"),
        "rejected",
        "warnings",
        "blank_lines",
        pl.col("extra_columns").list.join(", "),
    )
    return per_table if summary["extra_columns"].list.len().sum() else per_table.drop("extra_columns")


def reasons_table(figures: Figures, public: bool) -> pl.DataFrame:
    """Why rows were rejected. An example reason may quote a value of the extract: while
    presenting, reasons are only counted."""
    return figures.table("reasons").rename({"rejected": "rows"}).drop(["example", "first_line"] if public else [])


def warned_note(warned: pl.DataFrame) -> str:
    """While presenting: how many values are dated after the extract was taken."""
    return (f"{wording.count_text(warned.height)} values are dated after the extract was taken; the rows are not "
            "shown while presenting.")
