"""End to end: a link with filters opens the view it carries in headless Chromium, a reload keeps
it, /overview is the overview, and each tab is titled after its page. Screenshots of the view
opened from a link land in tests/artifacts/screenshots/."""

from __future__ import annotations

import os

import pytest

from metrics.extract.loader import connect
from tests.serving import RUNNING, SIDEBAR, browser, free_port, screenshot, served  # noqa: F401 - shared fixture


@pytest.fixture(scope="module")
def linked_server(tmp_path_factory):
    from metrics.demo import write_demo

    extract = tmp_path_factory.mktemp("extract")
    write_demo(extract, seed=11, scale=0.5)
    agency_id, agency_name = connect(extract).sql(
        "SELECT agency_id, agency_name FROM agencies WHERE oversight = 'BHD' ORDER BY agency_id LIMIT 1").fetchall()[0]
    env = {**os.environ, "OVERSIGHT_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    with served(extract, free_port(), env, tmp_path_factory.mktemp("log") / "server.log") as base:
        yield base, agency_id, agency_name


def opened(page, url: str | None, heading: str) -> None:
    """Open the address (None: reload) and wait until the page and its sidebar are drawn."""
    if url is None:
        page.reload(wait_until="domcontentloaded")
    else:
        page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
    page.locator(f'{SIDEBAR} [data-testid="stDateInput"]').first.wait_for(timeout=60_000)
    page.wait_for_selector(RUNNING, state="detached", timeout=60_000)


def sidebar_shows(page) -> dict[str, object]:
    sidebar = page.locator(SIDEBAR)
    return {
        "multiselects": [text.split("\n")[0:1] + [line for line in text.split("\n")[1:] if line.strip()]
                         for text in sidebar.locator('[data-testid="stMultiSelect"]').all_inner_texts()],
        "dates": sidebar.locator('[data-testid="stDateInput"] input').evaluate_all("inputs => inputs.map(i => i.value)"),
    }


def test_a_link_opens_its_view_and_a_reload_keeps_it(linked_server, browser):  # noqa: F811
    base, agency_id, agency_name = linked_server
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    opened(page, f"{base}/adherence?as_of=2026-06-30&levels=CM&agencies={agency_id}", "Contact adherence")
    expected = {"multiselects": [["Agencies", agency_name], ["Service level", "CM"]]}
    assert sidebar_shows(page)["multiselects"] == expected["multiselects"]
    assert sidebar_shows(page)["dates"][0] == "2026-06-30"
    assert page.title() == "Contact adherence · Recovery Oversight"
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "link-adherence-1440")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.locator(SIDEBAR).get_by_text("Service level").scroll_into_view_if_needed()  # the filters the link set
    page.wait_for_timeout(500)
    screenshot(page, "link-adherence-1280")

    opened(page, None, "Contact adherence")
    assert sidebar_shows(page)["multiselects"] == expected["multiselects"]
    assert sidebar_shows(page)["dates"][0] == "2026-06-30"
    assert f"agencies={agency_id}" in page.url and "levels=CM" in page.url

    # A page switch keeps the view, in the sidebar and in the address.
    page.locator(SIDEBAR).get_by_role("link", name="Caseload").click()
    page.get_by_role("heading", name="Caseload utilization").first.wait_for(timeout=60_000)
    page.wait_for_selector(RUNNING, state="detached", timeout=60_000)
    page.wait_for_function("document.title.startsWith('Caseload')", timeout=30_000)
    assert page.title() == "Caseload · Recovery Oversight"
    assert sidebar_shows(page)["multiselects"] == expected["multiselects"]
    page.wait_for_url(lambda url: "/caseload?" in url and f"agencies={agency_id}" in url, timeout=30_000)
    assert "as_of=2026-06-30" in page.url and "levels=CM" in page.url
    page.close()


def test_overview_opens_at_its_own_path(linked_server, browser):  # noqa: F811
    base, _, _ = linked_server
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    opened(page, f"{base}/overview?levels=RSC-I&as_of=2026-06-30&agencies=NOPE99", "Recovery Oversight")
    assert page.get_by_text("Page not found").count() == 0
    assert page.title() == "Overview · Recovery Oversight"
    assert sidebar_shows(page)["multiselects"] == [["Agencies"], ["Service level", "RSC-I"]]
    # The unknown agency is said to be left out, without being named, and leaves the address.
    warning = page.locator('[data-testid="stAlertContentWarning"]').all_inner_texts()
    assert any("agencies" in text for text in warning) and not any("NOPE99" in text for text in warning)
    assert "NOPE99" not in page.url and "levels=RSC-I" in page.url
    page.close()
