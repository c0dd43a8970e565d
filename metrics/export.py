"""Writing CSV files the way every file this project produces is written.

UTF-8 with a header row, dates as YYYY-MM-DD, booleans as true/false, nulls as
empty cells.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl


def to_csv_text(frame: pl.DataFrame) -> str:
    return frame.write_csv(date_format="%Y-%m-%d", datetime_format="%Y-%m-%d %H:%M:%S")


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_csv_text(frame), encoding="utf-8")
