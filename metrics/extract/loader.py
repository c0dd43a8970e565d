"""Turn an extract folder into a DuckDB database that the measures query.

Every file is read as text: a CSV file after ``metrics.extract.csvfile`` has accounted for each of
its lines, a Parquet file through ``metrics.extract.parquetfile``. Then the rules of
``metrics.extract.schema`` are applied in SQL generated from that one description. Each row ends
up either in its typed table or in ``rejects`` with its line, column, value and reason (and,
for a row rejected because a row it names was, that row: its cause), and the counts are
reconciled with the file before the database is published.

The database is built once per extract fingerprint (``metrics.extract.folder.fingerprint``) and
reused while the extract is unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from filelock import FileLock

from metrics.extract import csvfile, parquetfile, schema
from metrics.extract.folder import ExtractError, fingerprint, read_manifest, table_files
from metrics.extract.schema import Column, NotBefore, OnlyWith, RequiredExactlyWhen, Table
from metrics.policy.settings import settings
from metrics.store.db import connect_database, execute
from metrics.store.derived import build_derived_tables

# Bump when the way a database is built changes, so that old builds are not reused.
BUILD_VERSION = "11"
# Builds started over when the extract's files change while it is read, before giving up.
BUILD_ATTEMPTS = 3

DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"
# Hours 00-23: DuckDB would read hour 24 as the next day's midnight, which the contract forbids.
TIMESTAMP_PATTERN = r"\d{4}-\d{2}-\d{2}[ T]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?"
DECIMAL_PATTERN = r"[+-]?(\d+(\.\d*)?|\.\d+)"
INTEGER_PATTERN = r"[+-]?\d+"
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
# DuckDB spills to a temporary folder beside the database past this, so that loading a
# statewide extract stays within a modest machine's memory.
LOAD_MEMORY_LIMIT = "3GB"
# Records per block of the line-number look-up (see ``_lines_table``).
LINE_BLOCK = 1024
# Tables whose keys other tables refer to: only these need their keys kept while loading.
REFERENCED_TABLES = frozenset(
    c.references for t in schema.TABLES for c in t.columns if c.references and c.references != t.name
)
# Referenced tables whose rows belong to an agency: the rows naming them belong to the same one.
AGENCY_CARRIERS = frozenset(
    t.name for t in schema.TABLES
    if t.name in REFERENCED_TABLES and t.name != "agencies" and any(c.name == "agency_id" for c in t.columns)
)
# A rejected row's problem: the rule it breaks and, when it is rejected in cascade, the rejected
# row it names (its table and line; null for a row rejected for itself, a root cause).
PROBLEM_TYPE = 'STRUCT("column" VARCHAR, value VARCHAR, reason VARCHAR, cause_table VARCHAR, cause_line BIGINT)'
NO_CAUSE = "'cause_table': CAST(NULL AS VARCHAR), 'cause_line': CAST(NULL AS BIGINT)"

TYPE_REASONS = {
    "date": "not a date (expected YYYY-MM-DD)",
    "timestamp": "not a timestamp (expected YYYY-MM-DD HH:MM[:SS], hours 00-23, local time, no offset)",
    "bool": "not a boolean (expected true/false, t/f, yes/no, y/n or 1/0)",
    "decimal": "not a decimal number (expected digits with '.' as separator)",
    "integer": "not a whole number",
}

# Told of each step of a build as it starts: (what, steps done before it, steps in all). The steps
# are the tables in load order, then COMPUTED_STEP (the tables stored at load); the last call is
# (COMPUTED_STEP, total - 1, total). Called in the building thread; it should return at once.
BuildProgress = Callable[[str, int, int], None]
COMPUTED_STEP = "computed tables"


@dataclass(frozen=True)
class TableReport:
    table: str
    file: str | None
    rows_read: int  # records: a value spanning lines makes one, blank lines none
    accepted: int
    rejected: int
    warnings: int  # accepted rows with a warning (dated after the extract was taken)
    blank_lines: int
    extra_columns: tuple[str, ...]

    @property
    def present(self) -> bool:
        return self.file is not None


def _scalar(con: duckdb.DuckDBPyConnection, sql: str,
            params: Sequence[object] | Mapping[str, object] | None = None) -> Any:
    """The single value a statement returns (reading the whole result, as DuckDB requires)."""
    return con.execute(sql, params or []).fetchall()[0][0]


def _insert_many(con: duckdb.DuckDBPyConnection, sql: str, rows: Sequence[tuple[object, ...]]) -> None:
    if rows:  # DuckDB refuses an empty parameter list
        con.executemany(sql, rows)


# ---------------------------------------------------------------------------
# The cache of built databases


def cache_dir() -> Path:
    configured = os.environ.get("OVERSIGHT_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "recovery-oversight"


def database_path(extract_dir: Path, progress: BuildProgress | None = None) -> Path:
    """The built database for this extract, building it first when it is missing or stale.

    One build per extract at a time: a lock between the threads of this process and a file
    lock between processes; whoever waited finds the database built and uses it. A build is
    written under a temporary name and renamed whole into place, so that nobody ever opens a
    half-built database, and what a killed build left behind is removed by the next one.
    ``progress`` is told of each step of a build (none when the database is already built).
    """
    extract_dir = extract_dir.resolve()
    stem = f"{extract_dir.name}-{hashlib.sha256(str(extract_dir).encode()).hexdigest()[:12]}"
    folder = cache_dir()
    target = folder / f"{stem}-{fingerprint(extract_dir, BUILD_VERSION)}.duckdb"
    if target.exists():
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _unwritable(folder, error) from None
    with _build_lock(folder / f"{stem}.lock"):
        for _ in range(BUILD_ATTEMPTS):
            target = folder / f"{stem}-{fingerprint(extract_dir, BUILD_VERSION)}.duckdb"
            if target.exists():
                return target
            _remove(folder.glob(f"{stem}-*.building*"))
            partial = target.with_suffix(".building")
            try:
                build_database(extract_dir, partial, progress)
                # A file replaced while it was read would leave a database of two extracts.
                if _unchanged(extract_dir, target):
                    os.replace(partial, target)
                    _remove(p for p in folder.glob(f"{stem}-*.duckdb") if p != target)
                    return target
            except Exception:
                # A file replaced while it was read can trip the build: start again on the new one.
                if _unchanged(extract_dir, target):
                    raise
            finally:
                _remove(folder.glob(f"{stem}-*.building*"))
    raise ExtractError(f"{extract_dir}: the extract changed {BUILD_ATTEMPTS} times while it was being loaded; "
                       "load it once its files are complete")


def _unchanged(extract_dir: Path, target: Path) -> bool:
    """Whether the extract is still the one ``target`` is named after."""
    return target.name.endswith(f"-{fingerprint(extract_dir, BUILD_VERSION)}.duckdb")


_PROCESS_LOCKS: dict[Path, threading.Lock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


def _unwritable(folder: Path, error: OSError) -> ExtractError:
    return ExtractError(f"{folder}: the cache folder cannot be written ({error.strerror or error}); "
                        "set OVERSIGHT_CACHE_DIR to a folder you can write")


@contextmanager
def _build_lock(path: Path) -> Iterator[None]:
    with _PROCESS_LOCKS_GUARD:
        in_process = _PROCESS_LOCKS.setdefault(path, threading.Lock())
    with in_process:
        between_processes = FileLock(path)
        try:
            between_processes.acquire()
        except OSError as error:
            raise _unwritable(path.parent, error) from None
        try:
            yield
        finally:
            between_processes.release()


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


# ---------------------------------------------------------------------------
# Reading one file as text


@dataclass
class _RawTable:
    """A file read into ``raw_<table>`` as text, one column per schema column present.

    ``line`` is the SQL giving a row's physical line from ``r`` (the raw table) and the
    tables ``join`` adds; the line numbers are computed where they are used rather than
    stored, because a stored copy would cost a pass over every row.
    """

    name: str
    path: Path
    present_columns: list[str]
    extra_columns: list[str]
    rows_in_file: int
    line: str
    join: str = ""
    blank_lines: int = 0


def _check_header(path: Path, table: Table, header: list[str]) -> tuple[dict[str, int], list[str]]:
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        if name in positions:
            raise ExtractError(f"{path}: column '{name}' appears twice in the header")
        positions[name] = index
    missing = [c for c in table.required_columns if c not in positions]
    if missing:
        raise ExtractError(
            f"{path}: missing required column{'s' if len(missing) > 1 else ''} " + ", ".join(missing)
        )
    known = {c.name for c in table.columns}
    return positions, [h for h in header if h not in known]


def _internal_names(table: Table, header: list[str]) -> list[str]:
    """The name each header column gets in ``raw_<table>``: its own for a contract column,
    a generated one for any other (so that no name from a file is written into SQL)."""
    known = {c.name for c in table.columns}
    return [name if name in known else f"_extra_{index}" for index, name in enumerate(header)]


def _read_csv(con: duckdb.DuckDBPyConnection, table: Table, path: Path, work_dir: Path) -> _RawTable:
    try:
        scanned = csvfile.scan(path)
    except csvfile.ScanError as error:
        raise ExtractError(f"{path}: {error}") from None
    header = scanned.header
    positions, extra = _check_header(path, table, header)
    internal = _internal_names(table, header)
    read_columns = ", ".join(f"'{name}': 'VARCHAR'" for name in internal)
    try:
        con.execute(
            f"""
            CREATE TEMP TABLE raw_{table.name} AS
            SELECT * FROM read_csv($path, header = false, skip = 1, auto_detect = false,
                delim = ',', quote = '"', escape = '"', new_line = $new_line, encoding = 'utf-8',
                max_line_size = $max_line_size, columns = {{{read_columns}}},
                store_rejects = true, rejects_table = 'dd_rejects_{table.name}',
                rejects_scan = 'dd_scan_{table.name}')
            """,
            {"path": str(scanned.readable_file(work_dir / path.name)), "new_line": scanned.new_line,
             "max_line_size": csvfile.MAX_RECORD_BYTES},
        )
    except duckdb.Error as error:
        raise ExtractError(f"{path}: cannot be read ({str(error).splitlines()[0]})") from None
    # DuckDB numbers a record by the lines before it, blank ones included and the inner lines
    # of a value spanning lines left out; the copy it reads has no blank lines, so its record
    # k (from 0) is its line k + 2, and ``record_lines`` gives the line that is in the file.
    by_number = "d.line"
    if scanned.record_lines is not None:
        con.register("record_lines", pa.table({
            "number": pa.array(np.arange(2, scanned.readable + 2, dtype=np.int64)),
            "line": pa.array(scanned.record_lines),
        }))
        con.execute(f"CREATE TEMP TABLE record_lines_{table.name} AS SELECT * FROM record_lines")
        con.unregister("record_lines")
        by_number = f"(SELECT m.line FROM record_lines_{table.name} m WHERE m.number = d.line)"
    con.execute(
        f"""
        INSERT INTO rejects BY NAME
        SELECT $table AS "table", {by_number} AS line,
               $names[list_position($internal, d.column_name)] AS "column",
               rtrim(d.csv_line, $line_break) AS value, 'malformed line: ' || d.error_message AS reason,
               true AS whole_line
        FROM (SELECT line, arg_min(column_name, column_idx) AS column_name,
                     arg_min(csv_line, column_idx) AS csv_line, arg_min(error_message, column_idx) AS error_message
              FROM dd_rejects_{table.name} GROUP BY line) d
        """,
        {"table": table.name, "names": header, "internal": internal, "line_break": "\r\n"},
    )
    if scanned.faults:
        con.register("faults", pa.table({
            "table": [table.name] * len(scanned.faults),
            "line": [f.line for f in scanned.faults],
            "column": [header[f.cell] if f.cell is not None and f.cell < len(header) else None
                       for f in scanned.faults],
            "value": [f.text for f in scanned.faults],
            "reason": [f.reason for f in scanned.faults],
            "whole_line": [True] * len(scanned.faults),
        }))
        con.execute("INSERT INTO rejects BY NAME SELECT * FROM faults")
        con.unregister("faults")
    malformed = con.execute(f"SELECT DISTINCT line FROM dd_rejects_{table.name} ORDER BY line").fetchnumpy()["line"]
    accepted = scanned.readable - malformed.size
    if scanned.record_lines is None:
        line, join = _lines_skipping(con, table.name, malformed, accepted)
    else:
        accepted_lines = np.delete(scanned.record_lines, malformed - 2)
        line, join = _lines_table(con, table.name, accepted_lines) if accepted_lines.size else ("NULL", "")
    present = [c.name for c in table.columns if c.name in positions]
    return _RawTable(table.name, path, present, extra, scanned.records, line, join, scanned.blank_lines)


def _lines_skipping(con: duckdb.DuckDBPyConnection, name: str, reject_lines: np.ndarray,
                    accepted: int) -> tuple[str, str]:
    """Line numbers when each record is one line and ``reject_lines`` were left out."""
    if len(reject_lines) == 0 or not accepted:
        return "r.rowid + 2", ""
    # With rejected lines r_1 < r_2 < ..., the k-th accepted row (from 0) sits after
    # r_j exactly when k >= r_j - 1 - j, so its line is k + 2 + that many j.
    thresholds = np.array(sorted(reject_lines), dtype=np.int64) - 1 - np.arange(1, len(reject_lines) + 1)
    rows = np.arange(accepted, dtype=np.int64)
    return _lines_table(con, name, rows + 2 + np.searchsorted(thresholds, rows, side="right"))


def _lines_table(con: duckdb.DuckDBPyConnection, name: str, lines: np.ndarray) -> tuple[str, str]:
    """Line numbers looked up through ``lines_<name>``, from the line of each accepted record.

    A record's line is its number plus 2 plus an offset that only grows (the lines skipped
    before it). The offsets are kept per block of ``LINE_BLOCK`` records: a block's first
    offset, and the whole block's offsets only when they change within it. Joining on the
    block keeps the join small and parallel, where joining on each record's number (or by
    position) would sort or serialise every row of the table.
    """
    count = len(lines)
    offsets = np.asarray(lines, dtype=np.int64) - np.arange(count, dtype=np.int64) - 2
    padded = np.concatenate([offsets, np.full(-count % LINE_BLOCK, offsets[-1])]).reshape(-1, LINE_BLOCK)
    varying = (padded != padded[:, :1]).any(axis=1)
    con.register("line_blocks", pa.table({
        "block": pa.array(np.arange(len(padded), dtype=np.int64)),
        "base": pa.array(padded[:, 0]),
        "offsets": pa.array([row.tolist() if vary else None for row, vary in zip(padded, varying, strict=True)],
                            pa.list_(pa.int64())),
    }))
    con.execute(f"CREATE TEMP TABLE lines_{name} AS SELECT * FROM line_blocks")
    con.unregister("line_blocks")
    return (f"r.rowid + 2 + coalesce(b.offsets[r.rowid % {LINE_BLOCK} + 1], b.base)",
            f"JOIN lines_{name} b ON b.block = r.rowid // {LINE_BLOCK}")


def _read_parquet(con: duckdb.DuckDBPyConnection, table: Table, path: Path) -> _RawTable:
    try:
        parquet = parquetfile.open_parquet(con, path)
        positions, extra = _check_header(path, table, parquet.header)
        present = [c.name for c in table.columns if c.name in positions]
        # A row holding bytes that are not UTF-8 is rejected at its first such column.
        undecodable = parquet.any_undecodable([positions[c] for c in present])
        first_undecodable = " ".join(
            f"WHEN {test} THEN {{'column': '{c}', 'value': CAST(c{positions[c]} AS VARCHAR)}}"
            for c in present if (test := parquet.undecodable(positions[c])))
        if first_undecodable:
            parquetfile.query(con, f"""
                INSERT INTO rejects BY NAME
                SELECT $table AS "table", file_row_number + 1 AS line, bad.column AS "column",
                       bad.value AS value, $reason AS reason, false AS whole_line
                FROM (SELECT file_row_number, CASE {first_undecodable} END AS bad
                      FROM {parquet.source} WHERE {undecodable})
                """, path, table=table.name, reason=parquetfile.NOT_UTF8)
        select = ", ".join(f"{parquet.text(positions[c])} AS {c}" for c in present)
        parquetfile.query(con, f"""
            CREATE TEMP TABLE raw_{table.name} AS
            SELECT file_row_number AS rec, {select} FROM {parquet.source} WHERE NOT ({undecodable})
            """, path)
        counted = parquetfile.query(con, f"SELECT count(*) AS n FROM {parquet.source}", path)
        assert counted is not None  # a query, not a statement: it has rows
        rows = counted["n"].item()
    except parquetfile.ParquetError as error:
        raise ExtractError(f"{path}: cannot be read as Parquet ({error})") from None
    # Parquet has no lines: a row is known by its position, the first row being 1.
    return _RawTable(table.name, path, present, extra, rows, "r.rec + 1")


# ---------------------------------------------------------------------------
# Checking the rows against the contract


class Params:
    """Collects bound parameters so that no value is ever written into SQL text."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def __call__(self, value: object) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def _id_text(raw: str, p: Params) -> str:
    """An id with surrounding blanks removed; ``trim`` runs only where there are any,
    because trimming every value of a large table costs more than the rest of its checks."""
    padded = " OR ".join(f"starts_with({raw}, {p(c)}) OR ends_with({raw}, {p(c)})" for c in schema.BLANKS)
    return f"NULLIF(CASE WHEN {padded} THEN trim({raw}, {p(schema.BLANKS)}) ELSE {raw} END, '')"


