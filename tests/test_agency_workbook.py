"""The report to send back as a workbook (metrics.report.agency_reports.report_workbook, written by
`oversight validate --by-agency DIR --report-format xlsx`), read back with openpyxl: its counts per
check on a first sheet, its rows on a second, on the small extracts of tests/test_checks.py."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from metrics.cli import main
from metrics.extract.checks import CHECKS_BY_ID
from metrics.report.agency_reports import (
    REPORT_COLUMNS,
    ROWS_SHEET,
    SUMMARY_COLUMNS,
    SUMMARY_SHEET,
    write_agency_reports,
)
from tests.conftest import BASE_TABLES, write_extract
from tests.test_app import APP, downloads, undated, visit  # noqa: F401 - the fixture capturing downloads
from tests.test_checks import DATED_LATER, FORMULAS, load  # noqa: F401 - the fixture loading a hand-built extract


def _values(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def _width(sheet, column: int) -> float | None:
    """The width of the column (1 for A), in characters; openpyxl keeps equal neighbours as one range."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min <= column <= dimension.max:
            return dimension.width
    return None


def test_a_workbook_per_agency_its_counts_per_check_then_its_rows(load, tmp_path):  # noqa: F811
    con = load(DATED_LATER, "2024-06-30")
    paths = write_agency_reports(con, tmp_path / "reports", format="xlsx")
    assert [p.name for p in paths] == ["agency_A1.xlsx", "agency_A2.xlsx", "no_agency.xlsx"]

    book = load_workbook(tmp_path / "reports" / "agency_A1.xlsx")
    assert book.sheetnames == [SUMMARY_SHEET, ROWS_SHEET]
    summary = _values(book[SUMMARY_SHEET])
    assert summary[0] == SUMMARY_COLUMNS
    # A1: staff S3 (fte 1.5) and the assignment naming it; the later contact K2 and episode E2, whose
    # two later columns make two rows of the second sheet and one row counted. In the catalogue's order.
    assert [(check, severity, rows) for check, severity, _, _, rows in summary[1:]] == [
        ("out_of_range", "rejected", 1),
        ("rejected_reference", "rejected", 1),
        ("dated_later", "warning", 2),
    ]
    assert summary[1][2:4] == (CHECKS_BY_ID["out_of_range"].rule, CHECKS_BY_ID["out_of_range"].guidance)
    rows = _values(book[ROWS_SHEET])
    assert rows[0] == REPORT_COLUMNS
    assert [(check, table, line, column) for _, _, check, table, line, column, *_ in rows[1:]] == [
        ("out_of_range", "staff", 4, "fte"),
        ("rejected_reference", "assignments", 3, "staff_id"),
        ("dated_later", "episodes", 3, "assigned_at"),
        ("dated_later", "episodes", 3, "referred_at"),
        ("dated_later", "contacts", 3, "contact_at"),
    ]

    a2 = load_workbook(tmp_path / "reports" / "agency_A2.xlsx")
    assert [(r[0], r[4]) for r in _values(a2[SUMMARY_SHEET])[1:]] == [("dated_later", 1)]   # S2, hired later
    none = load_workbook(tmp_path / "reports" / "no_agency.xlsx")
    assert [(r[0], r[4]) for r in _values(none[SUMMARY_SHEET])[1:]] == [("out_of_range", 1)]   # C3, born 1800
    # The extract's own value of digits stays the text it is, not the number 1800.
    value = none[ROWS_SHEET]["G2"]
    assert (value.value, value.data_type) == ("1800", "s")


def test_headers_are_frozen_and_sentences_wrapped_at_a_readable_width(load, tmp_path):  # noqa: F811
    con = load(DATED_LATER, "2024-06-30")
    (path, *_) = write_agency_reports(con, tmp_path / "reports", format="xlsx")
    book = load_workbook(path)
    for sheet in book:
        assert sheet.freeze_panes == "A2"
    summary = book[SUMMARY_SHEET]
    # Rule and guidance (C, D) are sentences: kept to one width, wrapped; the counts (E) fitted.
    # 430 pixels: 60 characters of Excel's default font, and its padding; fitted to their longest
    # sentence they would be wider.
    assert _width(summary, 3) == _width(summary, 4) == pytest.approx(61.4, abs=0.1)
    assert summary["C2"].alignment.wrap_text and summary["D2"].alignment.wrap_text
    assert not summary["A2"].alignment.wrap_text
    assert 4 < _width(summary, 5) < 12
    assert summary["E2"].data_type == "n"


