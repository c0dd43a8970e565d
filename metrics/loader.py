"""Turn an extract folder into a DuckDB database that the measures query.

Every file is read as text by DuckDB (structural faults go to DuckDB's rejects
table, never silently dropped), then the rules of ``metrics.schema`` are applied in
SQL generated from that one description. Each row ends up either in its typed
table or in ``rejects`` with its line, column, value and reason, and the counts are
reconciled with the file before the database is published.

The database is built once per extract fingerprint (file names, sizes and
modification times) and reused while the extract is unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from metrics import schema
from metrics.schema import Column, NotBefore, OnlyWith, RequiredExactlyWhen, Table

# Bump when the way a database is built changes, so that old builds are not reused.
BUILD_VERSION = "4"
FORMATS = (".csv", ".parquet")

DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"
TIMESTAMP_PATTERN = r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
DECIMAL_PATTERN = r"[+-]?(\d+(\.\d*)?|\.\d+)"
INTEGER_PATTERN = r"[+-]?\d+"
BLANKS = " \t"
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

TYPE_REASONS = {
    "date": "not a date (expected YYYY-MM-DD)",
    "timestamp": "not a timestamp (expected YYYY-MM-DD HH:MM[:SS], local time, no offset)",
    "bool": "not a boolean (expected true/false, t/f, yes/no, y/n or 1/0)",
    "decimal": "not a decimal number (expected digits with '.' as separator)",
    "integer": "not a whole number",
}


class ExtractError(Exception):
    """The extract cannot be loaded at all; the message names the file and the problem."""


@dataclass(frozen=True)
class TableReport:
    table: str
    file: str | None
    rows_read: int
    accepted: int
    rejected: int
    extra_columns: tuple[str, ...]

    @property
    def present(self) -> bool:
        return self.file is not None


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params=None):
    """The single value a statement returns (reading the whole result, as DuckDB requires)."""
    return con.execute(sql, params or []).fetchall()[0][0]


def _insert_many(con: duckdb.DuckDBPyConnection, sql: str, rows: list[tuple]) -> None:
    if rows:  # DuckDB refuses an empty parameter list
        con.executemany(sql, rows)


# ---------------------------------------------------------------------------
# Finding the files and fingerprinting them


def table_files(extract_dir: Path) -> dict[str, Path]:
    """The file of each table present, after checking names, duplicates and core tables."""
    if not extract_dir.is_dir():
        raise ExtractError(f"{extract_dir}: not a folder")
    files: dict[str, Path] = {}
    for path in sorted(extract_dir.iterdir()):
        if path.suffix.lower() not in FORMATS or path.name.startswith("."):
            continue
        name = path.stem
        if name not in schema.TABLES_BY_NAME:
            raise ExtractError(
                f"{path}: unknown table name '{name}' "
                f"(expected one of: {', '.join(t.name for t in schema.TABLES)})"
            )
        if name in files:
            raise ExtractError(f"{path}: table '{name}' is given twice ({files[name].name} and {path.name})")
        files[name] = path
    missing = [t.name for t in schema.TABLES if t.core and t.name not in files]
    if missing:
        raise ExtractError(
            f"{extract_dir}: missing core table{'s' if len(missing) > 1 else ''} "
            + ", ".join(f"{m}.csv" for m in missing)
        )
    return files


def fingerprint(extract_dir: Path) -> str:
    """Identifies this extract's content: changes when any table file changes."""
    digest = hashlib.sha256(f"{BUILD_VERSION}|{schema.current_year()}".encode())
    for name, path in sorted(table_files(extract_dir).items()):
        stat = path.stat()
        digest.update(f"|{name}|{path.name}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:20]


def cache_dir() -> Path:
    configured = os.environ.get("OVERSIGHT_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "recovery-oversight"


def database_path(extract_dir: Path) -> Path:
    """The built database for this extract, building it first when it is missing or stale."""
    extract_dir = extract_dir.resolve()
    folder_key = hashlib.sha256(str(extract_dir).encode()).hexdigest()[:12]
    target = cache_dir() / f"{extract_dir.name}-{folder_key}-{fingerprint(extract_dir)}.duckdb"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".building-{os.getpid()}")
    try:
        build_database(extract_dir, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    for stale in target.parent.glob(f"{extract_dir.name}-{folder_key}-*.duckdb"):
        if stale != target:
            stale.unlink(missing_ok=True)
    return target


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


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError) as error:
        raise ExtractError(f"{path}: cannot be read ({error})") from error
    if not header:
        raise ExtractError(f"{path}: the file is empty; expected a header row")
    return header


def _physical_lines(path: Path) -> int:
    """Number of lines in the file (a last line without a newline counts)."""
    count, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def _record_lines(path: Path) -> list[int | None]:
    """Physical start line of every record as DuckDB numbers them (None for a blank line).

    Only needed when a file has blank lines or values spanning lines, where DuckDB's
    record numbers and the physical line numbers part ways.
    """
    starts: list[int | None] = []
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.reader(handle)
        line = 1
        for record in reader:
            starts.append(line if record else None)
            line = reader.line_num + 1
    return starts


def _internal_names(table: Table, header: list[str]) -> list[str]:
    """The name each header column gets in ``raw_<table>``: its own for a contract column,
    a generated one for any other (so that no name from a file is written into SQL)."""
    known = {c.name for c in table.columns}
    return [name if name in known else f"_extra_{index}" for index, name in enumerate(header)]


def _read_csv(con: duckdb.DuckDBPyConnection, table: Table, path: Path) -> _RawTable:
    header = _csv_header(path)
    positions, extra = _check_header(path, table, header)
    internal = _internal_names(table, header)
    read_columns = ", ".join(f"'{name}': 'VARCHAR'" for name in internal)
    try:
        con.execute(
            f"""
            CREATE TEMP TABLE raw_{table.name} AS
            SELECT * FROM read_csv(?, header = false, skip = 1, auto_detect = false,
                delim = ',', quote = '"', escape = '"', encoding = 'utf-8',
                columns = {{{read_columns}}},
                store_rejects = true, rejects_table = 'dd_rejects_{table.name}',
                rejects_scan = 'dd_scan_{table.name}')
            """,
            [str(path)],
        )
    except duckdb.Error as error:
        raise ExtractError(f"{path}: cannot be read ({error})") from error
    structural = con.execute(
        f"""
        SELECT line, arg_min(column_name, column_idx), arg_min(csv_line, column_idx),
               arg_min(error_message, column_idx)
        FROM dd_rejects_{table.name} GROUP BY line ORDER BY line
        """
    ).fetchall()
    records = _scalar(con, f"SELECT count(*) FROM raw_{table.name}") + len(structural)
    if _physical_lines(path) == records + 1:
        # One record per line: DuckDB's record numbers are the physical line numbers.
        reject_lines = [row[0] for row in structural]
        line, join = _lines_skipping(con, table.name, reject_lines, records - len(structural))
    else:
        starts = _record_lines(path)
        reject_lines = [starts[row[0] - 1] for row in structural]
        rejected = {row[0] for row in structural}
        accepted_lines = [
            line for number, line in enumerate(starts[1:], start=2)
            if line is not None and number not in rejected
        ]
        records = sum(1 for s in starts[1:] if s is not None)
        line, join = _lines_table(con, table.name, accepted_lines) if accepted_lines else ("NULL", "")
    names = dict(zip(internal, header, strict=True))
    _insert_many(
        con,
        "INSERT INTO rejects VALUES (?, ?, ?, ?, ?)",
        [
            (table.name, line_number, names.get(column, column), (text or "").strip("\r\n"),
             f"malformed line: {message}")
            for line_number, (_, column, text, message) in zip(reject_lines, structural, strict=True)
        ],
    )
    present = [c.name for c in table.columns if c.name in positions]
    return _RawTable(table.name, path, present, extra, records, line, join)


def _lines_skipping(con, name: str, reject_lines: list[int], accepted: int) -> tuple[str, str]:
    """Line numbers when each record is one line and ``reject_lines`` were left out."""
    if not reject_lines or not accepted:
        return "r.rowid + 2", ""
    # With rejected lines r_1 < r_2 < ..., the k-th accepted row (from 0) sits after
    # r_j exactly when k >= r_j - 1 - j, so its line is k + 2 + that many j.
    thresholds = np.array(sorted(reject_lines), dtype=np.int64) - 1 - np.arange(1, len(reject_lines) + 1)
    rows = np.arange(accepted, dtype=np.int64)
    return _lines_table(con, name, rows + 2 + np.searchsorted(thresholds, rows, side="right"))


def _lines_table(con, name: str, lines) -> tuple[str, str]:
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
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    except duckdb.Error as error:
        raise ExtractError(f"{path}: cannot be read as Parquet ({error})") from error
    header = [row[0] for row in described]
    positions, extra = _check_header(path, table, header)
    present = [c.name for c in table.columns if c.name in positions]
    select = ", ".join(f'CAST("{c}" AS VARCHAR) AS {c}' for c in present)
    con.execute(
        f"""
        CREATE TEMP TABLE raw_{table.name} AS
        SELECT file_row_number AS rec, {select} FROM read_parquet(?, file_row_number = true)
        """,
        [str(path)],
    )
    rows = _scalar(con, f"SELECT count(*) FROM raw_{table.name}")
    # Parquet has no lines: a row is known by its position, the first row being 1.
    return _RawTable(table.name, path, present, extra, rows, "r.rec + 1")


# ---------------------------------------------------------------------------
# Checking the rows against the contract


class _Params:
    """Collects bound parameters so that no value is ever written into SQL text."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def __call__(self, value: object) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def _id_text(raw: str, p: _Params) -> str:
    """An id with surrounding blanks removed; ``trim`` runs only where there are any,
    because trimming every value of a large table costs more than the rest of its checks."""
    padded = " OR ".join(f"starts_with({raw}, {p(c)}) OR ends_with({raw}, {p(c)})" for c in BLANKS)
    return f"NULLIF(CASE WHEN {padded} THEN trim({raw}, {p(BLANKS)}) ELSE {raw} END, '')"


def _parsed(column: Column, present: bool, p: _Params) -> tuple[str, str]:
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


def _violation(column: str, value_sql: str, reason_sql: str, p: _Params) -> str:
    return f"{{'column': {p(column)}, 'value': {value_sql}, 'reason': {reason_sql}}}"


def _column_checks(column: Column, p: _Params) -> list[str]:
    """CASE expressions, one per rule of the column, each a violation or null."""
    name, text = column.name, f"{column.name}__text"
    checks = []
    if column.required:
        checks.append(f"CASE WHEN {text} IS NULL THEN "
                      f"{_violation(name, 'r_' + name, p('required value is empty'), p)} END")
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
    return checks


def _rule_check(table: Table, rule, p: _Params) -> str:
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


def _row_checked(table: Table, raw: _RawTable, p: _Params, only_duplicate_keys: bool = False) -> str:
    """A query of the rows read: line, raw text, cleaned text and typed value of each column,
    and ``row_problem``, the first rule of the row itself that it breaks (or null).

    With ``only_duplicate_keys``, only rows whose key's hash is in ``dupkeys_<table>``."""
    parsed, checks = [], []
    for column in table.columns:
        present = column.name in raw.present_columns
        text, typed = _parsed(column, present, p)
        raw_value = f"r.{column.name}" if present else "CAST(NULL AS VARCHAR)"
        parsed.append(f"{raw_value} AS r_{column.name}, {text} AS {column.name}__text, "
                      f"{typed} AS {column.name}")
        checks.extend(_column_checks(column, p))
    checks.extend(_rule_check(table, rule, p) for rule in table.rules)
    where, materialized = "", ""
    if only_duplicate_keys:
        key_text, _ = _parsed(table.key, True, p)
        where = f"WHERE hash({key_text}) IN (SELECT key_hash FROM dupkeys_{table.name})"
        # Keeps DuckDB from pushing a filter on row_problem below this one, which would
        # check every row of the table instead of the few candidates.
        materialized = "MATERIALIZED"
    return f"""
        WITH parsed AS {materialized} (
            SELECT {raw.line} AS line, {', '.join(parsed)}
            FROM raw_{table.name} r {raw.join} {where}
        )
        SELECT *, coalesce({', '.join(checks) or 'NULL'}) AS row_problem FROM parsed
    """


def _find_duplicate_keys(con, table: Table, raw: _RawTable) -> None:
    """``keyproblems_<table>``: the rows repeating a key, each naming the first line with it.

    The hashes given more than once are found first (grouping millions of numbers is
    cheap), so that only their few rows are checked and ranked by line; a hash shared by
    different keys only adds rows that rank first under their own key."""
    key = table.key
    p = _Params()
    key_text, _ = _parsed(key, True, p)
    con.execute(
        f"""
        CREATE TEMP TABLE dupkeys_{table.name} AS
        SELECT hash({key_text}) AS key_hash FROM raw_{table.name} r
        GROUP BY key_hash HAVING count(*) > 1
        """,
        p.values,
    )
    p = _Params()
    reason = f"{p(f'duplicate {key.name} (first on line ')} || first_line || ')'"
    con.execute(
        f"""
        CREATE TEMP TABLE keyproblems_{table.name} AS
        WITH ranked AS (
            SELECT line, {key.name}__text AS value,
                   row_number() OVER (PARTITION BY {key.name} ORDER BY line) AS nth,
                   min(line) OVER (PARTITION BY {key.name}) AS first_line
            FROM ({_row_checked(table, raw, p, only_duplicate_keys=True)})
            WHERE row_problem IS NULL AND {key.name} IS NOT NULL
        )
        SELECT line, {_violation(key.name, 'value', reason, p)} AS problem FROM ranked WHERE nth > 1
        """,
        p.values,
    )


def _insert_checked(con: duckdb.DuckDBPyConnection, table: Table, raw: _RawTable) -> None:
    """Insert every row read into its typed table, with ``problem``: the first rule it
    breaks, or null. Rows are checked against their own values, then their key, then
    their references."""
    p = _Params()
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
            f"CASE WHEN {alias}.rejected_line IS NULL THEN {missing} ELSE {cascade} END}} END"
        )
    key_problem = "NULL"
    if table.key is not None:
        _find_duplicate_keys(con, table, raw)
        joins.append(f"LEFT JOIN keyproblems_{table.name} kp ON kp.line = c.line")
        key_problem = "kp.problem"
    values = ", ".join(
        f"coalesce(c.{c.name}, {p(c.default)})" if c.default is not None else f"c.{c.name}"
        for c in table.columns
    )
    with _unordered(con):
        con.execute(
            f"""
            INSERT INTO {table.name}
            SELECT c.line, {values},
                   coalesce(c.row_problem, {key_problem}, {', '.join(fk_checks) or 'NULL'})
            FROM ({_row_checked(table, raw, p)}) c {' '.join(joins)}
            """,
            p.values,
        )
    for column in table.columns:
        if column.references == table.name:
            _reject_self_references(con, table, column)


