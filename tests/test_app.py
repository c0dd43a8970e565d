"""Every dashboard page under Streamlit's AppTest: renders without exception under several
filter combinations, and its downloads hold exactly the figures for the filters shown."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from dashboard.navigation import PAGE_FILES
from metrics.extract.loader import connect
from metrics.measures.registry import MEASURES, contract_first
from metrics.policy.filters import Filters
from metrics.policy.settings import settings
from metrics.policy.window import Window
from metrics.report.labels import columns, in_words

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
PAGES = list(PAGE_FILES)


@pytest.fixture(scope="module")
def demo_extract(tmp_path_factory) -> Path:
    from metrics.demo import write_demo

    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, seed=7, scale=0.3)
    return folder


@pytest.fixture(scope="module")
def first_bhd_agency(demo_extract, tmp_path_factory) -> str:
    return connect(demo_extract).sql(
        "SELECT min(agency_id) FROM agencies WHERE oversight = 'BHD'").fetchall()[0][0]


@pytest.fixture
def app(demo_extract, cache, monkeypatch) -> AppTest:
    monkeypatch.setenv("OVERSIGHT_EXTRACT", str(demo_extract))
    return AppTest.from_file(APP, default_timeout=60)


@pytest.fixture
def downloads(monkeypatch) -> dict[str, tuple[str | None, bytes]]:
    """Everything a download button offered during the run, by media file id."""
    offered: dict[str, tuple[str | None, bytes]] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def capture(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        data = path_or_data.encode() if isinstance(path_or_data, str) else path_or_data
        offered[file_id] = (filename, data)
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", capture)
    return offered


def undated(file_name: str) -> str:
    """A download's name without its report date: ``caseload_staff_2026-06-30.csv`` is ``caseload_staff.csv``,
    ``caseload_trend_2026-06-30_public.csv`` is ``caseload_trend_public.csv``."""
    return re.sub(r"_\d{4}-\d{2}-\d{2}(?=(_public)?\.\w+$)", "", file_name)


def download_text(file_name: str | None, data: bytes) -> str:
    """A download as text: a CSV as written, a workbook (.xlsx) as the values of its cells, a PDF
    as pdftotext reads it."""
    if (file_name or "").endswith(".pdf"):
        return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    if not (file_name or "").endswith(".xlsx"):
        return data.decode("utf-8")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(str(value) for sheet in book for row in sheet.iter_rows(values_only=True)
                     for value in row if value is not None)


def offered_csv(at: AppTest, downloads: dict, file_name: str) -> pl.DataFrame:
    for button in at.download_button:
        file_id = Path(button.proto.url).stem
        name, data = downloads[file_id]
        if undated(name) == file_name:
            return pl.read_csv(io.BytesIO(data), try_parse_dates=True)
    raise AssertionError(f"no download named {file_name}")


def visit(at: AppTest, page: str) -> AppTest:
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_default_filters(app, page):
    at = visit(app, page)
    assert at.title, "a page has a title"


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("choice", ["dcts_only", "one_agency_cm", "narrow_period", "early_as_of"])
def test_every_page_renders_under_filter_combinations(app, page, choice, first_bhd_agency):
    app.run()
    if choice == "dcts_only":
        app.sidebar.segmented_control(key="oversight").set_value(["DCTS"])
    elif choice == "one_agency_cm":
        app.sidebar.multiselect(key="agencies").set_value([first_bhd_agency])
        app.sidebar.multiselect(key="service_levels").set_value(["CM"])
    elif choice == "narrow_period":
        app.sidebar.selectbox(key="window").set_value("dates")
        app.run()
        app.sidebar.date_input(key="period").set_value((dt.date(2026, 1, 1), dt.date(2026, 3, 31)))
    else:
        app.sidebar.date_input(key="as_of").set_value(dt.date(2024, 6, 30))
    app.run()
    app.switch_page(page)
    app.run()
    assert not app.exception, [e.message for e in app.exception]


def test_filters_stay_put_between_pages(app):
    app.run()
    app.sidebar.multiselect(key="service_levels").set_value(["RSC-I"])
    app.run()
    for page in PAGES:
        app.switch_page(page)
        app.run()
        assert app.sidebar.multiselect(key="service_levels").value == ["RSC-I"]


# The downloads of tables whose statuses are written in words (metrics.report.labels).
TABLES_IN_WORDS = {"caseload_staff", "action_plans"}


@pytest.mark.parametrize("page,file_name,measure,page_choice", [
    ("app_pages/caseload.py", "caseload_staff.csv", "caseload_staff", None),
    # These pages show one requirement, or one kind of referral, at a time (by default the first).
    ("app_pages/adherence.py", "adherence_agency.csv", "adherence_agency", pl.col("requirement") == "client_contact"),
    ("app_pages/first_contact.py", "first_contact_agency.csv", "first_contact_agency", ~pl.col("emergency")),
    ("app_pages/monitoring.py", "monitoring_status.csv", "monitoring_status", None),
    ("app_pages/action_plans.py", "action_plans.csv", "action_plans", None),
])
def test_downloads_hold_the_filtered_figures(app, downloads, demo_extract, page, file_name, measure, page_choice):
    """The download of a table holds the measure's rows for the sidebar's filters, over the
    default counting window, its codes in the words the table shows them in."""
    app.run()
    as_of = dt.date(2026, 6, 30)
    app.sidebar.date_input(key="as_of").set_value(as_of)
    app.sidebar.multiselect(key="service_levels").set_value(["RSC-I", "CM"])
    app.run()
    app.switch_page(page)
    app.run()
    offered = offered_csv(app, downloads, file_name)
    output = next(o for o in MEASURES if o.name == measure)
    counted = Window(settings().default_window).counted(Filters(as_of=as_of, service_levels=("RSC-I", "CM")))
    expected = in_words(contract_first(output.compute(connect(demo_extract), counted), output.contract_columns),
                        columns(Path(file_name).stem) if Path(file_name).stem in TABLES_IN_WORDS else None)
    if page_choice is not None:
        expected = expected.filter(page_choice)
    # The page offers the rows of this filter (with readable names beside the ids), and every
    # figure it shares with the measure is the measure's own.
    assert offered.height == expected.height > 0
    shared = [c for c in expected.columns if c in offered.columns]
    assert {"agency_id"} <= set(shared)
    assert_frame_equal(offered.select(shared).sort(shared, nulls_last=True),
                       expected.select(shared).sort(shared, nulls_last=True), check_dtypes=False)
