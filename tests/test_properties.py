"""Loading extracts with random defects: whatever an extract holds, every line is accounted for.

Hypothesis writes extracts whose tables carry defects of every kind the contract and the
README speak of: stray quotes, values spanning lines, blank lines, bytes that are not UTF-8,
carriage returns outside quotes, mixed line endings, ragged and junk lines, impossible
values, broken rules, duplicate keys, references to missing or rejected parents, Parquet
tables, and (stopping the load) over-long lines, unreadable headers and files. Each table
knows the line each of its records starts on and the defect planted in it; from that alone
:func:`expected_outcome` works out what the load must report, never from the code under test.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st

from metrics.cli import main
from metrics.extract import schema
from metrics.extract.csvfile import MAX_LINE_BYTES
from metrics.extract.loader import database_path, read_report
from metrics.extract.schema import Column, NotBefore, OnlyWith, RequiredExactlyWhen, Table
from tests.conftest import BASE_TABLES, rejects

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NEWLINE = b"\n"

# Small extracts load in about a second, less on an idle machine; these bounds catch a load that runs away.
LOAD_SECONDS = 30
MEMORY_BYTES = 2 << 30
MAX_RECORDS = 5

# The contract's booleans (any case) and the blanks it trims from ids.
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
BOOLEANS = ("true", "false", "t", "F", "Yes", "no", "Y", "n", "1", "0", "TRUE")
ID_BLANKS = " \t"

# Few keys per table, so that duplicate keys and references to every kind of parent come often.
KEYS = {"agencies": ("A1", "A2", "A3"), "staff": ("S1", "S2"), "clients": ("C1", "C2"),
        "episodes": ("E1", "E2", "E3"), "contacts": ("K1", "K2", "K3"), "action_plans": ("P1", "P2"),
        "incidents": ("I1", "I2")}
# Text is kept exactly as written: quotes, commas, blanks, non-ASCII letters, a carriage return
# inside quotes; the multi-line values make records spanning lines.
TEXTS = ("Alpha Recovery", "Beta, Inc", 'Gamma "North"', "Café Delta", " spaced ")
TEXTS_WITH_BREAKS = ("Alpha\nRecovery", "Beta\r\nCounty", "Gamma\n\nNorth", "Delta\rEpsilon")
DAYS = (dt.date(2024, 3, 1), dt.date(2024, 1, 15), dt.date(2024, 6, 30), dt.date(2025, 12, 31),
        dt.date(1900, 1, 1), dt.date(2100, 12, 31), dt.date(2099, 6, 1))
TIMES = ("10:00", "00:00", "23:59", "09:30:15", "12:00:00.250")
MANIFEST_DATES = (dt.date(2024, 12, 31), dt.date(2024, 3, 1))
EARLIEST_DAY = "1900-01-01"  # the contract's first possible day

BAD_BY_TYPE = {
    "date": ("0000-01-01", "9999-12-31", "1899-12-31", "2101-01-01", "2024-02-30", "2023-02-29", "2024-13-01",
             "2024-3-5", "03/15/2024", " 2024-03-01", "2024-03-01 10:00"),
    "timestamp": ("2024-03-01 24:00", "2024-03-01 10:60", "2024-03-01T10:00:00-06:00", "2024-03-01T10:00Z",
                  "0000-01-01 10:00", "9999-12-31 23:59", "1899-12-31 23:59", "2101-01-01 00:00",
                  "2024-02-30 10:00", "2024-03-01", "2024-03-01 10:00:60"),
    "bool": ("maybe", "2", "tru", "yes please"),
    "decimal": ("0,5", "abc", "1e0", "0.5.1", "NaN", "inf", "1 000"),
    "integer": ("19x0", "1.0", "1e3", "2,024"),
}
NOT_UTF8 = (b"\xff", b"\xc3", b"\xe9", b"\x80", b"\xed\xa0\x80", b"\xc0\xaf")
JUNK = ("garbage", " x", "-- end of report --", "#")
# Lines a person sees as blank: the loader skips and counts them.
BLANK_LINES = ("", " ", "\t", "  \t")

LINE_DEFECTS = ("stray quote", "not UTF-8", "carriage return", "too few cells", "too many cells", "junk")
# What stops a load: (format, kind); format "folder" for the folder as a whole.
FATAL = (
    *(("csv", kind) for kind in ("long line", "long cell", "long header", "header not UTF-8", "header quote",
                                 "header carriage return", "missing required column", "column twice",
                                 "empty file")),
    *(("parquet", kind) for kind in ("truncated", "not Parquet", "empty file", "missing required column",
                                     "column twice")),
    *(("folder", kind) for kind in ("unknown table", "table twice", "missing core table", "bad manifest")),
)
BAD_MANIFESTS = ((b'taken_on = "yesterday"\n', "taken_on must be a date"),
                 (b"taken_on = 1899-12-31\n", "outside"),
                 (b"source = 3\ntaken_on = 2024-01-01\n", "source must be text"),
                 (b"when = 2024-01-01\n", "unknown key"),
                 (b"taken_on = [\n", "not valid TOML"))


# ---------------------------------------------------------------------------
# What an extract holds


@dataclass(frozen=True)
class Rejection:
    """What the reject of a line must say: its column (None for a line with too many values)
    and words its reason holds ("": any reason), or all of it when ``exact``."""

    column: str | None
    reason: str
    exact: bool = False


@dataclass(frozen=True)
class Defect:
    kind: str
    what: str  # for whoever reads a failing example
    rejection: Rejection
    line_level: bool  # the line cannot be read; otherwise its values are read and break a rule


@dataclass
class Record:
    values: dict[str, str]  # every contract column's value as written ("" when empty or absent)
    defect: Defect | None = None
    text: bytes = b""  # CSV: the record as written, without its line ending


@dataclass
class TableFile:
    name: str
    format: str  # "csv" or "parquet"
    header: list[str]
    rows: list[tuple[int, Record]]  # each record with its line (CSV, header = 1) or position (Parquet, from 1)
    blank_lines: int
    content: bytes

    @property
    def file_name(self) -> str:
        return f"{self.name}.{self.format}"

    def describe(self) -> str:
        if self.format == "parquet":
            lines = [f"{self.file_name}: columns {self.header}"]
            lines += [f"  row {position}: {record.values}" for position, record in self.rows]
        else:
            lines = [f"{self.file_name}:"]
            pieces = self.content.split(b"\n")
            for number, piece in enumerate(pieces, 1):
                if number < len(pieces):
                    lines.append(f"  {number:>3} {_shorten(piece + NEWLINE)!r}")
                elif piece:
                    lines.append(f"  {number:>3} {_shorten(piece)!r}  (no line break at the end)")
        where = "row" if self.format == "parquet" else "line"
        lines += [f"  -> {where} {line}: {record.defect.what}" for line, record in self.rows if record.defect]
        return "\n".join(lines)


@dataclass
class Extract:
    tables: dict[str, TableFile]
    taken_on: dt.date | None
    other_files: dict[str, bytes] = field(default_factory=dict)  # the manifest, files that stop the load
    fatal: tuple[str, ...] = ()  # words the one message must hold when the extract cannot be loaded

    def write(self, folder: Path) -> None:
        for table in self.tables.values():
            (folder / table.file_name).write_bytes(table.content)
        for name, content in self.other_files.items():
            (folder / name).write_bytes(content)

    def _repr_pretty_(self, printer, cycle) -> None:  # how Hypothesis shows a failing example
        printer.text(repr(self))

    def __repr__(self) -> str:
        parts = [f"Extract(taken_on={self.taken_on}, fatal={self.fatal})"]
        parts += [table.describe() for table in self.tables.values()]
        parts += [f"{name}: {_shorten(content)!r}" for name, content in self.other_files.items()]
        return "\n".join(parts)


def _shorten(content: bytes) -> bytes:
    return content if len(content) <= 200 else content[:80] + b"... (%d bytes)" % len(content)


# ---------------------------------------------------------------------------
# Clean rows


def _references(parent: str) -> tuple[str, ...]:
    """Ids a row may name in ``parent``: its keys (most often), one it never has, and one that
    differs only in case (ids are case-sensitive)."""
    keys = KEYS[parent]
    return keys * 5 + (keys[0][0] + "9", keys[0].lower())


def _clean_cell(table: Table, column: Column) -> st.SearchStrategy[str]:
    """A value that keeps its column's own rules (dates and timestamps are drawn by the row)."""
    if column.type == "id":
        pool = KEYS[table.name] if column.unique else _references(column.references) if column.references \
            else ("F1", "F2")
        return st.builds(lambda before, key, after: before + key + after,
                         st.sampled_from(("", "", " ", "\t")), st.sampled_from(pool), st.sampled_from(("", " ")))
    if column.type == "text":
        return st.sampled_from(TEXTS + TEXTS_WITH_BREAKS)
    if column.type == "enum":
        return st.sampled_from(column.enum)
    if column.type == "bool":
        return st.sampled_from(BOOLEANS)
    if column.type == "decimal":
        return st.sampled_from(("1.0", "0.5", "1", ".75", "0.25", "+0.5") if column.maximum is not None
                               else ("2.5", "1", "8", "0.5", "12."))
    if column.maximum_is_current_year:
        return st.integers(int(column.minimum), dt.date.today().year).map(str)
    return st.sampled_from(("0", "10", "120") if column.minimum is not None else ("2024", "2025"))