def _parsed(column: Column, present: bool, p: Params) -> tuple[str, str]:
    """SQL for the column's cleaned text and its typed value (null when it does not parse)."""
    if not present:
        return "CAST(NULL AS VARCHAR)", f"CAST(NULL AS {column.sql_type})"
    raw = f"r.{column.name}"
    text = _id_text(raw, p) if column.type == "id" else f"NULLIF({raw}, '')"
    if column.type in ("id", "text"):
        typed = text
    elif column.type == "enum":
        typed = f"CASE WHEN list_contains({p(list(column.enum))}, {text}) THEN {text} END"
    elif column.type == "bool":
        typed = (f"CASE WHEN list_contains({p(list(TRUE_WORDS))}, lower({text})) THEN true "
                 f"WHEN list_contains({p(list(FALSE_WORDS))}, lower({text})) THEN false END")
    else:
        pattern, parse = {
            "date": (DATE_PATTERN, f"CAST(try_strptime({text}, '%Y-%m-%d') AS DATE)"),
            "timestamp": (TIMESTAMP_PATTERN, f"TRY_CAST(replace({text}, 'T', ' ') AS TIMESTAMP)"),
            "decimal": (DECIMAL_PATTERN, f"TRY_CAST({text} AS DOUBLE)"),
            "integer": (INTEGER_PATTERN, f"TRY_CAST({text} AS BIGINT)"),
        }[column.type]
        typed = f"CASE WHEN regexp_full_match({text}, {p(pattern)}) THEN {parse} END"
    return text, typed


