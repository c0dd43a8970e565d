"""What the load kept and what it rejected, for the command line and the data-quality page."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from metrics import schema


def rejects_frame(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every rejected row (table, line, column, value, reason), tables in load order, then by line."""
    order = {t.name: i for i, t in enumerate(schema.load_order())}
    frame = con.cursor().sql('SELECT "table", line, "column", value, reason FROM rejects').pl()
    return (
        frame.with_columns(pl.col("table").replace_strict(order, return_dtype=pl.Int32).alias("_order"))
        .sort("_order", "line")
        .drop("_order")
    )


def load_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Rows read, accepted and rejected per table, with whether the table is core."""
    frame = con.cursor().sql(
        'SELECT "table", file, rows_read, accepted, rejected, extra_columns FROM load_report'
    ).pl()
    core = {t.name: t.core for t in schema.TABLES}
    return frame.with_columns(
        pl.col("table").replace_strict(core, return_dtype=pl.Boolean).alias("core"),
        pl.col("file").is_not_null().alias("present"),
    )



def event_date_range(con: duckdb.DuckDBPyConnection) -> tuple[dt.date | None, dt.date | None]:
    """The first and last dates on which anything recorded in the extract happened.

    Deadlines (a plan's due date) are left out: they may lie ahead of the extract.
    """
    # Identifiers come from the schema, not from the extract.
    parts = [
        f"SELECT min(CAST({column} AS DATE)) AS first, max(CAST({column} AS DATE)) AS last FROM {table.name}"
        for table in schema.TABLES
        for column in table.event_columns
    ]
    first, last = con.cursor().sql(
        f"SELECT min(first), max(last) FROM ({' UNION ALL '.join(parts)})"
    ).fetchall()[0]
    return first, last
