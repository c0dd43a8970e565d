"""Drill-through: the agency a clicked point stands for (worked by hand), and in Chromium a
click on an agency's bar narrows the page, its sidebar and its address to that agency."""

from __future__ import annotations

import pytest

from metrics.report.drill import agency_of_point
from tests.serving import RUNNING, SIDEBAR, browser, demo_server, opened, screenshot  # noqa: F401 - shared fixtures

NAMES = {"A1": "Alpha Recovery", "A2": "Beta County CRS"}
FUNNEL = ["99.8% limits", None, "95% limits", None, "overall 56%", "Alpha Recovery", "Beta County CRS"]


@pytest.mark.parametrize(("point", "agency"), [
    ({"y": "Alpha Recovery", "x": 0.93, "curve_number": 0}, "A1"),          # a bar or dot per agency
    ({"y": "Beta County CRS · CM", "x": 0.7, "curve_number": 0}, "A2"),     # per agency and level
    ({"x": 120, "y": 0.8, "curve_number": 6}, "A2"),                        # a marker named in the legend
    ({"x": 120, "y": 0.91, "curve_number": 0}, None),                       # a limit line
    ({"x": "2026-01-01", "y": 0.8, "curve_number": 9}, None),               # no such trace
    ({"x": "Gamma Services", "y": 3}, None),                                # an agency this visitor cannot see
])
def test_the_agency_a_point_stands_for(point, agency):
    assert agency_of_point(point, FUNNEL, NAMES) == agency


def test_clicking_an_agencys_bar_narrows_the_page_to_it(demo_server, browser):  # noqa: F811
    base, names = demo_server.base, demo_server.names
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    opened(page, f"{base}/caseload")
    bars = page.locator(".js-plotly-plot").first.locator("g.trace.bars path")
    bars.first.wait_for(timeout=60_000)
    # The first bar is the first agency's (agencies listed top down, in the legend's order).
    clicked = page.locator(".js-plotly-plot").first.evaluate("plot => plot.data[0].y[0]")
    # Plotly listens on the layer above its marks: a click where the bar is drawn.
    box = bars.first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(lambda url: "agencies=" in url, timeout=30_000)
    page.wait_for_selector(RUNNING, state="detached", timeout=60_000)
    agency = next(agency for agency, name in names.items() if name == clicked)
    assert f"agencies={agency}" in page.url
    chosen = page.locator(f'{SIDEBAR} [data-testid="stMultiSelect"]').first.inner_text()
    assert clicked in chosen
    # Every chart now draws that agency alone.
    page.wait_for_function(
        "name => [...document.querySelectorAll('.js-plotly-plot')][0].data[0].y.every(y => y === name)",
        arg=clicked, timeout=30_000)
    screenshot(page, "drill-caseload-1440")
    page.close()


def test_a_staff_members_row_opens_their_worklists(demo_server, browser):  # noqa: F811
    base = demo_server.base
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    opened(page, f"{base}/caseload")
    grid = page.locator('[data-testid="stDataFrame"]').last
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = grid.bounding_box()
    # The table draws on a canvas: the first row's selection box sits at its left, under the header.
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)
    page.wait_for_url(lambda url: "/worklists" in url, timeout=30_000)
    page.get_by_role("heading", name="Worklists").first.wait_for(timeout=60_000)
    page.wait_for_selector(RUNNING, state="detached", timeout=60_000)
    chosen = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first.inner_text()
    assert chosen.startswith("Staff member") and "Everyone" not in chosen
    screenshot(page, "drill-staff-worklists-1440")
    page.close()


def test_the_overviews_details_keep_the_filters(demo_server, browser):  # noqa: F811
    base = demo_server.base
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    opened(page, f"{base}/?levels=CM&window=quarter")
    page.get_by_role("link", name="Details").first.click()
    page.wait_for_url(lambda url: "/caseload" in url and "levels=CM" in url and "window=quarter" in url,
                      timeout=30_000)
    assert page.locator(f'{SIDEBAR} [data-testid="stMultiSelect"]').nth(1).inner_text().count("CM") == 1
    page.close()
