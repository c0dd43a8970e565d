"""Turning an identified export into an extract that meets the contract.

An *identified export* is a folder with one file per table, named as in the contract
(``clients.csv``, ``episodes.parquet``, …; a table given both ways is an error), whose
tables may carry more columns than the contract (names, addresses, notes, …) and
``birth_date`` where the contract has ``birth_year``, and optionally a manifest,
``extract.toml``. :func:`anonymize` writes the extract the dashboard reads, always as CSV:

- **Pseudonyms.** Every id column of the contract except ``agency_id`` (which names an
  organisation, not a person) is replaced by ``<prefix><16 hex>``, the first 16 hex
  digits of HMAC-SHA256(key, ``<family>:<value>``). The family is the id the column
  names (``client_id``, ``family_id``, ``staff_id``, ``episode_id``, ``contact_id``,
  ``plan_id``, ``incident_id``; ``parent_plan_id`` names a ``plan_id``), so one value
  gets one pseudonym wherever it appears and foreign keys still match, while the same
  value in two families gets two unrelated pseudonyms. People (clients, families,
  staff) and records (episodes, contacts, plans, incidents) alike: a record id from
  the source system would link a row back to it. Values are trimmed of surrounding
  blanks (as the loader does) and otherwise hashed exactly as written: ``00123`` and
  ``123`` are different ids. Without the key nobody can compute or reverse a pseudonym;
  with the same key the same export gives the same extract, so extracts of one source
  can be compared over time.
- **Birth dates** (``birth_date``: a real date written ``YYYY-MM-DD``, optionally
  followed by a time, or ``MM/DD/YYYY``) become ``birth_year``.
- **Everything else outside the contract is dropped**: direct identifiers (recognised
  by name, see :data:`IDENTIFIER_PATTERNS`, only to give the reason in the report) and
  every other column the contract does not list for that table. Files that are not a
  contract table are not copied.
- **Every value is checked before it is written**, by the loader's own rules
  (:func:`metrics.extract.loader.value_problems`: type, enum, range, dates 1900-01-01 to
  2100-12-31, hours 00-23) and two more that keep free text out of the extract: an
  incident ``category`` must be one of the setting ``incident_categories`` (compared
  ignoring case and surrounding or repeated blanks, and written as the setting spells
  it), and the other text columns (``agency_name``, ``county``) may hold no contact
  details (:data:`CONTACT_DETAILS`). A value that breaks a rule is *withheld*: its cell
  is left empty and its row kept. Where the column is required, the loader will reject
  that row; the report says how many. A person's name on its own cannot be told from an
  agency's or a county's: only contact details are recognised.
- **Lines that cannot be read** are not copied and blank lines are skipped, exactly as
  the loader decides (:func:`metrics.extract.csvfile.scan`, then DuckDB's rules for what is left):
  a line that is not UTF-8, has more or fewer cells than the header, or a quote out of
  place. A stray quote costs its line only: a quoted value spans lines only when the
  lines up to the next line with an odd number of quotes make one well-formed record.
- **The manifest** ``extract.toml`` gets ``taken_on`` from ``--taken-on``, else from
  the export's own manifest, else the day the anonymizer runs; the export's ``source``
  is carried over unless it holds contact details.

The report is written as text next to the extract, never inside it, and never repeats
a value: for each table it lists the columns kept, pseudonymised and dropped, and
counts what was withheld by column and reason, and the lines not copied by reason,
each with its first few raw line numbers (for CSV the line in the file, the header
being line 1; for Parquet the row's position, the first row being 1). Names from the
export (columns, files) are shown only when they hold no contact details.

The key is a file of at least 32 random bytes, readable by its owner only::

    head -c 32 /dev/urandom > oversight.key && chmod 600 oversight.key

Keep it out of the extract and out of version control; lose it and new extracts no
longer match old ones.

Every raw cell is read as text: nothing is type-inferred, so ids keep their leading
zeros. The extract's CSV files are plain (UTF-8, header row, ``\\n``, quotes only where
needed): the values exactly as checked, with no spreadsheet safeguard added.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import os
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from metrics.extract import csvfile, parquetfile, schema
from metrics.extract.folder import FORMATS, MANIFEST
from metrics.extract.loader import value_problems
from metrics.policy.settings import Settings
from metrics.policy.settings import settings as current_settings

MIN_KEY_BYTES = 32
# How many raw line numbers the report gives for each kind of problem.
FIRST_LINES = 5

# The column that names the key of a referenced table, for ids that refer to one.
PREFIXES = {
    "client_id": "C-",
    "family_id": "F-",
    "staff_id": "S-",
    "episode_id": "E-",
    "contact_id": "K-",
    "plan_id": "AP-",
    "incident_id": "IN-",
}
KEPT_IDS = ("agency_id",)  # organisations, not people
# Text columns whose values must come from a controlled list (the setting that holds it).
CONTROLLED_LISTS = {("incidents", "category"): "incident_categories"}

# Direct identifiers, by column name (lower case, matched in full). Any column outside
# the contract is dropped whatever its name; these only name the reason in the report.
IDENTIFIER_PATTERNS: tuple[tuple[str, str], ...] = (
    (r".*names?|alias", "name"),  # agency_name is in the contract, so never reaches this list
    (r"address.*|.*_address|street.*|city|town|zip.*|postal.*|post_code|postcode|state|apt|unit", "address"),
    (r"phone.*|.*_phone|mobile|cell|fax|telephone", "phone number"),
    (r"e_?mail.*|.*_email", "email"),
    (r"ssn|social_security.*|ss_number|sin", "social security number"),
    (r"mrn|medical_record.*|.*_mrn|chart_number|patient_number|medicaid.*|insurance.*|member_id|dl_number"
     r"|drivers?_licen[cs]e.*", "record or account number"),
    (r"dob|date_of_birth|birth_?date|birthday", "birth date"),
    (r"notes?|.*_notes?|comments?|.*_comments?|free_?text|narrative|description|remarks?|summary", "free text"),
)

_STREET_WORDS = (r"street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|court|ct|place|pl|way"
                 r"|parkway|pkwy|highway|hwy|circle|cir|terrace|trail|square")
# Contact details in free words, first match giving the reason. Cheap patterns: they err
# towards withholding (a date in an agency name reads as a long number).
CONTACT_DETAILS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an e-mail address", re.compile(r"[\w.+-]+@[\w-]+")),
    ("a web address", re.compile(r"(?i)https?://|www\.|\b[\w-]+\.(com|org|net|gov|edu|us|info|biz)\b")),
    ("a phone or other long number", re.compile(r"\d([\s./()-]*\d){6,}")),
    ("a street address", re.compile(rf"(?i)\b\d+[a-z]{{0,2}}\s+([\w.'-]+\s+){{0,3}}({_STREET_WORDS})\b"
                                    r"|\bp\.?\s*o\.?\s*box\b")),
    ("a postal code", re.compile(r"\b\d{5}(-\d{4})?\b")),
    ("a line break or control character", re.compile(r"[\x00-\x1f\x7f]")),
)

# Why a record the scan leaves is not copied, as the loader's DuckDB reader would reject it.
MISPLACED_QUOTE = "malformed line: quote out of place"
BIRTH_DATE_UNREADABLE = "birth_date not a date (expected YYYY-MM-DD or MM/DD/YYYY)"


class AnonymizeError(Exception):
    """The export cannot be anonymized; the message says why and what to do."""


@dataclass
class Occurrences:
    """How often something happened, with the first raw lines where it did."""

    count: int = 0
    first_lines: list[int] = field(default_factory=list)

    def add(self, line: int) -> None:
        self.count += 1
        if len(self.first_lines) < FIRST_LINES:
            self.first_lines.append(line)

    def __str__(self) -> str:
        more = ", …" if self.count > len(self.first_lines) else ""
        lines = ", ".join(map(str, self.first_lines))
        return f"{self.count} ({'lines' if len(self.first_lines) > 1 else 'line'} {lines}{more})"


@dataclass
class TableReport:
    table: str
    file: str
    rows: int = 0  # rows written
    columns_kept: list[str] = field(default_factory=list)
    columns_dropped: list[tuple[str, str]] = field(default_factory=list)  # (column, reason)
    pseudonymised: list[str] = field(default_factory=list)
    birth_dates_reduced: int = 0
    withheld: dict[tuple[str, str], Occurrences] = field(default_factory=dict)  # (column, reason)
    required_withheld: Occurrences = field(default_factory=Occurrences)  # rows the loader will reject
    lines_not_copied: dict[str, Occurrences] = field(default_factory=dict)  # by reason
    blank_lines: int = 0
    multiline_records: Occurrences = field(default_factory=Occurrences)

    @property
    def values_withheld(self) -> int:
        return sum(o.count for o in self.withheld.values())

    @property
    def lines_withheld(self) -> int:
        return sum(o.count for o in self.lines_not_copied.values())

    def text(self) -> list[str]:
        lines = [f"{self.table} ({self.file}): {_counted(self.rows, 'row')} written",
                 f"  columns kept: {', '.join(self.columns_kept) or '(none)'}",
                 f"  pseudonymised: {', '.join(self.pseudonymised) or '(none)'}"]
        if self.birth_dates_reduced:
            lines.append(f"  birth_date reduced to birth_year: {self.birth_dates_reduced} rows")
        lines += [f"  dropped {column}: {reason}" for column, reason in self.columns_dropped]
        lines += [f"  withheld {column}, {reason}: {seen}" for (column, reason), seen in self.withheld.items()]
        if self.required_withheld.count:
            lines.append(f"  rows the loader will reject, a required value being withheld: {self.required_withheld}"
                         "; rows that refer to them are rejected too")
        lines += [f"  line not copied, {reason}: {seen}" for reason, seen in self.lines_not_copied.items()]
        if self.blank_lines:
            lines.append(f"  blank lines skipped: {self.blank_lines}")
        if self.multiline_records.count:
            lines.append(f"  rows spanning several lines (a quoted value with line breaks): {self.multiline_records}")
        return lines


@dataclass
class ManifestReport:
    taken_on: date
    taken_on_from: str
    source: str  # what became of the export's source: carried over, withheld (why) or absent
    source_withheld: bool = False
    keys_dropped: list[str] = field(default_factory=list)  # other keys of the export's manifest

    def text(self) -> str:
        dropped = f"; not carried over: {', '.join(self.keys_dropped)}" if self.keys_dropped else ""
        return (f"{MANIFEST}: taken_on {self.taken_on.isoformat()} ({self.taken_on_from}); "
                f"source {self.source}{dropped}")


@dataclass
class AnonymizeReport:
    raw_dir: Path
    out_dir: Path
    report_path: Path
    manifest: ManifestReport
    tables: list[TableReport] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)

    @property
    def withheld(self) -> int:
        """Values, lines and the manifest's source withheld: nonzero means the extract lacks something."""
        return sum(t.values_withheld + t.lines_withheld for t in self.tables) + self.manifest.source_withheld

    def text(self) -> str:
        lines = [
            "Anonymization report",
            f"identified export: {self.raw_dir}",
            f"extract written:   {self.out_dir}",
            self.manifest.text(),
            "",
        ]
        for t in self.tables:
            lines += t.text()
        if self.files_skipped:
            lines.append("")
            lines.append("files not copied (not a table of the contract): " + ", ".join(self.files_skipped))
        lines.append("")
        values = sum(t.values_withheld for t in self.tables)
        unread = sum(t.lines_withheld for t in self.tables)
        if self.withheld:
            lines.append(f"withheld: {_counted(values, 'value')}, {_counted(unread, 'line')}"
                         + (f", the source in {MANIFEST}" if self.manifest.source_withheld else "")
                         + "; everything else is in the extract.")
        else:
            lines.append("nothing withheld.")
        return "\n".join(lines) + "\n"


