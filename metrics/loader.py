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
import pyarrow as pa

from metrics import schema
from metrics.schema import Column, NotBefore, OnlyWith, RequiredExactlyWhen, Table

# Bump when the way a database is built changes, so that old builds are not reused.
BUILD_VERSION = "1"
FORMATS = (".csv", ".parquet")

DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"
TIMESTAMP_PATTERN = r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
DECIMAL_PATTERN = r"[+-]?(\d+(\.\d*)?|\.\d+)"
INTEGER_PATTERN = r"[+-]?\d+"
BLANKS = " \t"
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")

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
    """A file read into ``raw_<table>`` as text, one column per schema column present."""

    name: str
    path: Path
    present_columns: list[str]
    extra_columns: list[str]
    rows_in_file: int


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


def _physical_lines(path: Path) -> tuple[int, bool]:
    """Number of lines in the file, and whether it ends with a newline."""
    count, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n"), last == b"\n"


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


def _read_csv(con: duckdb.DuckDBPyConnection, table: Table, path: Path) -> _RawTable:
    header = _csv_header(path)
    positions, extra = _check_header(path, table, header)
    read_columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header)))
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
    present = [c.name for c in table.columns if c.name in positions]
    select = ", ".join(f"c{positions[c]} AS {c}" for c in present)
    con.execute(f"CREATE TEMP TABLE rows_{table.name} AS SELECT rowid AS rec, {select} FROM raw_{table.name}")
    con.execute(f"DROP TABLE raw_{table.name}")
    structural = con.execute(
        f"""
        SELECT line, arg_min(column_name, column_idx), arg_min(csv_line, column_idx),
               arg_min(error_message, column_idx)
        FROM dd_rejects_{table.name} GROUP BY line ORDER BY line
        """
    ).fetchall()
    accepted_by_duckdb = _scalar(con, f"SELECT count(*) FROM rows_{table.name}")
    records = accepted_by_duckdb + len(structural)
    physical, _ = _physical_lines(path)
    if physical == records + 1:
        # One record per line: DuckDB's record numbers are the physical line numbers.
        reject_lines = [row[0] for row in structural]
        accepted_lines = None
    else:
        starts = _record_lines(path)
        reject_lines = [starts[row[0] - 1] for row in structural]
        rejected = {row[0] for row in structural}
        accepted_lines = [
            line for number, line in enumerate(starts[1:], start=2)
            if line is not None and number not in rejected
        ]
        records = sum(1 for s in starts[1:] if s is not None)
    _attach_lines(con, table.name, reject_lines, accepted_lines)
    _insert_many(
        con,
        "INSERT INTO rejects VALUES (?, ?, ?, ?, ?)",
        [
            (table.name, line, _header_name(header, column), (text or "").strip("\r\n"),
             f"malformed line: {message}")
            for line, (_, column, text, message) in zip(reject_lines, structural, strict=True)
        ],
    )
    return _RawTable(table.name, path, present, extra, records)


def _header_name(header: list[str], generated: str | None) -> str | None:
    if generated is None or not generated.startswith("c"):
        return generated
    index = int(generated[1:])
    return header[index] if index < len(header) else None


def _attach_lines(con, name: str, reject_lines: list[int], accepted_lines: list[int] | None) -> None:
    """Give every row read its physical line number in ``lines_<name>``."""
    if accepted_lines is not None:
        mapping = pa.table({"rec": pa.array(range(len(accepted_lines)), pa.int64()),
                            "line": pa.array(accepted_lines, pa.int64())})
        con.register("line_map", mapping)
        con.execute(f"CREATE TEMP TABLE lines_{name} AS SELECT rec, line FROM line_map")
        con.unregister("line_map")
        return
    # With rejected lines r_1 < r_2 < ..., the k-th accepted row (from 0) sits after
    # r_j exactly when k >= r_j - 1 - j, so its line is k + 2 + that many j.
    thresholds = pa.table({
        "threshold": pa.array([r - 1 - j for j, r in enumerate(sorted(reject_lines), start=1)], pa.int64()),
        "passed": pa.array(range(1, len(reject_lines) + 1), pa.int64()),
    })
    con.register("thresholds", thresholds)
    con.execute(
        f"""
        CREATE TEMP TABLE lines_{name} AS
        WITH steps AS (SELECT threshold, max(passed) AS passed FROM thresholds GROUP BY threshold)
        SELECT r.rec, r.rec + 2 + coalesce(s.passed, 0) AS line
        FROM rows_{name} r ASOF LEFT JOIN steps s ON r.rec >= s.threshold
        """
    )
    con.unregister("thresholds")


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
        CREATE TEMP TABLE rows_{table.name} AS
        SELECT file_row_number AS rec, {select} FROM read_parquet(?, file_row_number = true)
        """,
        [str(path)],
    )
    # Parquet has no lines: a row is known by its position, the first row being 1.
    con.execute(f"CREATE TEMP TABLE lines_{table.name} AS SELECT rec, rec + 1 AS line FROM rows_{table.name}")
    rows = _scalar(con, f"SELECT count(*) FROM rows_{table.name}")
    return _RawTable(table.name, path, present, extra, rows)


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


def _parsed(column: Column, present: bool, p: _Params) -> tuple[str, str]:
    """SQL for the column's cleaned text and its typed value (null when it does not parse)."""
    if not present:
        return "CAST(NULL AS VARCHAR)", f"CAST(NULL AS {column.sql_type})"
    raw = f"r.{column.name}"
    if column.type == "id":
        text = f"NULLIF(trim({raw}, {p(BLANKS)}), '')"
    else:
        text = f"NULLIF({raw}, '')"
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


