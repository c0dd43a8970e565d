"""The rejected rows grouped by the row that caused them: fix one, recover them all.

A row rejected in cascade names, at load, the rejected row it refers to (``rejects.cause_table``
and ``cause_line``, see ``metrics.extract.loader``); a row rejected for itself names none and is
a *root cause*. Fixing a root cause recovers it and every row that goes back to it, the rows
naming it, those naming them, and so on. A row naming several rejected rows is counted under the
one of its first such column in its table's column order (the one its reason names): fixing that
one alone may leave it rejected for the next.
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.extract import schema
from metrics.store.db import query


def root_causes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per root cause: its ``table``, ``line``, ``column``, ``value``, ``reason`` and
    ``whole_line`` (the line could not be read into values, and ``value`` is its text), the rows
    it takes with it (``rows_recovered``, itself included), how many per table (``recovered``, a
    list of ``{table, rows}`` in load order) and the agencies of those rows (``agencies``, ids).
    Most rows recovered first, then by table in load order and line."""
    return query(con, "root_causes", tables=[table.name for table in schema.load_order()])


def recovered_text(recovered: list[dict[str, object]]) -> str:
    """The rows per table in words: "1 staff, 30 assignments, 384 contacts"."""
    return ", ".join(f"{item['rows']:,} {item['table']}" for item in recovered)