def _counted(count: int, thing: str) -> str:
    return f"{count} {thing}{'' if count == 1 else 's'}"


def read_key(key_file: Path) -> bytes:
    """The key's bytes, after checking that the file exists, is private and long enough."""
    key_file = Path(key_file)
    if not key_file.is_file():
        raise AnonymizeError(
            f"{key_file}: no key file. Make one with: head -c 32 /dev/urandom > {key_file} && chmod 600 {key_file}"
        )
    mode = os.stat(key_file).st_mode
    if mode & 0o077:
        raise AnonymizeError(
            f"{key_file}: the key file is readable or writable by others (mode {mode & 0o777:o}); "
            f"run: chmod 600 {key_file}"
        )
    key = key_file.read_bytes()
    if not key:
        raise AnonymizeError(f"{key_file}: the key file is empty")
    if len(key) < MIN_KEY_BYTES:
        raise AnonymizeError(
            f"{key_file}: the key is {len(key)} bytes, it must be at least {MIN_KEY_BYTES} bytes of random data "
            f"(head -c 32 /dev/urandom > {key_file} && chmod 600 {key_file})"
        )
    return key


def pseudonym(key: bytes, family: str, value: str) -> str:
    """The pseudonym of id ``value`` of ``family`` (a key column name such as ``client_id``)."""
    digest = hmac.new(key, f"{family}:{value}".encode(), hashlib.sha256).hexdigest()
    return PREFIXES.get(family, "X-") + digest[:16]


