"""End to end in headless Chromium: every download a page offers arrives under the name it
promises (``<table>_<report date>[_public].csv``, ``<page>_<report date>[_public].xlsx``), the
workbook's About sheet says which extract, date, window, filters and mode its figures come
from, and each agency is drawn in one colour on every chart of every page (read from the
figures' own data in the browser)."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from dashboard.navigation import PAGES
from metrics.report import charts
from tests.serving import browser, demo_server, opened  # noqa: F401 - shared fixtures


def downloaded(page) -> dict[str, bytes]:
    """Click every download button of the page: the file name each download arrives under -> its bytes."""
    files = {}
    # Streamlit may keep an element of an earlier run, hidden, until the page is drawn anew.
    buttons = page.locator('[data-testid="stDownloadButton"] button').locator("visible=true")
    for index in range(buttons.count()):
        button = buttons.nth(index)
        button.scroll_into_view_if_needed()
        with page.expect_download(timeout=60_000) as arrival:
            button.click()
        download = arrival.value
        files[download.suggested_filename] = open(download.path(), "rb").read()
    return files


@pytest.mark.parametrize("present", [False, True])
def test_every_download_is_named_and_the_workbook_says_what_it_holds(demo_server, browser, present):  # noqa: F811
    base, extract, extract_date = demo_server.base, demo_server.extract, demo_server.extract_date
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    opened(page, f"{base}/adherence?window=quarter&levels=CM,RSC-I" + ("&present=1" if present else ""))
    page.get_by_role("button", name="Download every table on this page").wait_for(timeout=60_000)
    files = downloaded(page)
    report_date = extract_date.isoformat()  # the setting's default: the extract's date
    suffix = "_public" if present else ""
    assert f"adherence_{report_date}{suffix}.xlsx" in files
    csvs = [name for name in files if name.endswith(".csv")]
    assert len(csvs) >= 5 and "adherence_agency" in " ".join(csvs)
    for name in csvs:
        assert re.fullmatch(rf"[a-z_]+_{report_date}{suffix}\.csv", name), name
    book = load_workbook(io.BytesIO(files[f"adherence_{report_date}{suffix}.xlsx"]))
    about = {row[0]: row[1] for row in book[book.sheetnames[0]].iter_rows(values_only=True) if row[0]}
    assert book.sheetnames[0] == "About these figures"
    # One sheet per CSV offered, named after it.
    assert sorted(book.sheetnames[1:]) == sorted(name.removesuffix(f"_{report_date}{suffix}.csv") for name in csvs)
    assert about["Extract"] == extract.name
    assert about["Extract date"] == report_date
    assert about["Report date"] == report_date
    # The quarter up to the report date, worked out from it: three months back, plus a day.
    assert about["Counting window"].startswith("the quarter up to the report date (")
    assert about["Counting window"].endswith(f"– {extract_date:%d %b %Y})")
    assert about["Service levels"] == "CM, RSC-I"
    assert about["Presentation mode"].startswith("on:" if present else "off:")
    page.close()


def test_each_agency_has_one_colour_on_every_chart_of_every_page(demo_server, browser):  # noqa: F811
    base, names = demo_server.base, demo_server.names
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    seen: dict[str, set[tuple[str, str]]] = {}
    pages_with_agencies = set()
    for entry in PAGES:
        opened(page, f"{base}/{entry.url_path}?window=all")
        page.wait_for_timeout(1000)  # the figures draw after the script ends
        traces = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(
            plot => (plot.data || []).map(trace => ({
                name: trace.name || '', colour: (trace.marker && typeof trace.marker.color === 'string'
                    ? trace.marker.color : (trace.line && trace.line.color)) || '',
                symbol: (trace.marker && typeof trace.marker.symbol === 'string' ? trace.marker.symbol : '') })))""")
        ids = {name: agency for agency, name in names.items()}
        for trace in traces:
            if trace["name"] in ids:
                pages_with_agencies.add(entry.url_path)
                seen.setdefault(ids[trace["name"]], set()).add((trace["colour"], trace["symbol"]))
    page.close()
    assert {"adherence", "first-contact"} <= pages_with_agencies
    for agency, looks in seen.items():
        colour, symbol = charts.agency_style(agency, names)
        assert {look[0] for look in looks} == {colour}, (names[agency], looks)
        assert {look[1] for look in looks} <= {symbol, ""}, (names[agency], looks)
