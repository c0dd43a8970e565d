"""One read-only DuckDB connection per built database, and the SQL files run against it.

It knows nothing of extracts: `metrics.extract.loader.connect` builds an extract's database and
opens it here."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path

import duckdb
import polars as pl

QUERIES_DIR = Path(__file__).resolve().parents[2] / "queries"


@lru_cache(maxsize=4)
def connect_database(db_path: Path) -> duckdb.DuckDBPyConnection:
    """The process's one read-only connection to a built database; queries take cursors of it."""
    return duckdb.connect(str(db_path), read_only=True)


@cache
def sql_text(name: str) -> tuple[str, frozenset[str]]:
    """The statement of ``queries/<name>.sql`` and the parameters it names."""
    text = (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")
    code = re.sub(r"--[^\n]*", "", text)  # a parameter named only in a comment is not bound
    return text, frozenset(re.findall(r"\$([A-Za-z_]\w*)", code))


def _statement(name: str, params: dict[str, object]) -> tuple[str, dict[str, object] | None]:
    """``queries/<name>.sql`` and the parameters it names, taken from ``params``.

    Callers pass every parameter they have (the filters, the settings); only those the
    statement names are bound, since DuckDB refuses parameters a statement does not use.
    """
    text, names = sql_text(name)
    missing = names - params.keys()
    if missing:
        raise TypeError(f"queries/{name}.sql needs parameters: {', '.join(sorted(missing))}")
    return text, {key: value for key, value in params.items() if key in names} or None


def query(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> pl.DataFrame:
    """Run ``queries/<name>.sql`` on a cursor of its own."""
    text, bound = _statement(name, params)
    frame: pl.DataFrame = con.cursor().sql(text, params=bound).pl()  # typed Any: .pl(lazy=True) is a LazyFrame
    return frame


def execute(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Run the statement of ``queries/<name>.sql`` (one that defines something, at load)."""
    con.execute(sql_text(name)[0])


def create_table(con: duckdb.DuckDBPyConnection, table: str, name: str, **params: object) -> None:
    """Store the rows of ``queries/<name>.sql`` as ``table`` in a database being built."""
    text, bound = _statement(name, params)
    con.execute(f"CREATE TABLE {table} AS {text}", bound)
