"""Time every dashboard page's server-side run on an extract: the first load (cold caches)
and the next visit (warm), as AppTest runs the app.

    .venv/bin/python bench/pages.py [EXTRACT] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.navigation import PAGE_FILES
from metrics.extract.loader import database_path

ROOT = Path(__file__).resolve().parent.parent


def page_times(extract: Path, runs: int) -> list[tuple[str, float, float]]:
    database_path(extract)  # loading is timed on its own, not as part of a page
    os.environ["OVERSIGHT_EXTRACT"] = str(extract)
    app = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=600)
    results = []
    for page in PAGE_FILES:
        if page != PAGE_FILES[0]:  # the first run opens the default page, the overview
            app.switch_page(page)
        start = time.perf_counter()
        app.run()
        cold = time.perf_counter() - start
        assert not app.exception, app.exception
        warm = []
        for _ in range(runs):
            start = time.perf_counter()
            app.run()
            warm.append(time.perf_counter() - start)
        results.append((Path(page).stem, cold, statistics.median(warm)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("extract", nargs="?", default=str(ROOT / "data" / "demo"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("| page | first load (s) | later visits, median (s) |")
    print("|---|---:|---:|")
    for page, cold, warm in page_times(Path(args.extract), args.runs):
        print(f"| {page} | {cold:.2f} | {warm:.2f} |")


if __name__ == "__main__":
    main()
