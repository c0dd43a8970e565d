"""The workbook of a page's tables (metrics.report.workbook), read back with openpyxl; and the
dashboard's downloads under Streamlit's AppTest: CSVs named for their report date and mode, and one
workbook per page holding the same figures."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from metrics.extract.loader import connect
from metrics.extract.quality import extract_info
from metrics.report.workbook import ABOUT_SHEET, sheet_names, workbook
from tests.test_app import APP, demo_extract, downloads  # noqa: F401 - shared fixtures

ADHERENCE = pl.DataFrame({
    "agency_name": ["North Star", "=HYPERLINK(\"http://example.com\")"],
    "periods_due": [12, 3],
    "adherence": [0.75, None],
    "month_end": [dt.date(2026, 9, 30), dt.date(2026, 10, 31)],
})
PUBLIC = pl.DataFrame({"agency_id": ["A1", "A2", "A3"], "caseload": ["<11", "15", None], "utilization": [None, 0.5, 1.25]})
ABOUT = {"Extract": "demo", "Report date": "2026-10-31", "Presentation mode": "off"}
DEFINITIONS = {"adherence_agency": "The share of contact periods in which the required contact was made."}


def read_back(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_a_sheet_per_table_after_the_about_sheet():
    book = read_back(workbook({"adherence_agency": ADHERENCE, "caseload_agency": PUBLIC}, ABOUT, DEFINITIONS))
    assert book.sheetnames == ["About these figures", "adherence_agency", "caseload_agency"]
    sheet = book["adherence_agency"]
    assert [cell.value for cell in sheet[1]] == ["agency_name", "periods_due", "adherence", "month_end"]
    assert sheet.freeze_panes == "A2"


def test_numbers_are_numbers_rates_percentages_and_dates_dates():
    sheet = read_back(workbook({"adherence_agency": ADHERENCE}, ABOUT, DEFINITIONS))["adherence_agency"]
    due, rate, month = sheet["B2"], sheet["C2"], sheet["D2"]
    assert due.value == 12 and due.data_type == "n" and "%" not in due.number_format
    assert rate.value == 0.75 and rate.data_type == "n" and rate.number_format == "0.0%"
    assert rate.is_date is False
    assert month.is_date and month.value == dt.datetime(2026, 9, 30) and month.number_format == "yyyy-mm-dd"
    # A missing rate is an empty cell, not a zero.
    assert sheet["C3"].value is None
    # Text that reads as a formula stays text: nothing in the file runs.
    assert sheet["A3"].value == '=HYPERLINK("http://example.com")' and sheet["A3"].data_type == "s"


def test_a_public_tables_counts_are_numbers_and_its_markers_text():
    sheet = read_back(workbook({"caseload_agency": PUBLIC}, ABOUT, {}))["caseload_agency"]
    assert [(c.value, c.data_type) for c in sheet["B"][1:]] == [("<11", "s"), (15, "n"), (None, "n")]
    assert [c.value for c in sheet["C"][1:]] == [None, 0.5, 1.25]
    assert sheet["C3"].number_format == "0.0%"


def test_the_about_sheet_says_what_the_figures_are():
    book = read_back(workbook({"adherence_agency": ADHERENCE, "caseload_agency": PUBLIC}, ABOUT, DEFINITIONS))
    rows = [row for row in book[ABOUT_SHEET].iter_rows(values_only=True) if any(row)]
    assert rows == [
        ("About these figures", None),
        ("Extract", "demo"),
        ("Report date", "2026-10-31"),
        ("Presentation mode", "off"),
        ("Table", "What it counts"),
        ("adherence_agency", "The share of contact periods in which the required contact was made."),
        # A table without a definition is still listed.
        ("caseload_agency", None),
    ]
    assert book[ABOUT_SHEET]["A8"].hyperlink.location == "'adherence_agency'!A1"


def test_sheet_names_are_short_unique_and_allowed():
    names = ["a_table_with_a_name_longer_than_thirty_one", "A_TABLE_WITH_A_NAME_LONGER_THAN_THIRTY_ONE_too",
             "about these figures", "what/why?"]
    assert sheet_names(names) == {
        "a_table_with_a_name_longer_than_thirty_one": "a_table_with_a_name_longer_than",
        # Excel compares names ignoring case.
        "A_TABLE_WITH_A_NAME_LONGER_THAN_THIRTY_ONE_too": "A_TABLE_WITH_A_NAME_LONGER_TH~2",
        "about these figures": "about these figures~2",
        "what/why?": "what_why_",
    }
    tables = {name: PUBLIC for name in names}
    assert read_back(workbook(tables, ABOUT, {})).sheetnames == [ABOUT_SHEET, *sheet_names(names).values()]


# ---------------------------------------------------------------------------
# The dashboard's downloads


@pytest.fixture
def app(demo_extract, cache, monkeypatch) -> AppTest:  # noqa: F811
    monkeypatch.setenv("OVERSIGHT_EXTRACT", str(demo_extract))
    return AppTest.from_file(APP, default_timeout=120)


def offered_files(at: AppTest, downloads: dict) -> dict[str, tuple[str, bytes]]:  # noqa: F811
    """Every download of this run by its full name: (button label, contents)."""
    found = {}
    for button in at.download_button:
        name, data = downloads[Path(button.proto.url).stem]
        found[name] = (button.proto.label, data)
    return found


def as_in_the_csv(value) -> str | None:
    """A workbook's cell as the CSV writes it (metrics.report.export)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else f"{value:%Y-%m-%d %H:%M:%S}"
    return value