@st.composite
def clean_values(draw, table: Table, header: list[str]) -> dict[str, str]:
    """A row keeping every rule of its own table (the rows it names may still be missing)."""
    values = {column.name: "" for column in table.columns}
    present = [c for c in table.columns if c.name in header and (c.required or draw(st.booleans()))]
    for column in present:
        if column.type not in ("date", "timestamp"):
            values[column.name] = draw(_clean_cell(table, column))
    # Moments given to the columns in their order keep every "not before" rule of the contract.
    moments = [c for c in present if c.type in ("date", "timestamp")]
    instants = draw(st.lists(st.tuples(st.sampled_from(DAYS), st.sampled_from(TIMES)),
                             min_size=len(moments), max_size=len(moments)))
    instants.sort(key=lambda instant: dt.datetime.combine(instant[0], dt.time.fromisoformat(instant[1])))
    for column, (day, clock) in zip(moments, instants, strict=True):
        values[column.name] = day.isoformat() if column.type == "date" else \
            day.isoformat() + draw(st.sampled_from(" T")) + clock
    if "note" in header:
        values["note"] = draw(st.sampled_from(("",) + TEXTS + TEXTS_WITH_BREAKS))
    return _consistent(table, header, values)


def _consistent(table: Table, header: list[str], values: dict[str, str]) -> dict[str, str]:
    """The row with what would break a rule between columns emptied (dates in column order
    already keep the "not before" rules)."""
    values = dict(values)
    for rule in table.rules:
        if isinstance(rule, OnlyWith) and not values[rule.other]:
            values[rule.column] = ""
        elif isinstance(rule, RequiredExactlyWhen):
            if rule.column not in header or not values[rule.column]:
                values[rule.other] = ""
            if not values[rule.other]:
                values[rule.column] = ""
    return values


