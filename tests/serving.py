"""The dashboard served for end-to-end tests: `oversight serve` on a free port, and headless
Chromium (Debian's package, which `make test` installs) to drive it."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Streamlit shows this while a script runs; pages are complete once it is gone.
RUNNING = '[data-testid="stStatusWidget"]'
SIDEBAR = '[data-testid="stSidebar"]'

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(extract: Path, port: int, env: dict[str, str], log: Path,
           options: tuple[str, ...] = ("--extract",)) -> Iterator[str]:
    """`oversight serve` on the extract and port, its output in ``log``: yields the base URL once it answers.
    ``options`` come before the extract: ("--extracts", "--quiet-for=1") serves a folder of extracts."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "metrics.cli", "serve", *options, str(extract), "--port", str(port)],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    base = f"http://localhost:{port}"
    deadline = time.monotonic() + 120
    while not _healthy(base):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise RuntimeError("the dashboard did not start: " + log.read_text(errors="replace"))
        time.sleep(0.3)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
            return answer.read() == b"ok"
    except OSError:
        return False


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def screenshot(page, name: str, whole: bool = False) -> None:
    """Save what the window shows, or the whole page: Streamlit scrolls inside its main block, so for
    the whole page the window is grown to its content."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if whole:
        height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
        page.set_viewport_size({"width": page.viewport_size["width"], "height": min(height + 80, 9000)})
        page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=whole)


@dataclass(frozen=True)
class DemoServer:
    base: str  # the dashboard's URL
    extract: Path
    names: dict[str, str]  # agency id: name
    extract_date: dt.date


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory) -> Iterator[DemoServer]:
    """A small demo extract served for the module's browser tests."""
    from metrics.demo import write_demo
    from metrics.extract.loader import connect

    extract = tmp_path_factory.mktemp("extract")
    write_demo(extract, seed=5, scale=0.3)
    con = connect(extract)
    names = dict(con.sql("SELECT agency_id, agency_name FROM agencies").fetchall())
    extract_date = dt.date.fromisoformat(dict(con.sql("SELECT * FROM extract_info").fetchall())["extract_date"])
    env = {**os.environ, "OVERSIGHT_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    with served(extract, free_port(), env, tmp_path_factory.mktemp("log") / "server.log") as base:
        yield DemoServer(base, extract, names, extract_date)


def opened(page, url: str) -> None:
    """Open the address and wait until the sidebar and the whole page are drawn."""
    page.goto(url, wait_until="domcontentloaded")
    page.locator(f'{SIDEBAR} [data-testid="stDateInput"]').first.wait_for(timeout=60_000)
    page.wait_for_selector(RUNNING, state="detached", timeout=60_000)
    page.wait_for_function("!document.querySelector('[data-testid=stSkeleton]')", timeout=60_000)
