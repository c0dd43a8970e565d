"""End to end: the real app served by `oversight serve`, driven through every page in headless
Chromium (Debian's package, which `make test` installs). Screenshots land in tests/artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# (url path, title on the page, charts expected)
PAGES = [
    ("", "Recovery Oversight", 0),
    ("caseload", "Caseload utilization", 3),
    ("adherence", "Contact adherence", 4),
    ("first-contact", "Time to first contact", 5),
    ("monitoring", "Monitoring of CRS programs", 1),
    ("plans", "Plans of action and corrective actions", 1),
    ("deadlines", "Deadlines", 0),
    ("sample", "Documentation sample", 0),
    ("training", "Training and incidents", 0),
    ("data-quality", "Data quality", 0),
]

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from metrics.demo import write_demo

    extract = tmp_path_factory.mktemp("extract")
    write_demo(extract, seed=11, scale=0.5)
    port = _free_port()
    env = {**os.environ, "OVERSIGHT_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "metrics.cli", "serve", "--extract", str(extract), "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://localhost:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        raise RuntimeError("the dashboard did not start: " + process.stdout.read().decode(errors="replace"))
    yield base
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.mark.parametrize("path,title,charts", PAGES)
def test_page_renders_its_charts_without_error(server, browser, path, title, charts):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(f"{server}/{path}", wait_until="domcontentloaded")
    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
    # Wait until Streamlit has finished running the script.
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
    if charts:
        # A chart has rendered once its plot holds an SVG (each holds two, hence counting plots).
        page.wait_for_function(
            "[...document.querySelectorAll('.js-plotly-plot')].filter(e => e.querySelector('.main-svg')).length"
            f" >= {charts}", timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    assert page.locator(".js-plotly-plot").count() >= charts
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Streamlit scrolls inside its main block, so grow the window to the content to capture it all.
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1440, "height": min(height + 80, 9000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / f"{path or 'overview'}.png"), full_page=True)
    page.close()


def test_filters_carry_across_pages_in_the_browser(server, browser):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(f"{server}/caseload", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Caseload utilization").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="DCTS").click()  # leave only BHD selected
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
    page.get_by_role("link", name="Time to first contact").click()
    page.get_by_role("heading", name="Time to first contact").first.wait_for(timeout=60_000)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
    pressed = page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"] button[aria-pressed="true"]')
    assert pressed.all_inner_texts() == ["BHD"]
    page.close()


def test_presentation_mode_in_the_browser(server, browser):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(f"{server}/first-contact", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Time to first contact").first.wait_for(timeout=60_000)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
    page.locator('[data-testid="stSidebar"]').get_by_text("Presentation mode").click()
    page.get_by_text("figures are suppressed for presenting").first.wait_for(timeout=60_000)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
    page.wait_for_function(
        "[...document.querySelectorAll('.js-plotly-plot')].filter(e => e.querySelector('.main-svg')).length >= 5",
        timeout=60_000,
    )
    assert page.locator('[data-testid="stException"]').count() == 0
    # The histogram marks, and names in its legend, the spans of 1 to 10 referrals it does not draw.
    assert page.locator(".js-plotly-plot text", has_text="<11").count() > 0
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1440, "height": min(height + 80, 9000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "first-contact-presenting.png"), full_page=True)
    # The mode stays on in another page.
    page.get_by_role("link", name="Training and incidents").click()
    page.get_by_role("heading", name="Training and incidents").first.wait_for(timeout=60_000)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
    assert page.get_by_text("figures are suppressed for presenting").count() > 0
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1440, "height": min(height + 80, 9000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "training-presenting.png"), full_page=True)
    page.close()