def _check_rows(con: duckdb.DuckDBPyConnection, table: Table, raw: _RawTable) -> None:
    """``checked_<table>``: every row with its typed values and its first violation, if any."""
    p = _Params()
    parsed, checks = [], []
    for column in table.columns:
        present = column.name in raw.present_columns
        text, typed = _parsed(column, present, p)
        raw_value = f"r.{column.name}" if present else "CAST(NULL AS VARCHAR)"
        parsed.append(f"{raw_value} AS r_{column.name}, {text} AS {column.name}__text, "
                      f"{typed} AS {column.name}")
        checks.extend(_column_checks(column, p))
    checks.extend(_rule_check(table, rule, p) for rule in table.rules)

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

    key = table.key
    if key is not None:
        unique_check = (
            f"CASE WHEN c.row_problem IS NULL AND c.{key.name} IS NOT NULL AND "
            f"row_number() OVER (PARTITION BY c.{key.name}, c.row_problem IS NULL ORDER BY c.line) > 1 "
            f"THEN {{'column': {p(key.name)}, 'value': c.{key.name}__text, 'reason': "
            f"{p(f'duplicate {key.name} (first on line ')} || "
            f"min(c.line) OVER (PARTITION BY c.{key.name}, c.row_problem IS NULL) || ')'}} END"
        )
    else:
        unique_check = "NULL"
    outputs = ", ".join(f"c.{c.name}, c.{c.name}__text" for c in table.columns)
    con.execute(
        f"""
        CREATE TEMP TABLE checked_{table.name} AS
        WITH parsed AS (
            SELECT l.line, {', '.join(parsed)}
            FROM rows_{table.name} r JOIN lines_{table.name} l USING (rec)
        ),
        row_checked AS (
            SELECT *, coalesce({', '.join(checks) or 'NULL'}) AS row_problem FROM parsed
        ),
        key_checked AS (
            SELECT c.*, {unique_check} AS key_problem FROM row_checked c
        )
        SELECT c.line, {outputs},
               coalesce(c.row_problem, c.key_problem, {', '.join(fk_checks) or 'NULL'}) AS problem
        FROM key_checked c {' '.join(joins)}
        """,
        p.values,
    )
    for column in table.columns:
        if column.references == table.name:
            _reject_self_references(con, table, column)
    con.execute(f"DROP TABLE rows_{table.name}")
    con.execute(f"DROP TABLE lines_{table.name}")


def _reject_self_references(con, table: Table, column: Column) -> None:
    """Reject rows naming a row of the same table that is absent or rejected, to a fixed point."""
    key = table.key.name
    name = table.name
    p = _Params()
    statement = (
            f"""
            UPDATE checked_{name} AS c SET problem = {{
                'column': {p(column.name)}, 'value': c.{column.name}__text,
                'reason': CASE WHEN parent.line IS NULL
                    THEN {p(f'{column.name} ')} || '''' || c.{column.name} || '''' || {p(f' not found in {name}')}
                    ELSE {p(f'{column.name} ')} || '''' || c.{column.name} || ''''
                         || {p(f' refers to a rejected row of {name} (line ')} || parent.line || ')' END}}
            FROM (SELECT c2.line AS child_line, min(par.line) AS line,
                         bool_or(par.line IS NOT NULL AND par.problem IS NULL) AS ok
                  FROM checked_{name} c2 LEFT JOIN checked_{name} par ON par.{key} = c2.{column.name}
                  WHERE c2.problem IS NULL AND c2.{column.name} IS NOT NULL
                  GROUP BY c2.line) AS parent
            WHERE c.line = parent.child_line AND NOT coalesce(parent.ok, false)
            """
    )
    while _scalar(con, statement, p.values):
        pass


def _publish(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Move accepted rows into the typed table and the rest into ``rejects``."""
    con.execute(
        f"INSERT INTO rejects SELECT ?, line, problem.column, problem.value, problem.reason "
        f"FROM checked_{table.name} WHERE problem IS NOT NULL ORDER BY line",
        [table.name],
    )
    p = _Params()
    values = ", ".join(
        f"coalesce({c.name}, {p(c.default)})" if c.default is not None else c.name
        for c in table.columns
    )
    con.execute(
        f"INSERT INTO {table.name} SELECT line, {values} FROM checked_{table.name} "
        f"WHERE problem IS NULL ORDER BY line",
        p.values,
    )
    if table.key is not None:
        key = table.key.name
        con.execute(
            f"""
            CREATE TEMP TABLE keys_{table.name} AS
            SELECT {key} AS key, bool_or(problem IS NULL) AS accepted,
                   min(line) FILTER (WHERE problem IS NOT NULL) AS rejected_line
            FROM checked_{table.name} WHERE {key} IS NOT NULL GROUP BY {key}
            """
        )
    con.execute(f"DROP TABLE checked_{table.name}")


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in schema.TABLES:
        columns = ", ".join(f"{c.name} {c.sql_type}" for c in table.columns)
        con.execute(f"CREATE TABLE {table.name} (line BIGINT NOT NULL, {columns})")
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
                reports.append(TableReport(table.name, None, 0, 0, 0, ()))
                continue
            reader = _read_parquet if path.suffix.lower() == ".parquet" else _read_csv
            raw = reader(con, table, path)
            _check_rows(con, table, raw)
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
    con = duckdb.connect(str(db_path))
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
