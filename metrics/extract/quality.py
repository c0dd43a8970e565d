"""What the load kept and what it rejected, for the command line and the data-quality page."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from metrics.extract import schema
from metrics.store.db import query


def _in_load_order(frame: pl.DataFrame) -> pl.DataFrame:
    order = {t.name: i for i, t in enumerate(schema.load_order())}
    return (
        frame.with_columns(pl.col("table").replace_strict(order, return_dtype=pl.Int32).alias("_order"))
        .sort("_order", "line")
        .drop("_order")
    )


def rejects_frame(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every rejected row (table, line, column, value, reason) and, for a row rejected in cascade,
    the rejected row it names (cause_table, cause_line; null for a root cause), tables in load
    order, then by line."""
    return _in_load_order(con.cursor().sql(
        'SELECT "table", line, "column", value, reason, cause_table, cause_line FROM rejects').pl())


def load_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Rows read, accepted and rejected per table, with whether the table is core."""
    frame: pl.DataFrame = con.cursor().sql(
        'SELECT "table", file, rows_read, accepted, rejected, warnings, blank_lines, extra_columns FROM load_report'
    ).pl()
    core = {t.name: t.core for t in schema.TABLES}
    return frame.with_columns(
        pl.col("table").replace_strict(core, return_dtype=pl.Boolean).alias("core"),
        pl.col("file").is_not_null().alias("present"),
    )


def warnings_frame(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every accepted row with a warning (table, line, column, value, reason), as ``rejects_frame``."""
    return _in_load_order(con.cursor().sql('SELECT "table", line, "column", value, reason FROM warnings').pl())


def extract_info(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """What the load recorded of the extract: folder, fingerprint, day loaded, extract's date and its basis."""
    return dict(con.cursor().execute("SELECT key, value FROM extract_info").fetchall())


def agency_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each agency's name by its id, as the extract gives them (queries/agency_list.sql)."""
    listed = query(con, "agency_list")
    return dict(zip(listed["agency_id"], listed["agency_name"], strict=True))


def extract_date(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The extract's date as the load recorded it: its manifest's, else its latest event not after the load."""
    return dt.date.fromisoformat(extract_info(con)["extract_date"])


def extract_span(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date]:
    """The first day on which anything recorded in the extract happened, and the extract's date
    (the default report date: rows dated after it never move it).

    Deadlines (a plan's due date) are left out: they may lie ahead of the extract.
    """
    taken = extract_date(con)
    # Identifiers come from the schema, not from the extract.
    parts = [
        f"SELECT min(CAST({column} AS DATE)) AS first FROM {table.name}"
        for table in schema.TABLES
        for column in table.event_columns
    ]
    first = con.cursor().sql(f"SELECT min(first) FROM ({' UNION ALL '.join(parts)})").fetchall()[0][0]
    return min(first or taken, taken), taken


def empty_core_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Core tables with no accepted row: no measure can be computed without them."""
    core = [t.name for t in schema.TABLES if t.core]
    rows = con.cursor().execute(
        'SELECT "table" FROM load_report WHERE accepted = 0 AND list_contains(?, "table")', [core]
    ).fetchall()
    order = {name: i for i, name in enumerate(core)}
    return sorted((row[0] for row in rows), key=lambda name: order[name])
