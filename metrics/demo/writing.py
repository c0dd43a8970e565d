"""Writing the extract: each table as ``<table>.csv`` with its bad rows spliced in among the good
ones, and the manifest; ``write_demo`` generates and writes the whole extract."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl

from metrics.demo.bad_rows import BadRow, planted_rows
from metrics.demo.common import EXTRACT_END
from metrics.demo.tables import demo_tables
from metrics.extract.folder import MANIFEST
from metrics.extract.schema import TABLES, TABLES_BY_NAME


@dataclass(frozen=True)
class PlantedReject:
    """A deliberately bad row: where it is and what it breaks.

    ``line`` is the physical line in the CSV (header = line 1); ``column`` is None for a
    line that cannot be split into the header's columns. ``reason_kind`` is a short tag:
    missing_required, duplicate_key, bad_date, bad_timestamp, timestamp_offset, bad_bool,
    bad_decimal, bad_integer, bad_enum, out_of_range, missing_parent, rejected_parent (a
    row whose parent is a planted row), not_before, only_with, required_when,
    too_many_columns, too_few_columns.
    """

    table: str
    line: int
    column: str | None
    reason_kind: str


@dataclass(frozen=True)
class DemoSummary:
    rows: dict[str, int]  # rows written per table, bad rows included
    planted: tuple[PlantedReject, ...]


def _csv_line(cells: tuple[str, ...]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue().encode("utf-8")


def _write_rows(frame: pl.DataFrame, handle: BinaryIO) -> None:
    """The rows of ``frame`` as CSV lines, without the header."""
    frame.write_csv(handle, include_header=False, date_format="%Y-%m-%d", datetime_format="%Y-%m-%d %H:%M:%S")


def _write_table(path: Path, table: str, frame: pl.DataFrame, bad: list[BadRow]) -> list[PlantedReject]:
    """The good rows with the bad ones spliced in; returns where the bad ones landed."""
    planted = []
    with path.open("wb") as handle:
        handle.write(_csv_line(tuple(c.name for c in TABLES_BY_NAME[table].columns)))
        written = 0
        for n, row in enumerate(sorted(bad, key=lambda b: b.index)):
            _write_rows(frame.slice(written, row.index - written), handle)
            written = row.index
            handle.write(_csv_line(row.cells))
            # The header, the good rows before it and the bad rows before it come first.
            planted.append(PlantedReject(table, row.index + n + 2, row.column, row.reason_kind))
        _write_rows(frame.slice(written), handle)
    return planted


def write_demo(out_dir: Path, seed: int = 2026, scale: float = 1.0) -> DemoSummary:
    """Write a synthetic extract into ``out_dir``: one ``<table>.csv`` per table of the contract."""
    frames = demo_tables(seed, scale)
    bad = planted_rows(frames)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows, planted = {}, []
    for table in TABLES:
        frame, table_bad = frames[table.name], bad.get(table.name, [])
        planted += _write_table(out_dir / f"{table.name}.csv", table.name, frame, table_bad)
        rows[table.name] = frame.height + len(table_bad)
    (out_dir / MANIFEST).write_text(
        f"taken_on = {EXTRACT_END.isoformat()}\n"
        f'source = "oversight demo: synthetic, seed {seed}, scale {scale:g}"\n', encoding="utf-8")
    return DemoSummary(rows, tuple(planted))
