"""Rows accepted and rejected per table, the reasons, the rows with a warning, and the extract's date."""

import datetime as dt

import polars as pl
import streamlit as st

from dashboard.auth import session_access
from dashboard.components import table, table_with_definition
from dashboard.data import (
    database_key,
    date_range,
    empty_core_tables,
    extract_dir,
    extract_info,
    load_summary,
    rejects,
    rows_with_warnings,
)
from dashboard.presenting import as_shown, count_text, presenting
from metrics.disclosure.suppression import Counted, Linked, complement

st.title("Data quality")
if not session_access().sees_everything:
    # Rejected rows cannot always be traced to an agency (a malformed line names none), and the
    # counts cover every agency of the extract: both are for those who may see them all.
    st.info("The checks of the extract cover every agency, so they are shown only to users who may see all of them.")
    st.stop()

ROW_COLUMNS = {
    "table": "Table",
    "line": st.column_config.NumberColumn("Line", format="%d"),
    "column": "Column",
    "value": "Value",
    "reason": "Reason",
}

database = database_key()
summary = load_summary(database)
rejected = rejects(database)
warned = rows_with_warnings(database)
info = extract_info(database)
first, taken = date_range(database)
basis = ("its manifest, extract.toml" if info["extract_date_from"] == "manifest" else
         f"the latest day on which anything in it happened, up to the day it was loaded "
         f"({dt.date.fromisoformat(info['loaded_on']):%d %B %Y})")
st.caption(
    f"Extract `{extract_dir().name}`, taken on **{taken:%d %B %Y}** (from {basis}); events from "
    f"{first:%d %B %Y}. The figures open on that date."
)

reasons = rejected.group_by("table", "column", maintain_order=True).agg(
    pl.len().alias("rejected"), pl.col("reason").first().alias("example"), pl.col("line").min().alias("first_line")
)
# Rows of the extract are records of clients and their care: counted like people while
# presenting. Reasons add up to each table's rejected rows, tables to the extract's.
rows = Counted(("rows_read", "rejected", "warnings"), (("rejected", "rows_read"), ("warnings", "rows_read")))
figures = as_shown(
    Linked()
    .add("tables", summary, ("table",), rows)
    .add("all", summary.select(pl.col("rows_read", "rejected", "warnings").sum()), (), rows)
    .add("reasons", reasons, ("table", "column"), Counted(("rejected",)))
    .sums("tables", "all")
    .sums("reasons", "tables")
)
accepted = complement("rejected", "rows_read")
total = figures.table("all").row(0, named=True)

columns = st.columns(5)
columns[0].metric("Rows read", count_text(total["rows_read"]), border=True)
columns[1].metric("Accepted", count_text(total[accepted]), border=True)
columns[2].metric("Rejected", count_text(total["rejected"]), border=True)
columns[3].metric("With a warning", count_text(total["warnings"]), border=True,
                  help="Accepted rows dated after the extract was taken.")
columns[4].metric("Tables absent", int((~summary["present"]).sum()), border=True,
                  help="Optional tables the extract does not hold: the views that need them say so.")

empty = empty_core_tables(database)
if empty:
    st.error(f"No accepted rows in {', '.join(f'`{name}`' for name in empty)}: the other pages have nothing to "
             "report on until the extract holds some.", icon=":material/block:")

st.subheader("Per table")
per_table = figures.table("tables").select(
    "table",
    "core",
    "present",
    "rows_read",
    pl.col(accepted).alias("accepted"),
    "rejected",
    "warnings",
    "blank_lines",
    pl.col("extra_columns").list.join(", "),
)
table_with_definition(
    "data-quality",
    # The column of extra columns only when a file has any: the table fits a projector's width.
    per_table if summary["extra_columns"].list.len().sum() else per_table.drop("extra_columns"),
    "load_summary.csv",
    column_config={
        "table": "Table",
        "core": "Core",
        "present": "Present",
        "rows_read": "Read",
        "accepted": "Accepted",
        "rejected": "Rejected",
        "warnings": "Warnings",
        "blank_lines": "Blank lines",
        "extra_columns": "Extra columns ignored",
    },
)

st.subheader("Why rows were rejected")
if rejected.is_empty():
    st.success("Every row of the extract was accepted.")
else:
    table(
        # An example reason may quote a value of the extract: while presenting, reasons are only counted.
        figures.table("reasons").rename({"rejected": "rows"}).drop(["example", "first_line"] if presenting() else []),
        "rejected_reasons.csv",
        column_config={
            "table": "Table",
            "column": "Column",
            "rows": "Rows",
            "example": "Example reason",
            "first_line": "First line",
        },
    )
    st.subheader("Every rejected row")
    if presenting():
        st.info("The rejected rows hold the extract's own values: they are not shown while presenting.")
    else:
        table(rejected, "rejected_rows.csv", column_config=ROW_COLUMNS)

st.subheader("Rows dated after the extract was taken")
if warned.is_empty():
    st.success(f"Nothing in the extract is dated after {taken:%d %B %Y}.")
elif presenting():
    st.info(f"{count_text(warned.height)} values are dated after the extract was taken; the rows are not shown "
            "while presenting.")
else:
    st.caption("These rows are kept, but their dates come after the day the extract was taken: what they "
               "record cannot have happened yet. Check them with the data supplier.")
    table(warned, "warnings.csv", column_config=ROW_COLUMNS)