def same_cell(sheet_value, csv_value: str | None) -> bool:
    value = as_in_the_csv(sheet_value)
    if isinstance(value, int | float):
        return csv_value is not None and float(csv_value) == pytest.approx(value, rel=1e-12)
    return value == csv_value


def assert_sheet_is_the_csv(sheet, csv: bytes) -> None:
    frame = pl.read_csv(io.BytesIO(csv), infer_schema=False)
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == frame.columns
    assert len(rows) - 1 == frame.height
    for row, expected in zip(rows[1:], frame.rows(), strict=True):
        assert all(same_cell(a, b) for a, b in zip(row, expected, strict=True)), (sheet.title, row, expected)


def test_a_page_offers_dated_csvs_and_one_workbook_of_them(app, downloads, demo_extract):  # noqa: F811
    app.run()
    app.sidebar.date_input(key="as_of").set_value(dt.date(2026, 6, 30))
    app.sidebar.multiselect(key="service_levels").set_value(["RSC-I", "CM"])
    app.run()
    app.switch_page("app_pages/caseload.py")
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    files = offered_files(app, downloads)
    assert sorted(files) == [
        "caseload_2026-06-30.xlsx",
        "caseload_agency_2026-06-30.csv",
        "caseload_bands_2026-06-30.csv",
        "caseload_staff_2026-06-30.csv",
        "caseload_trend_2026-06-30.csv",
    ]
    label, data = files["caseload_2026-06-30.xlsx"]
    assert label == "Download every table on this page (Excel)"
    book = read_back(data)
    assert book.sheetnames == [ABOUT_SHEET, "caseload_agency", "caseload_bands", "caseload_trend", "caseload_staff"]
    for sheet in book.sheetnames[1:]:
        assert_sheet_is_the_csv(book[sheet], files[f"{sheet}_2026-06-30.csv"][1])
    assert book["caseload_agency"]["A2"].data_type == "s"
    about = {row[0]: row[1] for row in book[ABOUT_SHEET].iter_rows(values_only=True) if row[0]}
    assert about["Extract"] == demo_extract.name
    assert about["Report date"] == "2026-06-30"
    assert about["Counting window"] == "the 12 months up to the report date (01 Jul 2025 – 30 Jun 2026)"
    assert about["Agencies"] == "all" and about["Service levels"] == "RSC-I, CM" and about["Oversight"] == "BHD, DCTS"
    assert about["Presentation mode"].startswith("off")
    assert about["Software"].startswith("recovery-oversight ")
    # The extract as its load recorded it (the fingerprint changes with the build's version).
    assert about["Extract fingerprint"] == extract_info(connect(demo_extract))["fingerprint"]
    assert about["Extract date"] == "2026-10-31"
    assert dt.datetime.strptime(about["Made"], "%Y-%m-%d %H:%M:%S UTC")
    # Each table is listed with the first sentence of its definition.
    assert about["caseload_staff"].startswith("For each staff member working on the report date, the clients they "
                                              "carry that day, against the policy's caseload standard")


def test_while_presenting_the_names_say_public_and_which_referrals(app, downloads):  # noqa: F811
    app.run()
    app.sidebar.toggle(key="presenting").set_value(True)
    app.sidebar.date_input(key="as_of").set_value(dt.date(2026, 3, 31))
    app.run()
    app.switch_page("app_pages/first_contact.py")
    app.run()
    app.segmented_control(key="first_contact_group").set_value(True)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    files = offered_files(app, downloads)
    assert "first_contact_agency_emergency_2026-03-31_public.csv" in files
    assert all(name.endswith("_2026-03-31_public.csv") for name in files if name.endswith(".csv"))
    label, data = files["first_contact_2026-03-31_public.xlsx"]
    assert label == "Download every table on this page, public version with small numbers suppressed (Excel)"
    book = read_back(data)
    # Every file is named for the emergency referrals it counts; a sheet's name is cut to Excel's 31 characters.
    csvs = sorted(name.removesuffix("_2026-03-31_public.csv") for name in files if name.endswith(".csv"))
    assert all(name.endswith("_emergency") for name in csvs if name != "assignment_timeliness")
    sheets = sheet_names(csvs)
    assert "first_contact_percentiles_emerg" in sheets.values()
    assert sorted(book.sheetnames[1:]) == sorted(sheets.values())
    for table, sheet in sheets.items():
        assert_sheet_is_the_csv(book[sheet], files[f"{table}_2026-03-31_public.csv"][1])
    about = {row[0]: row[1] for row in book[ABOUT_SHEET].iter_rows(values_only=True) if row[0]}
    assert about["Presentation mode"].startswith("on: counts of 1 to 10 people show as <11")


def test_the_files_of_a_requirement_are_named_for_it(app, downloads):  # noqa: F811
    app.run()
    app.switch_page("app_pages/adherence.py")
    app.run()
    default = {name for name in offered_files(app, downloads) if name.endswith(".csv")}
    app.segmented_control(key="adherence_requirement").set_value("rst_meeting")
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    chosen = {name for name in offered_files(app, downloads) if name.endswith(".csv")}
    # The tables of one requirement carry its name; milestones and Safety/Crisis Plans are the same under both.
    per_requirement = {"adherence_agency", "adherence_funnel", "adherence_monthly", "adherence_trend", "adherence_staff"}
    for name in per_requirement:
        assert any(file.startswith(f"{name}_2026") for file in default), name
        assert any(file.startswith(f"{name}_rst_meeting_2026") for file in chosen), name
    assert {file for file in chosen if file.startswith(("milestones_", "safety_plans_"))} == {
        file for file in default if file.startswith(("milestones_", "safety_plans_"))}
