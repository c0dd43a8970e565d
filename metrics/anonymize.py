"""Turning an identified export into an extract that meets the contract.

An *identified export* is a folder with one CSV per table, named as in the contract
(``clients.csv``, ``episodes.csv``, …), whose tables may carry more columns than the
contract (names, addresses, notes, …) and ``birth_date`` where the contract has
``birth_year``. :func:`anonymize` writes the extract the dashboard reads:

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
- **Birth dates** (``birth_date``: ``YYYY-MM-DD``, optionally followed by a time, or
  ``MM/DD/YYYY``) become ``birth_year``; a birth date in another form is left empty
  and counted in the report.
- **Everything else outside the contract is dropped**: direct identifiers (recognised
  by name, see :data:`IDENTIFIER_PATTERNS`, only to give the reason in the report) and
  every other column the contract does not list for that table. Files that are not a
  contract table are not copied.

The report (what was dropped and why, what was pseudonymised, how many birth dates
were reduced) is written as text next to the extract, never inside it: the extract
folder holds table files only.

The key is a file of at least 32 random bytes, readable by its owner only::

    head -c 32 /dev/urandom > oversight.key && chmod 600 oversight.key

Keep it out of the extract and out of version control; lose it and new extracts no
longer match old ones.

Every raw cell is read as text (the csv module): nothing is type-inferred, so ids
keep their leading zeros. The extract is written with :func:`metrics.export.write_csv`.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from metrics import schema
from metrics.export import write_csv

MIN_KEY_BYTES = 32

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


class AnonymizeError(Exception):
    """The export cannot be anonymized; the message says why and what to do."""


@dataclass
class TableReport:
    table: str
    rows: int
    columns_kept: list[str] = field(default_factory=list)
    columns_dropped: list[tuple[str, str]] = field(default_factory=list)  # (column, reason)
    pseudonymised: list[str] = field(default_factory=list)
    birth_dates_reduced: int = 0
    birth_dates_unreadable: int = 0


@dataclass
class AnonymizeReport:
    raw_dir: Path
    out_dir: Path
    report_path: Path
    tables: list[TableReport] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [
            "Anonymization report",
            f"identified export: {self.raw_dir}",
            f"extract written:   {self.out_dir}",
            "",
        ]
        for t in self.tables:
            lines.append(f"{t.table}: {t.rows} rows")
            lines.append(f"  columns kept: {', '.join(t.columns_kept) or '(none)'}")
            lines.append(f"  pseudonymised: {', '.join(t.pseudonymised) or '(none)'}")
            if t.birth_dates_reduced or t.birth_dates_unreadable:
                lines.append(f"  birth_date reduced to birth_year: {t.birth_dates_reduced} rows"
                             + (f"; {t.birth_dates_unreadable} not understood, left empty"
                                if t.birth_dates_unreadable else ""))
            for column, reason in t.columns_dropped:
                lines.append(f"  dropped {column}: {reason}")
        if self.files_skipped:
            lines.append("")
            lines.append("files not copied (not a table of the contract): " + ", ".join(self.files_skipped))
        return "\n".join(lines) + "\n"


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


def _family(table: schema.Table, column: schema.Column) -> str:
    if column.references:
        return schema.TABLES_BY_NAME[column.references].key.name
    return column.name


_ISO_DATE = re.compile(r"\s*(\d{4})-\d{2}-\d{2}([ T].*)?\s*")
_US_DATE = re.compile(r"\s*\d{1,2}/\d{1,2}/(\d{4})\s*")


def birth_year(value: str) -> str | None:
    match = _ISO_DATE.fullmatch(value) or _US_DATE.fullmatch(value)
    return match.group(1) if match else None


def _read_raw(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise AnonymizeError(f"{path}: empty file, no header row")
            body = [row for row in reader if row]
    except UnicodeDecodeError as error:
        raise AnonymizeError(f"{path}: not UTF-8 ({error})") from None
    except csv.Error as error:
        raise AnonymizeError(f"{path}: not a readable CSV file ({error})") from None
    header = [name.strip() for name in header]
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise AnonymizeError(f"{path}: column given twice: {', '.join(duplicates)}")
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise AnonymizeError(f"{path}: record {number} has {len(row)} cells, the header has {len(header)}")
    return header, body


def _anonymize_table(table: schema.Table, path: Path, key: bytes, seen: dict[str, dict[str, str]]
                     ) -> tuple[pl.DataFrame, TableReport]:
    header, body = _read_raw(path)
    report = TableReport(table.name, len(body))
    contract = {c.name: c for c in table.columns}
    position = {name: i for i, name in enumerate(header)}
    columns: dict[str, pl.Series] = {}
    for name in header:
        if name in contract:
            continue
        if name == "birth_date" and "birth_year" in contract:
            continue  # becomes birth_year below
        reason = identifier_reason(name) or "not in the contract for this table"
        report.columns_dropped.append((name, reason))
    for column in table.columns:
        if column.name == "birth_year" and "birth_year" not in position and "birth_date" in position:
            years = [birth_year(row[position["birth_date"]]) for row in body]
            filled = sum(1 for row in body if row[position["birth_date"]].strip())
            report.birth_dates_reduced = sum(1 for y in years if y is not None)
            report.birth_dates_unreadable = filled - report.birth_dates_reduced
            report.columns_dropped.append(("birth_date", "reduced to birth_year"))
            columns["birth_year"] = pl.Series("birth_year", [int(y) if y else None for y in years], pl.Int64)
            report.columns_kept.append("birth_year")
            continue
        if column.name not in position:
            continue
        values = [row[position[column.name]] for row in body]
        if column.type == "id" and column.name not in KEPT_IDS:
            family = _family(table, column)
            known = seen.setdefault(family, {})
            out = []
            for value in values:
                value = value.strip(" \t")
                if not value:
                    out.append(None)
                    continue
                alias = pseudonym(key, family, value)
                if known.setdefault(alias, value) != value:  # pragma: no cover - 2**-64
                    raise AnonymizeError(f"two {family} values share a pseudonym; use another key")
                out.append(alias)
            values = out
            report.pseudonymised.append(column.name)
        else:
            values = [v if v != "" else None for v in values]
        columns[column.name] = pl.Series(column.name, values, pl.String)
        report.columns_kept.append(column.name)
    if "birth_year" in position and "birth_date" in position and "birth_year" in contract:
        report.columns_dropped.append(("birth_date", "direct identifier (birth date); birth_year given"))
    return pl.DataFrame(list(columns.values())), report


def anonymize(raw_dir: Path, out_dir: Path, key_file: Path, report_path: Path | None = None) -> AnonymizeReport:
    """Write the extract of the identified export in ``raw_dir`` to ``out_dir`` (a new or empty folder).

    The report goes to ``report_path`` (default: ``<out_dir>-anonymize-report.txt`` beside
    ``out_dir``) and is returned. Raises :class:`AnonymizeError` with a message for the
    user when the key, the export or the output folder is not usable.
    """
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    key = read_key(Path(key_file))
    if not raw_dir.is_dir():
        raise AnonymizeError(f"{raw_dir}: not a folder")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise AnonymizeError(f"{out_dir}: the extract folder must be new or empty")
    report_path = Path(report_path) if report_path else out_dir.parent / f"{out_dir.name}-anonymize-report.txt"
    if report_path.resolve().parent == out_dir.resolve():
        raise AnonymizeError(f"{report_path}: the report may not be written inside the extract folder")

    files = {p.stem: p for p in sorted(raw_dir.iterdir()) if p.is_file() and p.suffix.lower() == ".csv"}
    skipped = sorted(p.name for p in raw_dir.iterdir() if p.is_file() and p.stem not in schema.TABLES_BY_NAME
                     and not p.name.startswith("."))
    missing = [t.name for t in schema.TABLES if t.core and t.name not in files]
    if missing:
        raise AnonymizeError(f"{raw_dir}: missing core table{'s' if len(missing) > 1 else ''} "
                             + ", ".join(f"{m}.csv" for m in missing))

    result = AnonymizeReport(raw_dir, out_dir, report_path, files_skipped=skipped)
    frames: dict[str, pl.DataFrame] = {}
    seen: dict[str, dict[str, str]] = {}
    for table in schema.TABLES:
        if table.name in files:
            frames[table.name], table_report = _anonymize_table(table, files[table.name], key, seen)
            result.tables.append(table_report)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        write_csv(frame, out_dir / f"{name}.csv")
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(result.text(), encoding="utf-8")
    return result
