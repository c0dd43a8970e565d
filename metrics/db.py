"""One read-only DuckDB connection per built database, and the SQL files run against it."""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

import duckdb
import polars as pl

from metrics.loader import database_path

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"


@lru_cache(maxsize=4)
def _open(db_path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(db_path), read_only=True)


def connect(extract_dir: str | Path) -> duckdb.DuckDBPyConnection:
    """The connection to this extract's database (built first if the extract changed)."""
    return _open(database_path(Path(extract_dir)))


@cache
def sql_text(name: str) -> str:
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def query(con: duckdb.DuckDBPyConnection, name: str, **params) -> pl.DataFrame:
    """Run ``queries/<name>.sql`` with bound parameters, on a cursor of its own."""
    return con.cursor().sql(sql_text(name), params=params or None).pl()