def _base_rows(table: Table, header: list[str]) -> list[dict[str, str]]:
    """The rows of the shared base extract (tests/conftest.py) in this header's columns."""
    rows = csv.DictReader(io.StringIO(BASE_TABLES[table.name]))
    return [_consistent(table, header, {c.name: row[c.name] if c.name in header else "" for c in table.columns}
                        | ({"note": ""} if "note" in header else {})) for row in rows]


# ---------------------------------------------------------------------------
# Defects in values


def _bad_values(column: Column) -> tuple[str, ...]:
    """Values breaking the column's own rules: type, enum, range, required."""
    bad = list(BAD_BY_TYPE.get(column.type, ()))
    if column.type == "enum":
        bad += ["bogus", column.enum[0].swapcase(), column.enum[0] + " "]
    if column.minimum is not None:
        bad.append(f"{column.minimum:g}" if column.minimum_exclusive else f"{column.minimum - 1:g}")
    if column.maximum is not None:
        bad.append(f"{column.maximum + 0.5:g}")
    if column.maximum_is_current_year:
        bad.append(str(dt.date.today().year + 1))
    if column.required:
        bad += ["", "   "] if column.type == "id" else [""]
    return tuple(bad)


def _just_before(value: str, as_date: bool) -> str:
    moment = dt.datetime.fromisoformat(value)
    if as_date:
        return (moment.date() - dt.timedelta(days=1)).isoformat()
    return (moment - dt.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")


def _rule_breakers(table: Table, header: list[str], values: dict[str, str]
                   ) -> list[tuple[str, Rejection, dict[str, str]]]:
    """Ways to break one rule between two columns of a clean row: (what, rejection, changes)."""
    ways = []
    for rule in table.rules:
        column, other = rule.column, rule.other
        if column not in header or other not in header:
            continue
        if isinstance(rule, NotBefore) and values[column] and values[other]:
            earlier = _just_before(values[other], table.column(column).type == "date")
            # A day before 1900-01-01 breaks the column's own range first.
            reason = "is before" if earlier >= EARLIEST_DAY else "outside"
            ways.append((f"{column} {earlier} before {other}", Rejection(column, reason), {column: earlier}))
        elif isinstance(rule, OnlyWith) and values[column] and not table.column(other).required:
            ways.append((f"{column} without {other}", Rejection(column, "is set but"), {other: ""}))
        elif isinstance(rule, RequiredExactlyWhen):
            change = "" if values[other] else table.column(column).enum[0]
            ways.append((f"{column} {change!r} against {other}", Rejection(column, "when"), {column: change}))
    return ways


@st.composite
def value_defects(draw, table: Table, header: list[str], values: dict[str, str]) -> tuple[dict[str, str], Defect]:
    """A value breaking its column's rules, or two values breaking a rule between columns."""
    breakers = _rule_breakers(table, header, values)
    breakable = [c for c in table.columns if c.name in header and _bad_values(c)]
    if breakers and (not breakable or draw(st.booleans())):
        what, rejection, changes = draw(st.sampled_from(breakers))
        return {**values, **changes}, Defect("broken rule", what, rejection, line_level=False)
    # A header cut down to optional text columns (an extract that is not to load) has none.
    assume(breakable)
    column = draw(st.sampled_from(breakable))
    value = draw(st.sampled_from(_bad_values(column)))
    return {**values, column.name: value}, Defect("bad value", f"{column.name} = {value!r}",
                                                  Rejection(column.name, ""), line_level=False)


# ---------------------------------------------------------------------------
# CSV lines and the defects that make a line unreadable


def _rendered(value: str, quote_anyway: bool) -> tuple[str, bool]:
    if quote_anyway or any(char in value for char in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"', True
    return value, False


def _with_inserted(cells: list[str], cell: int, offset: int, piece: bytes) -> bytes:
    before = ",".join(cells[:cell]) + ("," if cell else "") + cells[cell][:offset]
    return before.encode() + piece + (cells[cell][offset:] + "".join("," + c for c in cells[cell + 1:])).encode()


def _stray_quote_spots(cells: list[str], quoted: list[bool]) -> list[tuple[int, int]]:
    """Where a stray quote goes: opening a value that is not quoted, or inside one. Never at a
    value's end, so that two stray quotes can never pair into one well-quoted record."""
    return [(k, p) for k, cell in enumerate(cells) if cell and not quoted[k] for p in range(len(cell))]


def _outside_quote_spots(cells: list[str], quoted: list[bool]) -> list[tuple[int, int]]:
    """Places outside quotes, but not at the very end (a carriage return there ends the line)."""
    spots = []
    for k, cell in enumerate(cells):
        offsets = [0, len(cell)] if quoted[k] else list(range(len(cell) + 1))
        spots += [(k, p) for p in offsets if k < len(cells) - 1 or p < len(cell)]
    return spots


@st.composite
def line_defects(draw, header: list[str], cells: list[str], quoted: list[bool]) -> tuple[bytes, Defect] | None:
    """A line that cannot be read: its text and its defect (None when this line has no room
    for the kind drawn)."""
    kind = draw(st.sampled_from(LINE_DEFECTS))
    if kind == "stray quote":
        spots = _stray_quote_spots(cells, quoted)
        if not spots:
            return None
        cell, offset = draw(st.sampled_from(spots))
        return _with_inserted(cells, cell, offset, b'"'), Defect(
            kind, f"stray quote in {header[cell]}", Rejection(header[cell], "unmatched quote"), True)
    if kind == "not UTF-8":
        cell, offset = draw(st.sampled_from([(k, p) for k, c in enumerate(cells) for p in range(len(c) + 1)]))
        piece = draw(st.sampled_from(NOT_UTF8))
        return _with_inserted(cells, cell, offset, piece), Defect(
            kind, f"{piece!r} in {header[cell]}", Rejection(header[cell], "not UTF-8"), True)
    if kind == "carriage return":
        cell, offset = draw(st.sampled_from(_outside_quote_spots(cells, quoted)))
        return _with_inserted(cells, cell, offset, b"\r"), Defect(
            kind, f"carriage return in {header[cell]}", Rejection(header[cell], "carriage return"), True)
    # A malformed line names the first column missing, or none when it has too many.
    if kind == "too few cells":
        kept = [k for k in range(1, len(cells)) if ",".join(cells[:k]).strip(ID_BLANKS)]
        if not kept:
            return None
        count = draw(st.sampled_from(kept))
        return ",".join(cells[:count]).encode(), Defect(
            kind, f"{count} of {len(cells)} cells", Rejection(header[count], "malformed line"), True)
    if kind == "too many cells":
        extra = draw(st.lists(st.sampled_from(("x", "", "extra")), min_size=1, max_size=2))
        return ",".join(cells + extra).encode(), Defect(
            kind, f"{len(extra)} cells too many", Rejection(None, "malformed line"), True)
    if len(header) < 2:
        return None  # in a table of one column, a line of junk is one cell: a value, not a malformed line
    text = draw(st.sampled_from(JUNK))
    return text.encode(), Defect(kind, f"junk line {text!r}", Rejection(header[1], "malformed line"), True)


def _defect_kinds(values: dict[str, str], header: list[str]) -> st.SearchStrategy[str | None]:
    """No defect (half the time or more), a value's, or (on a single line) the line's."""
    single_line = not any(char in values.get(name, "") for name in header for char in "\r\n")
    return st.sampled_from((None, None, "value") + (("line",) if single_line else ()))


@st.composite
def csv_records(draw, table: Table, header: list[str], base: dict[str, str] | None = None) -> Record:
    """A record: a clean row, or one with a defect; a row of the base extract stays clean."""
    values = base or draw(clean_values(table, header))
    kind = None if base else draw(_defect_kinds(values, header))
    defect = None
    if kind == "value":
        values, defect = draw(value_defects(table, header, values))
    cells, quoted = zip(*(_rendered(values[name], draw(st.booleans())) for name in header), strict=True)
    text = ",".join(cells).encode()
    if kind == "line":
        broken = draw(line_defects(header, list(cells), list(quoted)))
        assume(broken is not None)
        text, defect = broken
    return Record(values, defect, text)


@st.composite
def headers(draw, table: Table) -> list[str]:
    """The required columns, some optional ones, perhaps a column the contract does not
    know, in any order; at least two, so that a junk line is never a whole record."""
    names = [c.name for c in table.columns if c.required or draw(st.booleans())]
    if draw(st.booleans()) or len(names) < 2:
        names.append("note")
    return list(draw(st.permutations(names)))


@st.composite
def csv_tables(draw, table: Table, fatal: str | None = None, base: bool = False) -> tuple[TableFile, tuple[str, ...]]:
    """A CSV file of the table (with the base extract's rows when ``base``), and with ``fatal``,
    the words of the message that stops the load."""
    header = draw(headers(table))
    if fatal == "missing required column":
        missing = draw(st.sampled_from(table.required_columns))
        header.remove(missing)
    records = draw(st.lists(csv_records(table, header), max_size=MAX_RECORDS))
    if base:
        records = draw(with_base_rows(records, [draw(csv_records(table, header, values))
                                                for values in _base_rows(table, header)]))
    written_header = list(header)
    if fatal == "column twice":
        twice = draw(st.sampled_from(header))
        written_header.insert(draw(st.integers(0, len(header))), twice)

    endings = draw(st.sampled_from(("\n", "\r\n", "mixed")))

    def ending() -> bytes:
        return (endings if endings != "mixed" else draw(st.sampled_from(("\n", "\r\n")))).encode()

    cells, quoted = zip(*(_rendered(name, draw(st.booleans())) for name in written_header), strict=True)
    header_text = ",".join(cells).encode()
    message: tuple[str, ...] = ()
    if fatal == "header not UTF-8":
        cell, offset = draw(st.sampled_from([(k, p) for k, c in enumerate(cells) for p in range(len(c) + 1)]))
        header_text = _with_inserted(list(cells), cell, offset, draw(st.sampled_from(NOT_UTF8)))
        message = (f"line 1 (the header), column {cell + 1}: not UTF-8",)
    elif fatal == "header quote":
        spots = _stray_quote_spots(list(cells), list(quoted))
        assume(spots)
        cell, offset = draw(st.sampled_from(spots))
        header_text = _with_inserted(list(cells), cell, offset, b'"')
        message = (f"line 1 (the header), column {cell + 1}: unmatched quote",)
    elif fatal == "header carriage return":
        cell, offset = draw(st.sampled_from(_outside_quote_spots(list(cells), list(quoted))))
        header_text = _with_inserted(list(cells), cell, offset, b"\r")
        message = (f"line 1 (the header), column {cell + 1}", "carriage return")
    elif fatal == "long header":
        header_text += b",x" * (MAX_LINE_BYTES // 2)
        message = ("line 1 (the header)", "longer than")
    elif fatal == "missing required column":
        message = (f"missing required column {missing}",)
    elif fatal == "column twice":
        message = (f"column '{twice}' appears twice",)

    # An over-long line among the records, perhaps followed by a longer one: the first is named.
    long_lines: list[Record] = []
    if fatal in ("long line", "long cell"):
        if fatal == "long cell":
            long_cell = draw(st.integers(0, len(header) - 1))
            text = ",".join("x" * (MAX_LINE_BYTES + 1) if k == long_cell else "" for k in range(len(header)))
        else:
            text = "ab," * (MAX_LINE_BYTES // 3 + 1)
        long_lines.append(Record({}, None, text.encode()))
        records.insert(draw(st.integers(0, len(records))), long_lines[0])
        if draw(st.booleans()):
            long_lines.append(Record({}, None, b"y" * (MAX_LINE_BYTES + 100)))
            records.insert(draw(st.integers(records.index(long_lines[0]) + 1, len(records))), long_lines[1])

    # The file's lines: (text, line ending, record or None), blank lines anywhere.
    lines: list[tuple[bytes, bytes, Record | None]] = [(header_text, ending(), None)]
    for record in [*records, None]:
        lines += [(draw(st.sampled_from(BLANK_LINES)).encode(), blank.encode(), None)
                  for blank in draw(st.lists(st.sampled_from(("\n", "\r\n")), max_size=2))]
        if record is not None:
            lines.append((record.text, ending(), record))
    if lines[-1][2] is not None and draw(st.booleans()):  # no line break after the last record
        lines[-1] = (lines[-1][0], b"", lines[-1][2])
    content = bytearray(b"\xef\xbb\xbf" if draw(st.booleans()) else b"")
    rows, line = [], 1
    for text, line_ending, record in lines:
        if record is not None:
            rows.append((line, record))
        content += text + line_ending
        line += 1 + text.count(b"\n")
    blank_lines = sum(1 for _, _, record in lines[1:] if record is None)

    if long_lines:
        line = next(line for line, record in rows if record is long_lines[0])
        if fatal == "long cell":
            message = (f"line {line}, column {long_cell + 1} ({header[long_cell]}):", "longer than")
        else:
            column = long_lines[0].text[:MAX_LINE_BYTES].count(b",") + 1
            message = (f"line {line}, column {column}:", "longer than")
    if fatal == "empty file":
        content = bytearray(draw(st.sampled_from((b"", b"\n", b"\r\n"))))
        message = ("the file is empty",)
    return TableFile(table.name, "csv", header, rows, blank_lines, bytes(content)), message


# ---------------------------------------------------------------------------
# Parquet


def _naive_timestamp(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    if len(text) <= 10 or moment.tzinfo is not None:
        raise ValueError(text)  # a date alone, or an offset: no timestamp column holds it as written
    return moment


def _boolean(text: str) -> bool:
    if text.lower() not in TRUE_WORDS + FALSE_WORDS:
        raise ValueError(text)
    return text.lower() in TRUE_WORDS


def _decimal(text: str) -> float:
    if any(char in text for char in "eE, "):
        raise ValueError(text)  # a number a typed column holds, but not as written
    return float(text)


# Typed Parquet columns, for columns whose every value such a column can hold with the same
# verdict (an impossible date is still a date; "2024-02-30" stays text).
PARQUET_TYPES = {"date": (dt.date.fromisoformat, pa.date32()), "timestamp": (_naive_timestamp, pa.timestamp("us")),
                 "bool": (_boolean, pa.bool_()), "decimal": (_decimal, pa.float64()), "integer": (int, pa.int64())}


def _parquet_column(column: Column | None, texts: list[str], typed: bool, as_bytes: bool,
                    empty_as_null: bool) -> pa.Array:
    """A column typed when asked and every value allows, else text, or bytes when asked or
    when a value is not UTF-8 (held in ``texts`` as surrogate escapes)."""
    if typed and column is not None and column.type in PARQUET_TYPES:
        convert, arrow_type = PARQUET_TYPES[column.type]
        try:
            return pa.array([None if text == "" else convert(text) for text in texts], arrow_type)
        except ValueError:
            pass
    values = [None if text == "" and empty_as_null else text for text in texts]
    if as_bytes or any(_surrogates(text) for text in texts):
        return pa.array([None if v is None else v.encode("utf-8", "surrogateescape") for v in values], pa.binary())
    return pa.array(values, pa.string())


def _surrogates(text: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in text)


@st.composite
def parquet_records(draw, table: Table, header: list[str]) -> Record:
    """A clean row, or one with a value breaking a rule or (in a column of bytes) not UTF-8."""
    values = draw(clean_values(table, header))
    kind = draw(st.sampled_from((None, None, "value", "not UTF-8")))
    if kind == "value":
        values, defect = draw(value_defects(table, header, values))
        return Record(values, defect)
    named = [c.name for c in table.columns if c.name in header]
    if kind == "not UTF-8" and named:  # a header of no contract column has no value to spoil
        column = draw(st.sampled_from(named))
        offset = draw(st.integers(0, len(values[column])))
        piece = draw(st.sampled_from(NOT_UTF8))
        bad = values[column][:offset] + piece.decode("utf-8", "surrogateescape") + values[column][offset:]
        return Record({**values, column: bad},
                      Defect(kind, f"{piece!r} in {column}", Rejection(column, "not UTF-8"), line_level=True))
    return Record(values)


@st.composite
def with_base_rows(draw, records: list[Record], base: list[Record]) -> list[Record]:
    """The records with the base rows put in among them, each anywhere."""
    records = list(records)
    for record in base:
        records.insert(draw(st.integers(0, len(records))), record)
    return records


@st.composite
def parquet_tables(draw, table: Table, fatal: str | None = None, base: bool = False
                   ) -> tuple[TableFile, tuple[str, ...]]:
    header = draw(headers(table))
    message: tuple[str, ...] = ()
    if fatal == "missing required column":
        missing = draw(st.sampled_from(table.required_columns))
        header.remove(missing)
        message = (f"missing required column {missing}",)
    records = draw(st.lists(parquet_records(table, header), max_size=MAX_RECORDS))
    if base:
        records = draw(with_base_rows(records, [Record(values) for values in _base_rows(table, header)]))
    typed, empty_as_null = draw(st.booleans()), draw(st.booleans())
    columns = {c.name: c for c in table.columns}
    arrays = [_parquet_column(columns.get(name), [r.values.get(name, "") for r in records], typed,
                              draw(st.booleans()), empty_as_null) for name in header]
    names = list(header)
    if fatal == "column twice":
        twice = draw(st.integers(0, len(header) - 1))
        arrays.append(arrays[twice])
        names.append(header[twice])
        message = (f"column '{header[twice]}' appears twice",)
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, names=names), buffer)
    content = buffer.getvalue()
    if fatal in ("truncated", "not Parquet", "empty file"):
        content = {"truncated": content[: -draw(st.integers(1, 8))], "not Parquet": b"PAR1 this is no Parquet PAR1",
                   "empty file": b""}[fatal]
        message = ("cannot be read as Parquet",)
    rows = [(position, record) for position, record in enumerate(records, 1)]
    return TableFile(table.name, "parquet", header, rows, 0, content), message


# ---------------------------------------------------------------------------
# Whole extracts


@st.composite
def extracts(draw, fatal: tuple[str, str, str] | None = None) -> Extract:
    """Every core table and some optional ones, about one in five as Parquet, perhaps a
    manifest, perhaps the base extract's rows among the core tables' records (so that
    every core table has rows to accept). With ``fatal`` (table, format, kind), one thing
    that stops the load."""
    fatal_table, fatal_format, fatal_kind = fatal or (None, None, None)
    tables: dict[str, TableFile] = {}
    message: tuple[str, ...] = ()
    base = draw(st.booleans())
    for table in schema.TABLES:
        chosen = table.name == fatal_table and fatal_format != "folder"
        if not (table.core or chosen or draw(st.booleans())):
            continue
        as_parquet = fatal_format == "parquet" if chosen else draw(st.integers(0, 4)) == 4
        strategy = parquet_tables if as_parquet else csv_tables
        tables[table.name], words = draw(strategy(table, fatal_kind if chosen else None, base and table.core))
        if chosen:
            message = (tables[table.name].file_name, *words)
    taken_on = draw(st.none() | st.sampled_from(MANIFEST_DATES))
    other_files = {"extract.toml": f"taken_on = {taken_on}\n".encode()} if taken_on else {}
    if fatal_format == "folder":
        if fatal_kind == "unknown table":
            name = draw(st.sampled_from(("visits", "Agencies", "contact")))
            other_files[f"{name}.csv"] = b"a,b\n1,2\n"
            message = (f"{name}.csv", f"unknown table name '{name}'")
        elif fatal_kind == "table twice":
            twice = draw(st.sampled_from(sorted(tables)))
            other = "parquet" if tables[twice].format == "csv" else "csv"
            other_files[f"{twice}.{other}"] = b""
            message = (f"{twice}.csv", f"{twice}.parquet", "given twice")
        elif fatal_kind == "missing core table":
            missing = draw(st.sampled_from([t.name for t in schema.TABLES if t.core]))
            del tables[missing]
            message = (f"missing core table {missing}.csv",)
        else:
            manifest, words = draw(st.sampled_from(BAD_MANIFESTS))
            other_files["extract.toml"] = manifest
            message = ("extract.toml", words)
    return Extract(tables, taken_on, other_files, message)


@st.composite
def unloadable_extracts(draw) -> Extract:
    fatal_format, kind = draw(st.sampled_from(FATAL))
    table = draw(st.sampled_from(schema.TABLES))
    return draw(extracts(fatal=(table.name, fatal_format, kind)))


# ---------------------------------------------------------------------------
# What the load must report, from how the extract was written


@dataclass
class TableOutcome:
    rows: int
    blank_lines: int
    accepted: list[tuple[int, Record]]
    rejected: dict[int, Rejection]

    def __repr__(self) -> str:
        rejected = {line: f"{r.column}: {r.reason}" for line, r in sorted(self.rejected.items())}
        return (f"{self.rows} rows, {self.blank_lines} blank lines, accepted on "
                f"{[line for line, _ in self.accepted]}, rejected {rejected}")


def _id(record: Record, column: str) -> str | None:
    return record.values.get(column, "").strip(ID_BLANKS) or None


def _not_accepted(column: str, value: str, parent: str, rejected_line: int | None) -> str:
    if rejected_line is None:
        return f"{column} '{value}' not found in {parent}"
    return f"{column} '{value}' refers to a rejected row of {parent} (line {rejected_line})"


def _reject_self_references(table: Table, column: Column, read: list[tuple[int, Record]],
                            rejected: dict[int, Rejection]) -> None:
    """A row naming a row of its own table that is absent or rejected, to a fixed point."""
    key = table.key.name
    while True:
        accepted_keys = {_id(record, key) for line, record in read if line not in rejected}
        newly = {}
        for line, record in read:
            value = _id(record, column.name)
            if line in rejected or value is None or value in accepted_keys:
                continue
            named = min((other for other, row in read if _id(row, key) == value), default=None)
            newly[line] = Rejection(column.name, _not_accepted(column.name, value, table.name, named), exact=True)
        if not newly:
            return
        rejected.update(newly)


def expected_outcome(extract: Extract) -> dict[str, TableOutcome]:
    """Per table present: records, blank lines, the rows accepted and the lines rejected, with
    the column and reason of each, in the contract's order: a row's own values, then its key
    (the first row with a key is kept), then the rows it names."""
    outcome: dict[str, TableOutcome] = {}
    keys: dict[str, dict[str, tuple[bool, int | None]]] = {}  # table: key -> (accepted, first rejected line)
    for table in schema.load_order():
        file = extract.tables.get(table.name)
        if file is None:
            continue
        rejected = {line: record.defect.rejection for line, record in file.rows if record.defect}
        read = [(line, record) for line, record in file.rows if not (record.defect and record.defect.line_level)]
        for line, record in read:
            for column in table.columns:
                value = _id(record, column.name)
                if line in rejected or column.references in (None, table.name) or value is None:
                    continue
                accepted, rejected_line = keys[column.references].get(value, (False, None))
                if not accepted:
                    rejected[line] = Rejection(column.name, _not_accepted(
                        column.name, value, column.references, rejected_line), exact=True)
        for column in table.columns:
            if column.references == table.name:
                _reject_self_references(table, column, read, rejected)
        if table.key is not None:
            # The first row of a key is the first not rejected for anything else.
            first_on: dict[str, int] = {}
            for line, record in read:
                value = _id(record, table.key.name)
                if line in rejected or value is None:
                    continue
                if value in first_on:
                    rejected[line] = Rejection(table.key.name, f"duplicate {table.key.name} (first on line "
                                                               f"{first_on[value]})", exact=True)
                else:
                    first_on[value] = line
            states: dict[str, tuple[bool, int | None]] = {}
            for line, record in read:
                value = _id(record, table.key.name)
                if value is not None:
                    accepted, first_rejected = states.get(value, (False, None))
                    states[value] = (accepted or line not in rejected,
                                     first_rejected or (line if line in rejected else None))
            keys[table.name] = states
        accepted_rows = [(line, record) for line, record in read if line not in rejected]
        outcome[table.name] = TableOutcome(len(file.rows), file.blank_lines, accepted_rows, rejected)
    return outcome


def _typed(column: Column, text: str):
    """The value the contract reads from ``text``: ids trimmed, empty cells null (or the default)."""
    if column.type == "id":
        text = text.strip(ID_BLANKS)
    if text == "":
        return column.default
    return {"date": dt.date.fromisoformat, "timestamp": dt.datetime.fromisoformat, "bool": _boolean,
            "decimal": float, "integer": int}.get(column.type, str)(text)


def _event_days(outcome: dict[str, TableOutcome]) -> list[tuple[str, int, str, dt.date]]:
    """(table, line, column, day) of every date of an accepted row that records an event."""
    days = []
    for name, table_outcome in outcome.items():
        table = schema.TABLES_BY_NAME[name]
        for line, record in table_outcome.accepted:
            for column in table.columns:
                if column.type in ("date", "timestamp") and not column.deadline and record.values[column.name]:
                    moment = _typed(column, record.values[column.name])
                    day = moment.date() if isinstance(moment, dt.datetime) else moment
                    days.append((name, line, column.name, day))
    return days


# ---------------------------------------------------------------------------
# Running `oversight validate`


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float
    memory_bytes: int  # a process of its own: its peak; in this process: how far the peak rose


def validate_in_process(folder: Path) -> Run:
    out, err = io.StringIO(), io.StringIO()
    peak_before, started = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.monotonic()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["validate", "--extract", str(folder)])
    rise = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) * 1024
    return Run(code, out.getvalue(), err.getvalue(), time.monotonic() - started, rise)


def validate_in_subprocess(folder: Path) -> Run:
    """``python -m metrics.cli validate`` in a process of its own, killed if it runs away."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", "metrics.cli", "validate", "--extract", str(folder)],
                                   stdout=out, stderr=err, cwd=PROJECT_ROOT)
        watchdog = threading.Timer(6 * LOAD_SECONDS, process.kill)
        watchdog.start()
        try:
            # os.wait4 rather than Popen.wait: it gives the process's peak memory too.
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return Run(process.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                   seconds, usage.ru_maxrss * 1024)


@contextmanager
def written(extract: Extract, tmp_path: Path, cache: Path) -> Iterator[Path]:
    """The extract in a folder of its own, removed afterwards with its database."""
    folder = Path(tempfile.mkdtemp(prefix="extract-", dir=tmp_path))
    try:
        extract.write(folder)
        yield folder
    finally:
        shutil.rmtree(folder)
        for built in cache.glob(f"{folder.name}-*"):
            built.unlink()


def check_bounded(run: Run) -> None:
    assert "Traceback" not in run.out + run.err, run.err
    assert run.seconds < LOAD_SECONDS, f"the load took {run.seconds:.1f} s"
    assert run.memory_bytes < MEMORY_BYTES, f"{run.memory_bytes / 2 ** 20:.0f} MiB of memory"


def check_loaded(extract: Extract, folder: Path, outcome: dict[str, TableOutcome], run: Run) -> None:
    """Invariants 1-4 for an extract that loads."""
    check_bounded(run)
    # A core table without an accepted row leaves nothing to report on: status 2, naming it.
    empty = [t.name for t in schema.TABLES if t.core and not outcome[t.name].accepted]
    if empty:
        assert run.code == 2, run.out + run.err
        [message] = [line for line in run.err.splitlines() if line.strip()]
        assert message.startswith("error: ") and all(name in message for name in empty), message
    else:
        assert run.code == (1 if any(o.rejected for o in outcome.values()) else 0), run.out + run.err
    with duckdb.connect(str(database_path(folder)), read_only=True) as con:
        reports = {report.table: report for report in read_report(con)}
        for table in schema.TABLES:
            report, expected = reports[table.name], outcome.get(table.name)
            if expected is None:
                assert report.file is None and report.rows_read == 0
                continue
            assert (report.rows_read, report.accepted, report.rejected, report.blank_lines) == (
                expected.rows, len(expected.accepted), len(expected.rejected), expected.blank_lines), table.name
            found = rejects(con, table.name)
            assert [row[1] for row in found] == sorted(expected.rejected), table.name
            for _, line, column, _, reason in found:
                want = expected.rejected[line]
                assert reason and (reason == want.reason if want.exact else want.reason in reason), (
                    table.name, line, reason, want)
                assert column == want.column, (table.name, line, column, reason, want)
            names = [c.name for c in table.columns]
            assert con.execute(f"SELECT line, {', '.join(names)} FROM {table.name} ORDER BY line").fetchall() == [
                (line, *(_typed(c, record.values[c.name]) for c in table.columns))
                for line, record in expected.accepted], table.name

        info = dict(con.execute("SELECT key, value FROM extract_info").fetchall())
        loaded_on = dt.date.fromisoformat(info["loaded_on"])
        days = _event_days(outcome)
        extract_date = extract.taken_on or max((day for *_, day in days if day <= loaded_on), default=loaded_on)
        assert info["extract_date"] == extract_date.isoformat()
        later = {(name, line, column) for name, line, column, day in days if day > extract_date}
        assert set(con.execute('SELECT "table", line, "column" FROM warnings').fetchall()) == later
        for name in outcome:
            assert reports[name].warnings == len({line for table, line, _ in later if table == name}), name


def check_stopped(extract: Extract, run: Run) -> None:
    """Invariant 1 for an extract that cannot be loaded: exit status 2 and one message line
    naming the file, and the line and column where there is one."""
    check_bounded(run)
    assert run.code == 2, run.out + run.err
    assert run.out == ""
    [message] = run.err.splitlines()
    assert message.startswith("error: ")
    for words in extract.fatal:
        assert words in message, (words, message)


def _features(extract: Extract) -> set[str]:
    """What an extract holds, for --hypothesis-show-statistics."""
    found = set()
    for table in extract.tables.values():
        found |= {table.format} | {record.defect.kind for _, record in table.rows if record.defect}
        if any(b"\n" in record.text for _, record in table.rows):
            found.add("value spanning lines")
        if table.blank_lines:
            found.add("blank lines")
    return found


PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                          HealthCheck.data_too_large])


@settings(PROPERTY, max_examples=150)
@given(extract=extracts())
def test_every_record_is_accepted_or_rejected_where_it_was_written(tmp_path, cache, extract):
    outcome = expected_outcome(extract)
    note(f"expected: {outcome}")
    with written(extract, tmp_path, cache) as folder:
        run = validate_in_process(folder)
        for feature in sorted(_features(extract)) + [f"exit status {run.code}"]:
            event(feature)
        check_loaded(extract, folder, outcome, run)


@settings(PROPERTY, max_examples=40)
@given(extract=unloadable_extracts())
def test_an_extract_that_cannot_be_loaded_stops_with_one_message(tmp_path, cache, extract):
    with written(extract, tmp_path, cache) as folder:
        check_stopped(extract, validate_in_process(folder))


@settings(PROPERTY, max_examples=6)
@given(extract=st.one_of(extracts(), unloadable_extracts()))
def test_the_command_in_a_process_of_its_own(tmp_path, cache, extract):
    outcome = None if extract.fatal else expected_outcome(extract)
    with written(extract, tmp_path, cache) as folder:
        run = validate_in_subprocess(folder)
        if outcome is None:
            check_stopped(extract, run)
        else:
            check_loaded(extract, folder, outcome, run)