def identifier_reason(column: str) -> str | None:
    """Why ``column`` is a direct identifier, or None when its name does not say so."""
    name = column.strip().lower().replace(" ", "_").replace("-", "_")
    for pattern, reason in IDENTIFIER_PATTERNS:
        if re.fullmatch(pattern, name):
            return f"direct identifier ({reason})"
    return None


def contact_details(text: str) -> str | None:
    """Why ``text`` may not appear in an extract (``contains …``), or None when it holds no contact details."""
    for what, pattern in CONTACT_DETAILS:
        if pattern.search(text):
            return f"contains {what}"
    return None


def _shown(name: str) -> str:
    """A name from the export (column, file) as the report may show it."""
    if not name:
        return "(unnamed)"
    reason = contact_details(name)
    return f"(name withheld, it {reason})" if reason else name


def _family(table: schema.Table, column: schema.Column) -> str:
    if column.references:
        key = schema.TABLES_BY_NAME[column.references].key
        assert key is not None  # a column refers to a table by its key
        return key.name
    return column.name


_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})([ T].*)?\s*")
_US_DATE = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*")


def birth_year(value: str) -> str | None:
    """The year of a birth date, or None when ``value`` is not a real date in a known form."""
    if iso := _ISO_DATE.fullmatch(value):
        year, month, day = iso.group(1, 2, 3)
    elif us := _US_DATE.fullmatch(value):
        month, day, year = us.group(1, 2, 3)
    else:
        return None
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return None
    return year


