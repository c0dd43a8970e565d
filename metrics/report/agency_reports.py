"""The data-quality report to send back: per agency, its rejected rows and its warnings, each with
where it is (table, line, column), the value, the reason, and the check's rule and guidance
(``metrics.extract.checks``); and one more for the rows that name no agency.

Every value is one the extract holds (its ids are pseudonyms already): nothing is added but the
checks' words and the counts and dates a warning states. A value longer than
``VALUE_MAX_CHARS`` (a whole line that could not be read) is cut there, saying so: the line
number finds the rest. The files are written by ``metrics.report.export``, so that a value
starting like a formula is shown as text.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl

from metrics.extract.check_results import findings
from metrics.extract.checks import CATALOGUE
from metrics.policy.settings import Settings
from metrics.policy.settings import settings as current_settings
from metrics.report.export import write_csv

REPORT_COLUMNS = ("agency_id", "severity", "check", "table", "line", "column", "value", "reason", "rule", "guidance")
NO_AGENCY_FILE = "no_agency.csv"
VALUE_MAX_CHARS = 500
_FILE_NAME_MAX = 80


def agency_reports(con: duckdb.DuckDBPyConnection, settings: Settings | None = None) -> dict[str | None, pl.DataFrame]:
    """Each agency's report (``REPORT_COLUMNS``), None's holding the rows that name no agency.
    Every agency of the extract has one, empty when nothing was found, and so does every agency
    id that rows name without the extract holding the agency; in agency order, None last. Rows
    as :func:`metrics.extract.check_results.findings` orders them."""
    settings = settings or current_settings()
    found = findings(con, settings)
    words = pl.DataFrame(
        {"check": [c.id for c in CATALOGUE], "rule": [c.rule_text(settings) for c in CATALOGUE],
         "guidance": [c.guidance for c in CATALOGUE]}
    )
    rows = (
        found.join(words, on="check", how="left", maintain_order="left")
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


def report_file_names(agencies: list[str | None]) -> dict[str | None, str]:
    """The file of each agency's report: ``agency_<id>.csv``, the id kept to letters, digits,
    '.', '-' and '_' (anything else becomes '_', so that no id can reach outside the folder) and
    made unique; ``no_agency.csv`` for None."""
    names: dict[str | None, str] = {}
    used = {NO_AGENCY_FILE.lower()}
    for agency in agencies:
        if agency is None:
            names[None] = NO_AGENCY_FILE
            continue
        stem = "agency_" + re.sub(r"[^A-Za-z0-9._-]", "_", agency)[:_FILE_NAME_MAX]
        name, number = f"{stem}.csv", 1
        # Two ids alike once cleaned, or alike but for case on a file system that ignores it.
        while name.lower() in used:
            number += 1
            name = f"{stem}~{number}.csv"
        used.add(name.lower())
        names[agency] = name
    return names


def write_agency_reports(con: duckdb.DuckDBPyConnection, out_dir: Path,
                         settings: Settings | None = None) -> list[Path]:
    """Write each agency's report (:func:`agency_reports`) as a CSV file in ``out_dir`` (made
    if missing), named by :func:`report_file_names`; the paths written, in agency order, the file
    of rows naming no agency last."""
    reports = agency_reports(con, settings)
    names = report_file_names(list(reports))
    paths = []
    for agency, frame in reports.items():
        path = Path(out_dir) / names[agency]
        write_csv(frame, path)
        paths.append(path)
    return paths