def _violation(column: str, value_sql: str, reason_sql: str, p: Params) -> str:
    return f"{{'column': {p(column)}, 'value': {value_sql}, 'reason': {reason_sql}, {NO_CAUSE}}}"


def _column_checks(column: Column, p: Params) -> list[str]:
    """CASE expressions, one per rule of the column, each a violation or null."""
    checks = []
    if column.required:
        checks.append(f"CASE WHEN {column.name}__text IS NULL THEN "
                      f"{_violation(column.name, 'r_' + column.name, p('required value is empty'), p)} END")
    return checks + _value_checks(column, p)


def _value_checks(column: Column, p: Params) -> list[str]:
    """The column's rules that a value breaks on its own (type, enum, range), as CASE expressions."""
    name, text = column.name, f"{column.name}__text"
    checks = []
    if column.type == "enum":
        reason = "not one of: " + ", ".join(column.enum)
        checks.append(f"CASE WHEN {text} IS NOT NULL AND {name} IS NULL THEN "
                      f"{_violation(name, text, p(reason), p)} END")
    elif column.type in TYPE_REASONS:
        checks.append(f"CASE WHEN {text} IS NOT NULL AND {name} IS NULL THEN "
                      f"{_violation(name, text, p(TYPE_REASONS[column.type]), p)} END")
    if column.minimum is not None:
        op, words = ("<=", "greater than") if column.minimum_exclusive else ("<", "at least")
        checks.append(f"CASE WHEN {name} {op} {p(column.minimum)} THEN "
                      f"{_violation(name, text, p(f'must be {words} {column.minimum:g}'), p)} END")
    maximum = schema.current_year() if column.maximum_is_current_year else column.maximum
    if maximum is not None:
        checks.append(f"CASE WHEN {name} > {p(maximum)} THEN "
                      f"{_violation(name, text, p(f'must be at most {maximum:g}'), p)} END")
    if column.type in ("date", "timestamp"):
        first, last = schema.EARLIEST_DATE, schema.LATEST_DATE
        checks.append(f"CASE WHEN CAST({name} AS DATE) NOT BETWEEN {p(first)} AND {p(last)} THEN "
                      f"{_violation(name, text, p(f'outside {first} to {last}'), p)} END")
    return checks