def test_a_value_starting_like_a_formula_stays_text(load, tmp_path):  # noqa: F811
    con = load(FORMULAS, "2024-06-30")
    write_agency_reports(con, tmp_path / "reports", format="xlsx")
    rows = _values(load_workbook(tmp_path / "reports" / "agency_A1.xlsx")[ROWS_SHEET])
    # As in the CSV (rejected first), but the value is the extract's own, a text cell: nothing runs.
    assert [(r[2], r[6]) for r in rows[1:]] == [("out_of_range", "1.5"), ("formula_text", "=SUM(1)")]
    sheet = load_workbook(tmp_path / "reports" / "agency_A2.xlsx")[ROWS_SHEET]
    cells = [sheet.cell(row, 7) for row in range(2, sheet.max_row + 1)]
    assert [(c.value, c.data_type) for c in cells] == [("-East", "s"), ("+1 fall", "s")]
    assert all(not isinstance(c.value, str) or not c.value.startswith("'") for c in cells)


def test_validate_writes_workbooks_with_report_format_xlsx(tmp_path, cache, capsys):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    out = tmp_path / "reports"
    assert main(["validate", "--extract", str(folder), "--by-agency", str(out), "--report-format", "xlsx"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["agency_A1.xlsx", "agency_A2.xlsx", "no_agency.xlsx"]
    assert "3 XLSX files in" in capsys.readouterr().out
    assert load_workbook(out / "agency_A1.xlsx").sheetnames == [SUMMARY_SHEET, ROWS_SHEET]


def test_validate_refuses_an_unknown_report_format(tmp_path, cache, capsys):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    with pytest.raises(SystemExit) as stopped:
        main(["validate", "--extract", str(folder), "--by-agency", str(tmp_path / "reports"),
              "--report-format", "ods"])
    assert stopped.value.code == 2
    assert "invalid choice: 'ods'" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()


def test_the_page_offers_an_agencys_report_as_csv_and_as_workbook(tmp_path, cache, monkeypatch, downloads):  # noqa: F811
    from streamlit.testing.v1 import AppTest

    tables = dict(BASE_TABLES)
    # K3: K1 again under another id (A1's, a warning); client C3 born in 1800 (rejected, no agency).
    tables["contacts"] += "K3,E1,S1,2024-03-01 15:00,client,phone\n"
    tables["clients"] += "C3,,1800\n"
    monkeypatch.setenv("OVERSIGHT_EXTRACT", str(write_extract(tmp_path / "extract", tables)))
    at = visit(AppTest.from_file(APP, default_timeout=120), "app_pages/data_quality.py")
    labels = {button.proto.label for button in at.download_button}
    assert {"Download its report (CSV)", "Download its report (Excel)"} <= labels
    offered = {undated(name): data for name, data in downloads.values()}
    # Alpha (A1), the first agency: its three contacts of March and none in April (the extract's date is
    # S2's separation, 2025-06-30), K3, and E2 never assigned. One row each, as in its CSV.
    book = load_workbook(io.BytesIO(offered["agency_A1.xlsx"]))
    assert [(r[0], r[4]) for r in _values(book[SUMMARY_SHEET])[1:]] == [
        ("volume_drop", 1), ("duplicate_contact", 1), ("unassigned_referral", 1)]
    csv_rows = list(csv.reader(io.StringIO(offered["agency_A1.csv"].decode())))
    assert [(r[2], r[3], str(r[4])) for r in _values(book[ROWS_SHEET])] == [(r[2], r[3], r[4]) for r in csv_rows]

    downloads.clear()
    at.selectbox(key="report_agency").select_index(2)   # A1, A2, then the rows naming no agency
    at.run()
    offered = {undated(name): data for name, data in downloads.values()}
    book = load_workbook(io.BytesIO(offered["no_agency.xlsx"]))
    assert [(r[0], r[1], r[4]) for r in _values(book[SUMMARY_SHEET])[1:]] == [("out_of_range", "rejected", 1)]
