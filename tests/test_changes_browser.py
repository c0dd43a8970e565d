"""End to end: `oversight serve --extracts` on a folder of two demo extracts, the older one missing some
contacts of the summer that the newer one brings late: the data-quality page's "Since the previous
extract" compares them, at a desk and on a projector, exact and while presenting."""

from __future__ import annotations

import os
import zlib

import pytest

from tests.serving import RUNNING, browser, free_port, opened, screenshot, served  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

SECTION = "Since the previous extract"


def _extracts(root) -> None:
    """The newer demo extract (31 October 2026) and one of a month before: the same, less the contacts
    after 30 September and one in 50 of those of July to September, which arrive late."""
    from metrics.demo import write_demo

    new, old = root / "2026-10-31", root / "2026-09-30"
    write_demo(new, seed=5, scale=0.5)
    (new / "extract.toml").write_text("taken_on = 2026-10-31\n", encoding="utf-8")
    old.mkdir()
    for table in new.glob("*.csv"):
        lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
        if table.name == "contacts.csv":
            header, rows = lines[0], lines[1:]
            lines = [header] + [line for line in rows if not _late(line.split(","))]
        (old / table.name).write_text("".join(lines), encoding="utf-8")
    (old / "extract.toml").write_text("taken_on = 2026-09-30\n", encoding="utf-8")


def _late(fields: list[str]) -> bool:
    at = fields[3] if len(fields) > 3 else ""
    return at >= "2026-10-01" or ("2026-07-01" <= at and zlib.crc32(fields[0].encode()) % 50 == 0)


def _shown_from(page, heading: str) -> None:
    """Scroll the page so that this heading (or bold line) is at the top of the window."""
    page.get_by_text(heading, exact=True).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(800)


def test_the_data_quality_page_compares_with_the_previous_extract(tmp_path, browser):  # noqa: F811
    root = tmp_path / "extracts"
    _extracts(root)
    env = {**os.environ, "OVERSIGHT_CACHE_DIR": str(tmp_path / "cache")}
    options = ("--quiet-for=0", "--look-every=0.5", "--extracts")
    with served(root, free_port(), env, tmp_path / "server.log", options) as base:
        for width, height in ((1440, 1000), (1280, 720)):
            page = browser.new_page(viewport={"width": width, "height": height})
            opened(page, f"{base}/data-quality")
            # The previous extract is built in the background: the section shows its progress, then the page again.
            page.get_by_text("Compared with the extract of 30 September 2026").wait_for(timeout=90_000)
            page.wait_for_selector(RUNNING, state="detached", timeout=60_000)
            text = page.locator('[data-testid="stMain"]').inner_text()
            assert "Figures of past months that moved" in text and "By agency, where they changed" in text
            _shown_from(page, SECTION)
            screenshot(page, f"changes-{width}x{height}")
            _shown_from(page, "Figures of past months that moved")
            screenshot(page, f"changes-figures-{width}x{height}")
            page.goto(f"{base}/data-quality?present=1", wait_until="domcontentloaded")
            page.get_by_text("Compared with the extract of 30 September 2026").wait_for(timeout=60_000)
            page.wait_for_selector(RUNNING, state="detached", timeout=60_000)
            assert "not shown while presenting" in page.locator('[data-testid="stMain"]').inner_text()
            _shown_from(page, SECTION)
            screenshot(page, f"changes-presenting-{width}x{height}")
            _shown_from(page, "Figures of past months that moved")
            screenshot(page, f"changes-presenting-figures-{width}x{height}")
            page.close()
