"""End to end: `oversight serve --extracts` on a folder with one small extract; while two sessions browse,
a newer extract is dropped into the folder: they see it being built, no error, then its figures."""

from __future__ import annotations

import os
import time

import pytest

from tests.serving import RUNNING, SIDEBAR, browser, free_port, opened, screenshot, served  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

PROGRESS = f'{SIDEBAR} [data-testid="stProgress"]'
CONTEXT = '[data-testid="stMain"] [data-testid="stCaptionContainer"]'
TILES = '[data-testid="stMetricValue"]'


def _demo(folder, seed: int, scale: float, taken_on: str) -> None:
    from metrics.demo import write_demo

    write_demo(folder, seed=seed, scale=scale)
    (folder / "extract.toml").write_text(f"taken_on = {taken_on}\n", encoding="utf-8")


def _figures(page) -> tuple[str, list[str]]:
    """The context line and the overview's tiles, once the page has settled (the sidebar's status runs
    every second, so one look without the running sign is not enough)."""
    page.locator(TILES).first.wait_for(timeout=60_000)
    seen = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page.wait_for_selector(RUNNING, state="detached", timeout=60_000)
        now = page.locator(CONTEXT).first.inner_text(), page.locator(TILES).all_inner_texts()
        if now == seen:
            return now
        seen = now
        page.wait_for_timeout(1500)
    raise AssertionError(f"the page did not settle: {seen}")


def test_a_new_extract_is_built_in_the_background_and_sessions_switch(tmp_path, browser):  # noqa: F811
    root = tmp_path / "extracts"
    _demo(root / "2026-09-30", seed=5, scale=0.1, taken_on="2026-09-30")
    time.sleep(1.2)  # quiet for --quiet-for
    env = {**os.environ, "OVERSIGHT_CACHE_DIR": str(tmp_path / "cache")}
    log = tmp_path / "server.log"
    options = ("--quiet-for=1", "--look-every=0.5", "--extracts")
    with served(root, free_port(), env, log, options) as base:
        pages = [browser.new_page(viewport={"width": 1440, "height": 1000}) for _ in range(2)]
        for page in pages:
            opened(page, base)
        before = [_figures(page) for page in pages]
        assert before[0][0].startswith("Report date 30 Sep 2026")
        assert before[0] == before[1]
        assert pages[0].locator(SIDEBAR).get_by_text("Extract of 30 September 2026 (folder 2026-09-30)").count()
        # Written beside, then moved into place: large enough that its build takes a few seconds.
        incoming = root / ".incoming"
        _demo(incoming, seed=6, scale=5, taken_on="2026-10-31")
        incoming.rename(root / "2026-10-31")
        pages[1].get_by_role("link", name="Data quality").click()  # the second session browses on
        for page in pages:
            page.locator(PROGRESS).wait_for(timeout=30_000)
        assert "Building the extract of 31 October 2026" in pages[0].locator(PROGRESS).inner_text()
        screenshot(pages[0], "extracts-building")
        # The switch: the sidebar names the new extract, and the page is drawn from it.
        for page in pages:
            page.locator(SIDEBAR).get_by_text("Extract of 31 October 2026 (folder 2026-10-31)").wait_for(
                timeout=60_000)
        pages[1].get_by_role("link", name="Overview").first.click()
        after = [_figures(page) for page in pages]
        for page in pages:
            page.wait_for_selector(PROGRESS, state="detached", timeout=10_000)
        assert after[0][0].startswith("Report date 31 Oct 2026")
        assert after[0] == after[1]
        assert after[0][1] != before[0][1]
        # A session opened afresh on the new extract shows the same figures.
        fresh = browser.new_page(viewport={"width": 1440, "height": 1000})
        opened(fresh, base)
        assert _figures(fresh) == after[0]
        for page in (*pages, fresh):
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        screenshot(pages[0], "extracts-switched")
        # A broken extract dropped in: the current one stays served, and the sidebar says why.
        broken = root / ".broken"
        _demo(broken, seed=7, scale=0.1, taken_on="2026-11-30")
        (broken / "contacts.csv").write_text("contact_id,episode_id\nK1,E1\n", encoding="utf-8")
        broken.rename(root / "2026-11-30")
        warning = pages[0].locator(SIDEBAR).get_by_text("could not be loaded")
        warning.wait_for(timeout=30_000)
        text = warning.inner_text()
        assert "The extract of 30 November 2026 (folder 2026-11-30) could not be loaded: contacts.csv: missing " \
               "required columns" in text
        assert "Traceback" not in text and str(root) not in text
        assert _figures(pages[0]) == after[0]
        screenshot(pages[0], "extracts-failed")
    server_log = log.read_text()
    assert "Building the extract of 31 October 2026: contacts (table 6 of 13)" in server_log
    assert "serving the extract of 31 October 2026 (folder 2026-10-31)" in server_log