def value_problems(table: Table, present_columns: list[str], relation: str) -> tuple[str, dict[str, object]]:
    """A query over ``relation`` (text columns named as the contract's) and its parameters:
    for each column present, its text as the loader reads it (ids trimmed, empty as null) and
    ``<column>__problem``, the reason the cell breaks a rule of its own column (type, enum,
    range), or null. The loader's own rules, for checking a table before it is written."""
    p = Params()
    parsed, problems = [], []
    for column in table.columns:
        if column.name not in present_columns:
            continue
        text, typed = _parsed(column, True, p)
        parsed.append(f"{text} AS {column.name}__text, {typed} AS {column.name}")
        checks = _value_checks(column, p)
        problem = f"struct_extract(coalesce({', '.join(checks)}), 'reason')" if checks else "NULL"
        problems.append(f"{column.name}__text AS {column.name}, CAST({problem} AS VARCHAR) AS {column.name}__problem")
    sql = f"""
        WITH parsed AS (SELECT {', '.join(parsed)} FROM {relation} r)
        SELECT {', '.join(problems)} FROM parsed
    """
    return sql, p.values


def _rule_check(table: Table, rule: schema.Rule, p: Params) -> str:
    col, other = rule.column, rule.other
    value = f"{col}__text"
    if isinstance(rule, NotBefore):
        as_dates = "date" in (table.column(col).type, table.column(other).type)
        left, right = (f"CAST({col} AS DATE)", f"CAST({other} AS DATE)") if as_dates else (col, other)
        reason = f"{p(f'is before {other} (')} || {other}__text || ')'"
        return f"CASE WHEN {left} < {right} THEN {_violation(col, value, reason, p)} END"
    if isinstance(rule, OnlyWith):
        return (f"CASE WHEN {col} IS NOT NULL AND {other}__text IS NULL THEN "
                f"{_violation(col, value, p(f'is set but {other} is empty'), p)} END")
    if isinstance(rule, RequiredExactlyWhen):
        return (f"CASE WHEN {other} IS NOT NULL AND {col}__text IS NULL THEN "
                f"{_violation(col, value, p(f'required when {other} is set'), p)} "
                f"WHEN {other}__text IS NULL AND {col}__text IS NOT NULL THEN "
                f"{_violation(col, value, p(f'must be empty when {other} is empty'), p)} END")
    raise TypeError(rule)


