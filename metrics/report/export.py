"""Writing CSV files the way every file this project produces is written.

UTF-8 with a header row, dates as YYYY-MM-DD, timestamps as YYYY-MM-DD HH:MM:SS,
booleans as true/false, nulls as empty cells.

Every file is also safe to open in a spreadsheet (CSV or "formula" injection, see
OWASP's "CSV Injection" page): a text cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return would be run as a formula by Excel, LibreOffice or Google
Sheets, so it is written with a leading apostrophe (``=1+2`` becomes ``'=1+2``), which
spreadsheets show as text. The same goes for the header names. The rule looks at the
column's type, not at the look of the value:

- text columns (String, Categorical, Enum) are neutralised, even a value that reads as
  a number: the text ``-245`` becomes ``'-245``, because in a text column it is as
  likely to be the start of a formula as a number;
- numeric columns (integers, floats, decimals) are written as numbers, negative ones
  included (``days_until_due`` -245 stays -245): a number cannot carry a formula;
- dates, timestamps, booleans and nulls are written as above, unchanged.

Cells holding the separator, a quote or a line break are quoted as usual, so a value
cannot start a new cell or row of its own.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

# The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_PATTERN = r"^[=+\-@\t\r]"
_TEXT_TYPES = (pl.String, pl.Categorical, pl.Enum)


def neutralise(value: str) -> str:
    """``value`` as a spreadsheet shows it as text: with a leading apostrophe when needed."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _safe_text_columns(frame: pl.DataFrame) -> pl.DataFrame:
    text = [name for name, dtype in frame.schema.items() if isinstance(dtype, _TEXT_TYPES) or dtype in _TEXT_TYPES]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(pl.col(name).cast(pl.String).str.contains(_TRIGGER_PATTERN))
        .then(pl.lit("'") + pl.col(name).cast(pl.String))
        .otherwise(pl.col(name).cast(pl.String))
        .alias(name)
        for name in text
    )


def to_csv_text(frame: pl.DataFrame) -> str:
    """The CSV text of ``frame``: header row, safe to open in a spreadsheet."""
    if frame.width == 0:
        return ""
    header = io.StringIO()
    # Written apart so that two names equal once neutralised cannot collide as columns.
    csv.writer(header, lineterminator="\n").writerow([neutralise(name) for name in frame.columns])
    body = _safe_text_columns(frame).write_csv(
        include_header=False, date_format="%Y-%m-%d", datetime_format="%Y-%m-%d %H:%M:%S"
    )
    return header.getvalue() + body


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_csv_text(frame), encoding="utf-8")


def write_all(tables: dict[str, pl.DataFrame], out_dir: Path) -> list[Path]:
    """Each table as ``<name>.csv`` in ``out_dir``."""
    paths = []
    for name, frame in tables.items():
        path = out_dir / f"{name}.csv"
        write_csv(frame, path)
        paths.append(path)
    return paths