@contextmanager
def _unordered(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Let DuckDB insert rows in any order: faster and lighter on memory. Reading a file
    must keep its order, since a row's place gives its line number."""
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute("SET preserve_insertion_order = true")


def _reject_self_references(con, table: Table, column: Column) -> None:
    """Reject rows naming a row of the same table that is absent or rejected, to a fixed point."""
    key = table.key.name
    name = table.name
    p = _Params()
    statement = (
            f"""
            UPDATE {name} AS c SET problem = {{
                'column': {p(column.name)}, 'value': c.{column.name},
                'reason': CASE WHEN parent.line IS NULL
                    THEN {p(f'{column.name} ')} || '''' || c.{column.name} || '''' || {p(f' not found in {name}')}
                    ELSE {p(f'{column.name} ')} || '''' || c.{column.name} || ''''
                         || {p(f' refers to a rejected row of {name} (line ')} || parent.line || ')' END}}
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


def _publish(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Move the rows with a problem into ``rejects``, keep the keys that children check
    against, and drop the working column."""
    con.execute(
        f"INSERT INTO rejects SELECT ?, line, problem.column, problem.value, problem.reason "
        f"FROM {table.name} WHERE problem IS NOT NULL ORDER BY line",
        [table.name],
    )
    if table.name in REFERENCED_TABLES:
        key = table.key.name
        con.execute(
            f"""
            CREATE TEMP TABLE keys_{table.name} AS
            SELECT {key} AS key, bool_or(problem IS NULL) AS accepted,
                   min(line) FILTER (WHERE problem IS NOT NULL) AS rejected_line
            FROM {table.name} WHERE {key} IS NOT NULL GROUP BY {key}
            """
        )
    con.execute(f"DELETE FROM {table.name} WHERE problem IS NOT NULL")
    _drop_working_column(con, table)


def _drop_working_column(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    con.execute(f"ALTER TABLE {table.name} DROP COLUMN problem")


def _drop_working_tables(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    for prefix in ("raw", "lines", "dupkeys", "keyproblems"):
        con.execute(f"DROP TABLE IF EXISTS {prefix}_{table.name}")


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in schema.TABLES:
        columns = ", ".join(f"{c.name} {c.sql_type}" for c in table.columns)
        con.execute(
            f"CREATE TABLE {table.name} (line BIGINT NOT NULL, {columns}, "
            f'problem STRUCT("column" VARCHAR, value VARCHAR, reason VARCHAR))'
        )
    con.execute(
        'CREATE TABLE rejects ("table" VARCHAR, line BIGINT, "column" VARCHAR, '
        "value VARCHAR, reason VARCHAR)"
    )
    con.execute(
        'CREATE TABLE load_report ("table" VARCHAR, file VARCHAR, rows_read BIGINT, '
        "accepted BIGINT, rejected BIGINT, extra_columns VARCHAR[])"
    )
    con.execute("CREATE TABLE extract_info (key VARCHAR, value VARCHAR)")


def build_database(extract_dir: Path, db_path: Path) -> list[TableReport]:
    """Load every table of the extract into a new DuckDB file at ``db_path``."""
    files = table_files(extract_dir)
    reports = []
    with _connect(db_path) as con:
        _create_tables(con)
        for table in schema.load_order():
            path = files.get(table.name)
            if path is None:
                _drop_working_column(con, table)
                reports.append(TableReport(table.name, None, 0, 0, 0, ()))
                continue
            reader = _read_parquet if path.suffix.lower() == ".parquet" else _read_csv
            raw = reader(con, table, path)
            _insert_checked(con, table, raw)
            _drop_working_tables(con, table)
            _publish(con, table)
            accepted = _scalar(con, f"SELECT count(*) FROM {table.name}")
            rejected = _scalar(con,
                'SELECT count(*) FROM rejects WHERE "table" = ?', [table.name]
            )
            if accepted + rejected != raw.rows_in_file:
                raise RuntimeError(
                    f"{path}: {accepted} accepted + {rejected} rejected rows "
                    f"but {raw.rows_in_file} rows in the file"
                )
            reports.append(TableReport(table.name, str(path), raw.rows_in_file, accepted,
                                       rejected, tuple(raw.extra_columns)))
        # The measures' own derived tables; imported here because the measures read the
        # database through metrics.db, which builds on this module.
        from metrics.adherence import store_period_grid
        from metrics.db import create_table

        with _unordered(con):
            create_table(con, "episode_firsts", "episode_firsts")
            store_period_grid(con)
        _insert_many(
            con,
            "INSERT INTO load_report VALUES (?, ?, ?, ?, ?, ?)",
            [(r.table, r.file, r.rows_read, r.accepted, r.rejected, list(r.extra_columns))
             for r in reports],
        )
        _insert_many(
            con,
            "INSERT INTO extract_info VALUES (?, ?)",
            [("extract_dir", str(extract_dir)), ("fingerprint", fingerprint(extract_dir))],
        )
    return reports


@contextmanager
def _connect(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(db_path), config={"memory_limit": LOAD_MEMORY_LIMIT})
    try:
        yield con
        con.execute("CHECKPOINT")
    finally:
        con.close()


def read_report(con: duckdb.DuckDBPyConnection) -> list[TableReport]:
    rows = con.execute(
        'SELECT "table", file, rows_read, accepted, rejected, extra_columns FROM load_report'
    ).fetchall()
    return [TableReport(t, f, n, a, r, tuple(x or ())) for t, f, n, a, r, x in rows]