def _row_checked(table: Table, raw: _RawTable, p: Params) -> str:
    """A query of the rows read: line, raw text, cleaned text and typed value of each column,
    and ``row_problem``, the first rule of the row itself that it breaks (or null)."""
    parsed, checks = [], []
    for column in table.columns:
        present = column.name in raw.present_columns
        text, typed = _parsed(column, present, p)
        raw_value = f"r.{column.name}" if present else "CAST(NULL AS VARCHAR)"
        parsed.append(f"{raw_value} AS r_{column.name}, {text} AS {column.name}__text, "
                      f"{typed} AS {column.name}")
        checks.extend(_column_checks(column, p))
    checks.extend(_rule_check(table, rule, p) for rule in table.rules)
    return f"""
        WITH parsed AS (
            SELECT {raw.line} AS line, {', '.join(parsed)}
            FROM raw_{table.name} r {raw.join}
        )
        SELECT *, coalesce({', '.join(checks) or 'NULL'}) AS row_problem FROM parsed
    """


def _reject_duplicate_keys(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Reject the later rows of a key among the rows kept so far, naming the first one's line:
    a row rejected for anything else never counts as the first of its key.

    The keys given more than once are found by their hashes first (grouping millions of
    numbers is cheap), so that only their few rows are ranked by line; a hash shared by
    different keys only adds rows that rank first under their own key."""
    assert table.key is not None  # called for tables with a key
    key = table.key.name
    p = Params()
    reason = f"{p(f'duplicate {key} (first on line ')} || later.first_line || ')'"
    con.execute(
        f"""
        UPDATE {table.name} AS t SET problem = {_violation(key, f't.{key}', reason, p)}
        FROM (
            SELECT line, min(line) OVER (PARTITION BY {key}) AS first_line
            FROM {table.name}
            WHERE problem IS NULL AND hash({key}) IN (
                SELECT hash({key}) FROM {table.name} WHERE problem IS NULL AND {key} IS NOT NULL
                GROUP BY ALL HAVING count(*) > 1)
        ) AS later
        WHERE t.line = later.line AND later.line > later.first_line
        """,
        p.values,
    )


def _insert_checked(con: duckdb.DuckDBPyConnection, table: Table, raw: _RawTable) -> None:
    """Insert every row read into its typed table, with ``problem``: the first rule it
    breaks, or null. Rows are checked against their own values, then the rows of other
    tables they name, then the rows of their own table they name, then their key.

    A row naming a rejected row is rejected in cascade, and its problem names that row as its
    cause (``cause_table``, ``cause_line``); a row naming several rejected rows names the one of
    its first such column in the table's column order, as its reason does."""
    p = Params()
    joins, fk_checks = [], []
    for column in table.columns:
        parent = column.references
        if parent is None or parent == table.name:
            continue
        alias = f"k_{column.name}"
        joins.append(f"LEFT JOIN keys_{parent} {alias} ON {alias}.key = c.{column.name}")
        missing = (f"{p(f'{column.name} ')} || '''' || c.{column.name} || '''' || "
                   f"{p(f' not found in {parent}')}")
        cascade = (f"{p(f'{column.name} ')} || '''' || c.{column.name} || '''' || "
                   f"{p(f' refers to a rejected row of {parent} (line ')} || {alias}.rejected_line || ')'")
        fk_checks.append(
            f"CASE WHEN c.{column.name} IS NOT NULL AND NOT coalesce({alias}.accepted, false) THEN "
            f"{{'column': {p(column.name)}, 'value': c.{column.name}__text, 'reason': "
            f"CASE WHEN {alias}.rejected_line IS NULL THEN {missing} ELSE {cascade} END, "
            f"'cause_table': CASE WHEN {alias}.rejected_line IS NOT NULL THEN {p(parent)} END, "
            f"'cause_line': {alias}.rejected_line}} END"
        )
    values = ", ".join(
        f"coalesce(c.{c.name}, {p(c.default)})" if c.default is not None else f"c.{c.name}"
        for c in table.columns
    )
    with _unordered(con):
        con.execute(
            f"""
            INSERT INTO {table.name}
            SELECT c.line, {values},
                   coalesce(c.row_problem, {', '.join(fk_checks) or 'NULL'})
            FROM ({_row_checked(table, raw, p)}) c {' '.join(joins)}
            """,
            p.values,
        )
    for column in table.columns:
        if column.references == table.name:
            _reject_self_references(con, table, column)
    if table.key is not None:
        _reject_duplicate_keys(con, table)


@contextmanager
def _unordered(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Let DuckDB insert rows in any order: faster and lighter on memory. Reading a file
    must keep its order, since a row's place gives its line number."""
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute("SET preserve_insertion_order = true")


def _reject_self_references(con: duckdb.DuckDBPyConnection, table: Table, column: Column) -> None:
    """Reject rows naming a row of the same table that is absent or rejected, to a fixed point."""
    assert table.key is not None  # a table referring to itself does so by its key
    key = table.key.name
    name = table.name
    p = Params()
    statement = (
            f"""
            UPDATE {name} AS c SET problem = {{
                'column': {p(column.name)}, 'value': c.{column.name},
                'reason': CASE WHEN parent.line IS NULL
                    THEN {p(f'{column.name} ')} || '''' || c.{column.name} || '''' || {p(f' not found in {name}')}
                    ELSE {p(f'{column.name} ')} || '''' || c.{column.name} || ''''
                         || {p(f' refers to a rejected row of {name} (line ')} || parent.line || ')' END,
                'cause_table': CASE WHEN parent.line IS NOT NULL THEN {p(name)} END, 'cause_line': parent.line}}
            FROM (SELECT c2.line AS child_line, min(par.line) AS line,
                         bool_or(par.line IS NOT NULL AND par.problem IS NULL) AS ok
                  FROM {name} c2 LEFT JOIN {name} par ON par.{key} = c2.{column.name}
                  WHERE c2.problem IS NULL AND c2.{column.name} IS NOT NULL
                  GROUP BY c2.line) AS parent
            WHERE c.line = parent.child_line AND NOT coalesce(parent.ok, false)
            """
    )
    while _scalar(con, statement, p.values):
        pass


def _agency_of_row(table: Table) -> tuple[str, str]:
    """SQL for the agency a row of ``table`` (alias ``t``) belongs to, and the joins it needs:
    its own ``agency_id`` when an agencies row (accepted or rejected) has it, else the agency of
    the first episode or staff row it names (``keys_<table>.agency_id``), else null (a client,
    a line that could not be read, an agency that is nowhere in the extract)."""
    if table.name == "agencies":
        return "t.agency_id", ""
    if any(c.name == "agency_id" for c in table.columns):
        return "own_agency.key", "LEFT JOIN keys_agencies own_agency ON own_agency.key = t.agency_id"
    carriers = [c for c in table.columns if c.references in AGENCY_CARRIERS and c.references != table.name]
    if not carriers:
        return "CAST(NULL AS VARCHAR)", ""
    joins = " ".join(f"LEFT JOIN keys_{c.references} a_{c.name} ON a_{c.name}.key = t.{c.name}" for c in carriers)
    return f"coalesce({', '.join(f'a_{c.name}.agency_id' for c in carriers)})", joins


def _publish(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Move the rows with a problem into ``rejects`` with their cause and agency, keep the keys
    that children check against, and drop the working column."""
    agency, joins = _agency_of_row(table)
    con.execute(
        f"""
        INSERT INTO rejects BY NAME
        SELECT ? AS "table", t.line, t.problem.column AS "column", t.problem.value AS value,
               t.problem.reason AS reason, t.problem.cause_table AS cause_table,
               t.problem.cause_line AS cause_line, {agency} AS agency_id, false AS whole_line
        FROM {table.name} t {joins} WHERE t.problem IS NOT NULL ORDER BY t.line
        """,
        [table.name],
    )
    if table.name in REFERENCED_TABLES:
        assert table.key is not None  # other tables refer to it by its key
        key = table.key.name
        # The agency of a key: its accepted row's (there is one at most), else its first rejected
        # row's, the one its children's cause names.
        agency_column = (f", coalesce(any_value({agency}) FILTER (WHERE t.problem IS NULL), "
                         f"arg_min({agency}, t.line) FILTER (WHERE t.problem IS NOT NULL)) AS agency_id"
                         if table.name in AGENCY_CARRIERS else "")
        con.execute(
            f"""
            CREATE TEMP TABLE keys_{table.name} AS
            SELECT t.{key} AS key, bool_or(t.problem IS NULL) AS accepted,
                   min(t.line) FILTER (WHERE t.problem IS NOT NULL) AS rejected_line{agency_column}
            FROM {table.name} t {joins if agency_column else ''} WHERE t.{key} IS NOT NULL GROUP BY t.{key}
            """
        )
    con.execute(f"DELETE FROM {table.name} WHERE problem IS NOT NULL")
    _drop_working_column(con, table)


def _drop_working_column(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    con.execute(f"ALTER TABLE {table.name} DROP COLUMN problem")


def _drop_working_tables(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    for prefix in ("raw", "lines", "record_lines"):
        con.execute(f"DROP TABLE IF EXISTS {prefix}_{table.name}")


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in schema.TABLES:
        columns = ", ".join(f"{c.name} {c.sql_type}" for c in table.columns)
        con.execute(
            f"CREATE TABLE {table.name} (line BIGINT NOT NULL, {columns}, problem {PROBLEM_TYPE})"
        )
    # A rejected row's cause (cause_table, cause_line) is the rejected row it names, null for a root
    # cause; agency_id the agency it belongs to as far as the extract tells (see _agency_of_row);
    # whole_line says that the line could not be read into values, and value holds its text.
    con.execute('CREATE TABLE rejects ("table" VARCHAR, line BIGINT, "column" VARCHAR, value VARCHAR, '
                "reason VARCHAR, cause_table VARCHAR, cause_line BIGINT, agency_id VARCHAR, "
                "whole_line BOOLEAN NOT NULL DEFAULT false)")
    con.execute('CREATE TABLE warnings ("table" VARCHAR, line BIGINT, "column" VARCHAR, '
                "value VARCHAR, reason VARCHAR)")
    con.execute(
        'CREATE TABLE load_report ("table" VARCHAR, file VARCHAR, rows_read BIGINT, '
        "accepted BIGINT, rejected BIGINT, warnings BIGINT, blank_lines BIGINT, extra_columns VARCHAR[])"
    )
    con.execute("CREATE TABLE extract_info (key VARCHAR, value VARCHAR)")


def _event_dates(where: str = "") -> str:
    """Every event date of the accepted rows (table, line, column, day), as one query;
    ``where`` filters on ``day``. Table and column names come from the schema."""
    return " UNION ALL ".join(
        f"SELECT '{table.name}' AS tbl, line, '{column}' AS col, CAST({column} AS VARCHAR) AS value, "
        f"CAST({column} AS DATE) AS day FROM {table.name} {where and f'WHERE CAST({column} AS DATE) {where}'}"
        for table in schema.TABLES for column in table.event_columns
    )


def _extract_date(con: duckdb.DuckDBPyConnection, taken_on: dt.date | None, loaded_on: dt.date) -> dt.date:
    """The extract's date: the manifest's, else the latest event not after the day of loading
    (that day itself when nothing happened by then)."""
    if taken_on is not None:
        return taken_on
    latest = _scalar(con, f"SELECT max(day) FROM ({_event_dates('<= $loaded_on')})", {"loaded_on": loaded_on})
    return latest or loaded_on


def _warn_of_later_rows(con: duckdb.DuckDBPyConnection, extract_date: dt.date) -> None:
    """Rows dated after the extract was taken are kept, and listed as warnings."""
    con.execute(
        f"""
        INSERT INTO warnings
        SELECT tbl, line, col, value, $reason
        FROM ({_event_dates('> $extract_date')}) ORDER BY tbl, line, col
        """,
        {"extract_date": extract_date, "reason": f"dated after the extract was taken ({extract_date})"},
    )


def build_database(extract_dir: Path, db_path: Path, progress: BuildProgress | None = None) -> list[TableReport]:
    """Load every table of the extract into a new DuckDB file at ``db_path``, telling ``progress``
    of each step as it starts."""
    files = table_files(extract_dir)
    manifest = read_manifest(extract_dir)
    loaded_on = dt.date.today()
    reports = []
    # The cleaned copies of files that need one lie beside the database while it is built.
    with _connect(db_path) as con, tempfile.TemporaryDirectory(dir=db_path.parent,
                                                               prefix=f"{db_path.name}-files-") as work:
        work_dir = Path(work)
        _create_tables(con)
        order = schema.load_order()
        for done, table in enumerate(order):
            if progress is not None:
                progress(table.name, done, len(order) + 1)
            path = files.get(table.name)
            if path is None:
                _drop_working_column(con, table)
                reports.append(TableReport(table.name, None, 0, 0, 0, 0, 0, ()))
                continue
            if path.suffix.lower() == ".parquet":
                raw = _read_parquet(con, table, path)
            else:
                raw = _read_csv(con, table, path, work_dir)
            _insert_checked(con, table, raw)
            _drop_working_tables(con, table)
            _publish(con, table)
            accepted = _scalar(con, f"SELECT count(*) FROM {table.name}")
            rejected = _scalar(con, 'SELECT count(*) FROM rejects WHERE "table" = ?', [table.name])
            if accepted + rejected != raw.rows_in_file:
                raise RuntimeError(
                    f"{path}: {accepted} accepted + {rejected} rejected rows "
                    f"but {raw.rows_in_file} rows in the file"
                )
            reports.append(TableReport(table.name, str(path), raw.rows_in_file, accepted, rejected, 0,
                                       raw.blank_lines, tuple(raw.extra_columns)))
        if progress is not None:
            progress(COMPUTED_STEP, len(order), len(order) + 1)
        extract_date = _extract_date(con, manifest.taken_on if manifest else None, loaded_on)
        _warn_of_later_rows(con, extract_date)
        warned = dict(con.execute('SELECT "table", count(DISTINCT line) FROM warnings GROUP BY ALL').fetchall())
        reports = [replace(r, warnings=warned.get(r.table, 0)) for r in reports]
        execute(con, "local_epoch_us")
        execute(con, "assigned_on")
        execute(con, "requirement_rules")
        execute(con, "row_agencies")
        with _unordered(con):
            build_derived_tables(con, extract_date, settings())
        _insert_many(
            con,
            "INSERT INTO load_report VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(r.table, r.file, r.rows_read, r.accepted, r.rejected, r.warnings, r.blank_lines,
              list(r.extra_columns)) for r in reports],
        )
        info = {
            "extract_dir": str(extract_dir),
            "fingerprint": fingerprint(extract_dir, BUILD_VERSION),
            "loaded_on": loaded_on.isoformat(),
            "extract_date": extract_date.isoformat(),
            "extract_date_from": "manifest" if manifest else "latest event",
        }
        if manifest and manifest.source:
            info["source"] = manifest.source
        _insert_many(con, "INSERT INTO extract_info VALUES (?, ?)", list(info.items()))
    return reports


@contextmanager
def _connect(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(db_path), config={"memory_limit": LOAD_MEMORY_LIMIT})
    try:
        yield con
        con.execute("CHECKPOINT")
    finally:
        con.close()


def connect(extract_dir: str | Path) -> duckdb.DuckDBPyConnection:
    """The connection to this extract's database (built first if the extract changed)."""
    return connect_database(database_path(Path(extract_dir)))


def read_report(con: duckdb.DuckDBPyConnection) -> list[TableReport]:
    rows = con.execute(
        'SELECT "table", file, rows_read, accepted, rejected, warnings, blank_lines, extra_columns FROM load_report'
    ).fetchall()
    return [TableReport(table, file, read, accepted, rejected, warnings, blank, tuple(extra or ()))
            for table, file, read, accepted, rejected, warnings, blank, extra in rows]
