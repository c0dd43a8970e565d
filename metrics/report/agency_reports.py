"""The data-quality report to send back: per agency, its rejected rows and its warnings, each with
where it is (table, line, column), the value, the reason, and the check's rule and guidance
(``metrics.extract.checks``); and one more for the rows that name no agency.

Every value is one the extract holds (its ids are pseudonyms already): nothing is added but the
checks' words and the counts and dates a warning states. A value longer than
``VALUE_MAX_CHARS`` (a whole line that could not be read) is cut there, saying so: the line
number finds the rest.

A report is a CSV file (``metrics.report.export``: a value starting like a formula is written with
a leading apostrophe) or an Excel workbook (``metrics.report.workbook``: text written as text,
never as a formula), whose first sheet counts the rows each check found, with its rule and guidance,
and whose second holds the rows as the CSV does.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl

from metrics.extract.check_results import counts_by_agency, findings
from metrics.extract.checks import CATALOGUE
from metrics.policy.settings import Settings
from metrics.policy.settings import settings as current_settings
from metrics.report import ReportFormat
from metrics.report.export import write_csv
from metrics.report.workbook import workbook

REPORT_COLUMNS = ("agency_id", "severity", "check", "table", "line", "column", "value", "reason", "rule", "guidance")
SUMMARY_COLUMNS = ("check", "severity", "rule", "guidance", "rows")
SUMMARY_SHEET, ROWS_SHEET = "Summary", "Rows"
NO_AGENCY_STEM = "no_agency"
NO_AGENCY_FILE = f"{NO_AGENCY_STEM}.csv"
VALUE_MAX_CHARS = 500
_FILE_NAME_MAX = 80


def agency_reports(con: duckdb.DuckDBPyConnection, settings: Settings | None = None) -> dict[str | None, pl.DataFrame]:
    """Each agency's report (``REPORT_COLUMNS``), None's holding the rows that name no agency.
    Every agency of the extract has one, empty when nothing was found, and so does every agency
    id that rows name without the extract holding the agency; in agency order, None last. Rows
    as :func:`metrics.extract.check_results.findings` orders them."""
    settings = settings or current_settings()
    found = findings(con, settings)
    rows = (
        found.join(_words(settings), on="check", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("value").str.len_chars() > VALUE_MAX_CHARS)
            .then(pl.col("value").str.slice(0, VALUE_MAX_CHARS)
                  + pl.format(" ... (cut: {} characters in all)", pl.col("value").str.len_chars()))
            .otherwise(pl.col("value")).alias("value"),
        )
        .rename({"detail": "reason"})
        .select(REPORT_COLUMNS)
    )
    known = con.cursor().execute("SELECT agency_id FROM agencies WHERE agency_id IS NOT NULL").fetchall()
    agencies = sorted({agency for (agency,) in known} | set(rows["agency_id"].drop_nulls().to_list()))
    reports: dict[str | None, pl.DataFrame] = {
        agency: rows.filter(pl.col("agency_id") == agency) for agency in agencies
    }
    reports[None] = rows.filter(pl.col("agency_id").is_null())
    return reports


def _words(settings: Settings) -> pl.DataFrame:
    """Each check's rule, in the words of these settings, and its guidance."""
    return pl.DataFrame(
        {"check": [c.id for c in CATALOGUE], "rule": [c.rule_text(settings) for c in CATALOGUE],
         "guidance": [c.guidance for c in CATALOGUE]}
    )


def report_summary(counts: pl.DataFrame, agency: str | None, settings: Settings | None = None) -> pl.DataFrame:
    """The first sheet of an agency's workbook (``SUMMARY_COLUMNS``): the rows each check found for
    ``agency`` (None: the rows naming no agency), from the counts of
    :func:`metrics.extract.check_results.counts_by_agency`, in the catalogue's order; a check that
    found nothing is left out."""
    return (
        counts.filter(pl.col("agency_id").eq_missing(pl.lit(agency, dtype=pl.String)))
        .join(_words(settings or current_settings()), on="check", how="left", maintain_order="left")
        .select(SUMMARY_COLUMNS)
    )


def report_workbook(summary: pl.DataFrame, rows: pl.DataFrame) -> bytes:
    """An agency's report as an .xlsx file: its ``summary`` (:func:`report_summary`), then its rows."""
    # The rows hold the extract's own values: a value of digits stays the text it is.
    return workbook({SUMMARY_SHEET: summary, ROWS_SHEET: rows}, counts_as_numbers=False)


def report_file_names(agencies: list[str | None], format: ReportFormat = "csv") -> dict[str | None, str]:
    """The file of each agency's report: ``agency_<id>.<format>``, the id kept to letters,
    digits, '.', '-' and '_' (anything else becomes '_', so that no id can reach outside the
    folder) and made unique; ``no_agency.<format>`` for None."""
    names: dict[str | None, str] = {}
    no_agency = f"{NO_AGENCY_STEM}.{format}"
    used = {no_agency.lower()}
    for agency in agencies:
        if agency is None:
            names[None] = no_agency
            continue
        stem = "agency_" + re.sub(r"[^A-Za-z0-9._-]", "_", agency)[:_FILE_NAME_MAX]
        name, number = f"{stem}.{format}", 1
        # Two ids alike once cleaned, or alike but for case on a file system that ignores it.
        while name.lower() in used:
            number += 1
            name = f"{stem}~{number}.{format}"
        used.add(name.lower())
        names[agency] = name
    return names


def write_agency_reports(con: duckdb.DuckDBPyConnection, out_dir: Path, settings: Settings | None = None,
                         format: ReportFormat = "csv") -> list[Path]:
    """Write each agency's report (:func:`agency_reports`) as a CSV file or a workbook
    (:func:`report_workbook`) in ``out_dir`` (made if missing), named by
    :func:`report_file_names`; the paths written, in agency order, the file of rows naming no
    agency last."""
    reports = agency_reports(con, settings)
    names = report_file_names(list(reports), format)
    counts = counts_by_agency(con, settings)
    paths = []
    for agency, frame in reports.items():
        path = Path(out_dir) / names[agency]
        if format == "csv":
            write_csv(frame, path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(report_workbook(report_summary(counts, agency, settings), frame))
        paths.append(path)
    return paths