# ---------------------------------------------------------------------------
# Reading the export


def _raw_files(raw_dir: Path) -> tuple[dict[str, Path], list[str]]:
    """The file of each table given, and the names of the other files (not copied)."""
    files: dict[str, Path] = {}
    skipped: list[str] = []
    for path in sorted(raw_dir.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.name == MANIFEST:
            continue
        if path.suffix.lower() not in FORMATS or path.stem not in schema.TABLES_BY_NAME:
            skipped.append(_shown(path.name))
        elif path.stem in files:
            raise AnonymizeError(f"{raw_dir}: table {path.stem} is given twice ({files[path.stem].name} and "
                                 f"{path.name}); keep one")
        else:
            files[path.stem] = path
    missing = [t.name for t in schema.TABLES if t.core and t.name not in files]
    if missing:
        raise AnonymizeError(f"{raw_dir}: missing core table{'s' if len(missing) > 1 else ''} "
                             + ", ".join(f"{m}.csv" for m in missing))
    return files, skipped


def _source_columns(table: schema.Table) -> set[str]:
    """The columns the table's extract is made from: the contract's, and birth_date for birth_year."""
    contract = {c.name for c in table.columns}
    return contract | ({"birth_date"} if "birth_year" in contract else set())


def _require_columns(path: Path, table: schema.Table, header: list[str]) -> None:
    """Refuse a header without a required column, or naming a column the extract is made from twice."""
    wanted = _source_columns(table)
    given_twice = sorted({name for name in header if name in wanted and header.count(name) > 1})
    if given_twice:
        raise AnonymizeError(f"{path}: column given twice: {', '.join(given_twice)}")
    missing = [name for name in table.required_columns if name not in header]
    if missing:
        raise AnonymizeError(f"{path}: missing required column{'s' if len(missing) > 1 else ''} "
                             f"{', '.join(missing)} (is line 1 the header?)")


def _columns_to_read(path: Path, table: schema.Table, header: list[str], report: TableReport) -> list[str]:
    """The columns of ``header`` the extract is made from (see :func:`_require_columns`);
    every other column goes to the report as dropped."""
    _require_columns(path, table, header)
    contract = {c.name for c in table.columns}
    wanted = _source_columns(table)
    for name in header:
        if name == "birth_date" and "birth_year" in header:
            report.columns_dropped.append((name, "direct identifier (birth date); birth_year given"))
        elif name == "birth_date" and name in wanted:
            report.columns_dropped.append((name, "reduced to birth_year"))
        elif name not in contract:
            reason = identifier_reason(name) or "not in the contract for this table"
            report.columns_dropped.append((_shown(name), reason))
    return [name for name in header if name in wanted]


def _line_one(path: Path) -> list[str]:
    """The names on line 1, or none when it cannot be read as a header (the scan then says why)."""
    with path.open("rb") as handle:
        first = handle.readline(csvfile.MAX_LINE_BYTES + 1)
    try:
        return [name.strip() for name in next(csv.reader([first.decode("utf-8-sig").rstrip("\r\n")], strict=True),
                                               [])]
    except (UnicodeDecodeError, csv.Error):
        return []


def _read_csv(path: Path, table: schema.Table, report: TableReport) -> pl.DataFrame:
    """The columns to read of every record that can be read, as text, with its ``line``.

    Which lines can be read is the loader's own decision (:func:`metrics.extract.csvfile.scan`): a
    stray quote costs its line only, blank lines are skipped. The records the scan leaves
    are parsed as DuckDB would: one with a quote out of place or too many or too few cells
    is not copied either."""
    line_one = _line_one(path)
    if line_one:
        # Before the scan, whose messages may name a column of line 1: a file whose line 1
        # is data, not a header, is refused naming only the contract's columns.
        _require_columns(path, table, line_one)
    try:
        scanned = csvfile.scan(path)
    except csvfile.ScanError as error:
        raise AnonymizeError(f"{path}: {error}") from None
    header = [name.strip() for name in scanned.header]
    names = _columns_to_read(path, table, header, report)
    positions = [header.index(name) for name in names]
    for fault in scanned.faults:
        report.lines_not_copied.setdefault(fault.reason, Occurrences()).add(fault.line)
    report.blank_lines = scanned.blank_lines
    record_lines = range(2, scanned.readable + 2) if scanned.record_lines is None else scanned.record_lines.tolist()
    columns: list[list[str]] = [[] for _ in names]
    line_numbers: list[int] = []
    with tempfile.TemporaryDirectory() as spare:
        with scanned.readable_file(Path(spare) / path.name).open(encoding="utf-8-sig", newline="") as handle:
            records = csv.reader(handle, strict=True)
            next(records)  # the header
            for line in record_lines:
                try:
                    cells = next(records)
                except csv.Error:
                    report.lines_not_copied.setdefault(MISPLACED_QUOTE, Occurrences()).add(line)
                    continue
                if len(cells) != len(header):
                    reason = f"malformed line: expected {len(header)} values, found {len(cells)}"
                    report.lines_not_copied.setdefault(reason, Occurrences()).add(line)
                    continue
                if any("\n" in cell for cell in cells):
                    report.multiline_records.add(line)
                for values, position in zip(columns, positions, strict=True):
                    values.append(cells[position])
                line_numbers.append(line)
    frame = {name: pl.Series(name, values, pl.String) for name, values in zip(names, columns, strict=True)}
    return pl.DataFrame({**frame, "line": pl.Series("line", line_numbers, pl.Int64)})


def _read_parquet(path: Path, table: schema.Table, report: TableReport, con: duckdb.DuckDBPyConnection
                  ) -> pl.DataFrame:
    """As :func:`_read_csv`, read as the loader reads Parquet (:mod:`metrics.extract.parquetfile`); a
    row's ``line`` is its position, the first row being 1, and a row holding bytes that are
    not UTF-8 is not copied."""
    try:
        parquet = parquetfile.open_parquet(con, path)
        names = _columns_to_read(path, table, parquet.header, report)
        positions = [parquet.header.index(name) for name in names]
        undecodable = parquet.any_undecodable(positions)
        # Only names of the contract (and birth_date) are written into SQL, never one from the file.
        select = ", ".join(f"{parquet.text(position)} AS {name}" for name, position in zip(names, positions,
                                                                                             strict=True))
        frame = parquetfile.query(con, f"""
            SELECT {select}, CAST(file_row_number + 1 AS BIGINT) AS line, {undecodable} AS undecodable
            FROM {parquet.source} ORDER BY file_row_number
            """, path)
    except parquetfile.ParquetError:
        # DuckDB's message is left out: it may quote what it found in the file.
        raise AnonymizeError(f"{path}: cannot be read as Parquet (not a Parquet file, or damaged)") from None
    assert frame is not None  # a query, not a statement: it has rows
    for line in frame.filter(pl.col("undecodable"))["line"].to_list():
        report.lines_not_copied.setdefault(parquetfile.NOT_UTF8, Occurrences()).add(line)
    return frame.filter(~pl.col("undecodable")).drop("undecodable")


# ---------------------------------------------------------------------------
# Making the extract's tables


def _pseudonymised(values: list[str | None], key: bytes, family: str, seen: dict[str, dict[str, str]]
                   ) -> list[str | None]:
    known = seen.setdefault(family, {})
    aliases: list[str | None] = []
    for value in values:
        value = (value or "").strip(schema.BLANKS)
        if not value:
            aliases.append(None)
            continue
        alias = pseudonym(key, family, value)
        if known.setdefault(alias, value) != value:  # pragma: no cover - 2**-64
            raise AnonymizeError(f"two {family} values share a pseudonym; use another key")
        aliases.append(alias)
    return aliases


def _contract_columns(table: schema.Table, raw: pl.DataFrame, key: bytes, seen: dict[str, dict[str, str]],
                      report: TableReport) -> tuple[pl.DataFrame, pl.Series]:
    """The contract's columns, ids pseudonymised and birth dates reduced, all text (as read),
    and for each row why its birth date could not be reduced (or null)."""
    columns: list[pl.Series] = []
    birth_problem = pl.Series("birth_year", [None] * raw.height, pl.String)
    for column in table.columns:
        if column.name == "birth_year" and column.name not in raw.columns and "birth_date" in raw.columns:
            given = [(value or "").strip() for value in raw["birth_date"].to_list()]
            years = [birth_year(value) if value else None for value in given]
            report.birth_dates_reduced = sum(year is not None for year in years)
            birth_problem = pl.Series("birth_year", [BIRTH_DATE_UNREADABLE if value and year is None else None
                                                     for value, year in zip(given, years, strict=True)], pl.String)
            columns.append(pl.Series(column.name, years, pl.String))
        elif column.name not in raw.columns:
            continue
        elif column.type == "id" and column.name not in KEPT_IDS:
            family = _family(table, column)
            columns.append(pl.Series(column.name, _pseudonymised(raw[column.name].to_list(), key, family, seen),
                                     pl.String))
            report.pseudonymised.append(column.name)
        else:
            columns.append(raw[column.name])
        report.columns_kept.append(column.name)
    return pl.DataFrame(columns), birth_problem


def _free_words(table: schema.Table, column: schema.Column, values: list[str | None], settings: Settings
                ) -> tuple[list[str | None], list[str | None]]:
    """A text column's values as the extract may hold them, and why each was withheld (or None)."""
    setting = CONTROLLED_LISTS.get((table.name, column.name))
    if setting is None:
        problems = [contact_details(value) if value is not None else None for value in values]
        return values, problems
    allowed = {" ".join(word.split()).casefold(): word for word in getattr(settings, setting)}
    spelled = [allowed.get(" ".join(value.split()).casefold()) if value is not None else None
               for value in values]
    problems = [f"not in the setting {setting}" if value is not None and word is None else None
                for value, word in zip(values, spelled, strict=True)]
    return spelled, problems


def _withheld(table: schema.Table, columns: pl.DataFrame, lines: pl.Series, birth_problem: pl.Series,
              con: duckdb.DuckDBPyConnection, settings: Settings, report: TableReport) -> pl.DataFrame:
    """``columns`` with every value that breaks a rule of its column left empty, counted in the report."""
    con.register("extract_rows", columns.to_arrow())
    try:
        sql, params = value_problems(table, columns.columns, "extract_rows")
        checked = con.sql(sql, params=params).pl()
    finally:
        con.unregister("extract_rows")
    written, problems = [], []
    for name in columns.columns:
        column = table.column(name)
        values, problem = checked[name], checked[f"{name}__problem"]
        if column.type == "text":
            kept, words = _free_words(table, column, values.to_list(), settings)
            values = pl.Series(name, kept, pl.String)
            problem = pl.select(pl.coalesce(problem, pl.Series(words, dtype=pl.String))).to_series()
        if name == "birth_year":
            problem = pl.select(pl.coalesce(birth_problem, problem)).to_series()
        problem = problem.alias(name)
        written.append(pl.select(pl.when(problem.is_null()).then(values).alias(name)).to_series())
        problems.append(problem)
    found = pl.DataFrame([lines.alias("line"), *problems])
    for name in columns.columns:
        counts = (found.filter(pl.col(name).is_not_null())
                  .group_by(name, maintain_order=True)
                  .agg(pl.len().alias("count"), pl.col("line").head(FIRST_LINES)))
        for reason, count, first_lines in counts.iter_rows():
            report.withheld[(name, reason)] = Occurrences(count, first_lines)
    required = [name for name in columns.columns if table.column(name).required]
    if required:
        lost = found.filter(pl.any_horizontal(pl.col(required).is_not_null()))["line"]
        report.required_withheld = Occurrences(lost.len(), lost.head(FIRST_LINES).to_list())
    return pl.DataFrame(written)


def _anonymize_table(table: schema.Table, path: Path, key: bytes, seen: dict[str, dict[str, str]],
                     con: duckdb.DuckDBPyConnection, settings: Settings) -> tuple[pl.DataFrame, TableReport]:
    report = TableReport(table.name, path.name)
    if path.suffix.lower() == ".parquet":
        raw = _read_parquet(path, table, report, con)
    else:
        raw = _read_csv(path, table, report)
    columns, birth_problem = _contract_columns(table, raw, key, seen, report)
    frame = _withheld(table, columns, raw["line"], birth_problem, con, settings, report)
    report.rows = frame.height
    return frame, report


# ---------------------------------------------------------------------------
# The manifest


def _raw_manifest(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise AnonymizeError(f"{path}: not UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        # Only where: the parser's message may quote the text it stopped at.
        where = re.search(r"\(at (.*)\)$", str(error))
        raise AnonymizeError(f"{path}: not a readable TOML file ({where.group(1) if where else 'somewhere'})"
                             ) from None


def _taken_on(given: date | None, manifest: dict[str, Any], path: Path) -> tuple[date, str]:
    """The extract's date and where it came from."""
    if given is not None:
        taken_on, origin = given, "given with --taken-on"
    elif "taken_on" in manifest:
        taken_on, origin = manifest["taken_on"], f"from the export's {MANIFEST}"
        if isinstance(taken_on, str):
            try:
                taken_on = date.fromisoformat(taken_on)
            except ValueError:
                pass  # refused below, as any other value that is not a date
        if type(taken_on) is not date:
            raise AnonymizeError(f"{path}: taken_on is not a date (expected taken_on = YYYY-MM-DD)")
    else:
        taken_on, origin = date.today(), "the day of anonymizing"
    if not schema.EARLIEST_DATE <= taken_on <= schema.LATEST_DATE:
        raise AnonymizeError(f"taken_on {origin} is outside {schema.EARLIEST_DATE} to {schema.LATEST_DATE}")
    return taken_on, origin


def _manifest(raw_dir: Path, taken_on: date | None) -> tuple[str, ManifestReport]:
    """The extract's ``extract.toml`` and what the report says of it."""
    path = raw_dir / MANIFEST
    raw = _raw_manifest(path)
    taken, origin = _taken_on(taken_on, raw, path)
    text = f"taken_on = {taken.isoformat()}\n"
    report = ManifestReport(taken, origin, "absent",
                            keys_dropped=[_shown(k) for k in raw if k not in ("taken_on", "source")])
    source = raw.get("source")
    if source is not None:
        problem = contact_details(source) if isinstance(source, str) else "not text"
        if problem:
            report.source, report.source_withheld = f"withheld: {problem}", True
        else:
            # Holds no control character (contact_details says so): only quotes and backslashes need escaping.
            escaped = source.replace("\\", "\\\\").replace('"', '\\"')
            text += f'source = "{escaped}"\n'
            report.source = "carried over"
    return text, report


# ---------------------------------------------------------------------------
# Writing the extract


def _write_extract(out_dir: Path, frames: dict[str, pl.DataFrame], manifest: str) -> None:
    """Write every table and the manifest into ``out_dir`` at once: into a folder beside it,
    renamed to ``out_dir`` when complete, so that a failure leaves no partial extract."""
    staging = out_dir.with_name(f".{out_dir.name}.partial-{os.getpid()}")
    staging.mkdir(parents=True)
    try:
        for name, frame in frames.items():
            frame.write_csv(staging / f"{name}.csv", include_header=True, line_terminator="\n",
                            quote_style="necessary", null_value="")
        (staging / MANIFEST).write_text(manifest, encoding="utf-8")
        os.replace(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def anonymize(raw_dir: Path, out_dir: Path, key_file: Path, report_path: Path | None = None,
              taken_on: date | None = None, settings: Settings | None = None) -> AnonymizeReport:
    """Write the extract of the identified export in ``raw_dir`` to ``out_dir`` (a new or empty folder).

    The report goes to ``report_path`` (default: ``<out_dir>-anonymize-report.txt`` beside
    ``out_dir``) and is returned. Raises :class:`AnonymizeError` with a message for the
    user, naming the file (and line, where there is one) but never a value, when the key,
    the export or the output folder is not usable; nothing is written then.
    """
    settings = settings or current_settings()
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    key = read_key(Path(key_file))
    if not raw_dir.is_dir():
        raise AnonymizeError(f"{raw_dir}: not a folder")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise AnonymizeError(f"{out_dir}: the extract folder must be new or empty")
    report_path = Path(report_path) if report_path else out_dir.parent / f"{out_dir.name}-anonymize-report.txt"
    if report_path.resolve().parent == out_dir.resolve():
        raise AnonymizeError(f"{report_path}: the report may not be written inside the extract folder")

    files, skipped = _raw_files(raw_dir)
    manifest, manifest_report = _manifest(raw_dir, taken_on)
    result = AnonymizeReport(raw_dir, out_dir, report_path, manifest_report, files_skipped=skipped)
    frames: dict[str, pl.DataFrame] = {}
    seen: dict[str, dict[str, str]] = {}
    with duckdb.connect() as con:
        for table in schema.TABLES:
            if table.name in files:
                frames[table.name], table_report = _anonymize_table(table, files[table.name], key, seen, con,
                                                                    settings)
                result.tables.append(table_report)
    text = result.text()
    _write_extract(out_dir, frames, manifest)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(text, encoding="utf-8")
    return result
