"""Reading an extract's Parquet file as text, so that its values meet the rules a CSV file's do.

Two things DuckDB would get wrong on its own: it renames a column name given twice (or twice
but for case, as it matches names ignoring case), which would hide the repeat from the check
of the header; and it casts text stored as bytes to its escaped rendering (``Caf\\xC3\\xA9``
for ``Café``). So the names are the file's own (read by pyarrow), columns are read by
position, and bytes are decoded as UTF-8: a value that is not UTF-8 makes its row unreadable,
as such a line of a CSV file is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

# Why a row holding bytes that are not UTF-8 is not read.
NOT_UTF8 = "not UTF-8"


class ParquetError(Exception):
    """The file cannot be read as Parquet; the message says why in one line."""


@dataclass(frozen=True)
class ParquetText:
    header: list[str]
    bytes_columns: frozenset[int]  # positions of the columns stored as bytes

    @property
    def source(self) -> str:
        """The file as a relation of columns ``c0``, ``c1``, … and ``file_row_number`` (bind ``$path``)."""
        return (f"read_parquet($path, file_row_number = true) "
                f"AS f({', '.join(f'c{i}' for i in range(len(self.header)))})")

    def text(self, position: int) -> str:
        """SQL for the text of column ``position`` (null where its bytes are not UTF-8)."""
        return f"try(decode(c{position}))" if position in self.bytes_columns else f"CAST(c{position} AS VARCHAR)"

    def undecodable(self, position: int) -> str | None:
        """SQL true where column ``position`` holds bytes that are not UTF-8 (None: it holds no bytes)."""
        if position not in self.bytes_columns:
            return None
        return f"(c{position} IS NOT NULL AND try(decode(c{position})) IS NULL)"

    def any_undecodable(self, positions: list[int]) -> str:
        """SQL true where any of these columns holds bytes that are not UTF-8."""
        return " OR ".join(test for p in positions if (test := self.undecodable(p))) or "false"


def open_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> ParquetText:
    try:
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        header = pq.read_schema(path).names
    except (duckdb.Error, pa.ArrowException, OSError) as error:
        raise ParquetError(str(error).splitlines()[0]) from None
    return ParquetText(header, frozenset(i for i, row in enumerate(described) if row[1] == "BLOB"))


def query(con: duckdb.DuckDBPyConnection, sql: str, path: Path, **params: object) -> pl.DataFrame | None:
    """Run ``sql`` over the file (as ``$path``) to its end: the rows of a query, None for a
    statement. A file whose data, past its description, cannot be read raises ParquetError."""
    try:
        relation = con.sql(sql, params={"path": str(path), **params})
        frame: pl.DataFrame | None = None if relation is None else relation.pl()  # .pl() is typed Any
        return frame
    except duckdb.Error as error:
        raise ParquetError(str(error).splitlines()[0]) from None
