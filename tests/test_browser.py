"""End to end: the real app served by `oversight serve`, driven through every page in headless
Chromium. Screenshots land in tests/artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

import os

import pytest

from tests.serving import PAGES, RUNNING, browser, free_port, screenshot, served  # noqa: F401 - shared fixture


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from metrics.demo import write_demo

    extract = tmp_path_factory.mktemp("extract")
    write_demo(extract, seed=11, scale=0.5)
    env = {**os.environ, "OVERSIGHT_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    with served(extract, free_port(), env, tmp_path_factory.mktemp("log") / "server.log") as base:
        yield base


@pytest.mark.parametrize("path,title,charts", PAGES)
def test_page_renders_its_charts_without_error(server, browser, path, title, charts):  # noqa: F811
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(f"{server}/{path}", wait_until="domcontentloaded")
    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
    # Wait until Streamlit has finished running the script.
    page.wait_for_selector(RUNNING, state="detached", timeout=60_000)
    if charts:
        # A chart has rendered once its plot holds an SVG (each holds two, hence counting plots).
        page.wait_for_function(
            "[...document.querySelectorAll('.js-plotly-plot')].filter(e => e.querySelector('.main-svg')).length"
            f" >= {charts}", timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    assert page.locator(".js-plotly-plot").count() >= charts
    screenshot(page, path or "overview", whole=True)
    page.close()


def test_filters_carry_across_pages_in_the_browser(server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(f"{server}/caseload", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Caseload utilization").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="DCTS").click()  # leave only BHD selected
    page.wait_for_selector(RUNNING, state="detached", timeout=60_000)
    page.get_by_role("link", name="Time to first contact").click()
    page.get_by_role("heading", name="Time to first contact").first.wait_for(timeout=60_000)
    page.wait_for_selector(RUNNING, state="detached", timeout=60_000)
    pressed = page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"] button[aria-pressed="true"]')
    assert pressed.all_inner_texts() == ["BHD"]
    page.close()


def test_presentation_mode_in_the_browser(server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(f"{server}/first-contact", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Time to first contact").first.wait_for(timeout=60_000)
    page.wait_for_selector(RUNNING, state="detached", timeout=60_000)
    page.locator('[data-testid="stSidebar"]').get_by_text("Presentation mode").click()
    page.get_by_text("figures are suppressed for presenting").first.wait_for(timeout=60_000)
    page.wait_for_selector(RUNNING, state="detached", timeout=60_000)
    page.wait_for_function(
        "[...document.querySelectorAll('.js-plotly-plot')].filter(e => e.querySelector('.main-svg')).length >= 5",
        timeout=60_000,
    )
    assert page.locator('[data-testid="stException"]').count() == 0
    # The histogram marks, and names in its legend, the spans of 1 to 10 referrals it does not draw.
    assert page.locator(".js-plotly-plot text", has_text="<11").count() > 0
    screenshot(page, "first-contact-presenting", whole=True)
    # The mode stays on in another page.
    page.get_by_role("link", name="Training and incidents").click()
    page.get_by_role("heading", name="Training and incidents").first.wait_for(timeout=60_000)
    page.wait_for_selector(RUNNING, state="detached", timeout=60_000)
    assert page.get_by_text("figures are suppressed for presenting").count() > 0
    screenshot(page, "training-presenting", whole=True)
    page.close()
