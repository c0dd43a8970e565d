"""One agency, one look across the dashboard: under Streamlit's AppTest (no browser), every
chart of the adherence and first-contact pages, in normal and presentation mode and with
fewer agencies chosen, draws each agency in the same colour and with the same symbol."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.presenting import PRESENTING_KEY
from metrics.extract.loader import connect
from metrics.report import charts

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
PAGES = ["app_pages/adherence.py", "app_pages/first_contact.py"]


@pytest.fixture(scope="module")
def demo_extract(tmp_path_factory) -> Path:
    from metrics.demo import write_demo

    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, seed=7, scale=0.3)
    return folder


def agency_looks(at: AppTest, names: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(chart title, agency id, colour, symbol) of every trace named after an agency."""
    ids = {name: agency for agency, name in names.items()}
    looks = []
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        title = spec["layout"].get("title", {}).get("text", "")
        for trace in spec["data"]:
            if trace.get("name") in ids:
                marker, line = trace.get("marker", {}), trace.get("line", {})
                looks.append((title, ids[trace["name"]], marker.get("color") or line["color"], marker["symbol"]))
    return looks


def test_each_agency_looks_the_same_on_every_chart_page_and_mode(demo_extract, cache, monkeypatch):
    monkeypatch.setenv("OVERSIGHT_EXTRACT", str(demo_extract))
    listed = connect(demo_extract).sql("SELECT agency_id, agency_name FROM agencies").fetchall()
    names = dict(listed)
    seen: dict[str, set[tuple[str, str]]] = {}
    charts_seen = set()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    bhd = sorted(a for a in names if a.startswith("RSA"))
    for presenting, chosen in ((False, []), (True, []), (False, bhd[2:4])):
        at.sidebar.toggle(key=PRESENTING_KEY).set_value(presenting)
        at.sidebar.multiselect(key="agencies").set_value(chosen)
        at.run()
        for page in PAGES:
            at.switch_page(page)
            at.run()
            assert not at.exception, [e.message for e in at.exception]
            for title, agency, colour, symbol in agency_looks(at, names):
                charts_seen.add(title)
                seen.setdefault(agency, set()).add((colour, symbol))
    # The funnels of both pages, the adherence trend and the first-contact curves.
    assert {"Agencies against the overall rate", "By agency, by month of the period's end",
            "Share of referrals not yet reached"} <= charts_seen
    assert seen, "the pages draw agencies"
    for agency, looks in seen.items():
        assert looks == {charts.agency_style(agency, names)}, (names[agency], looks)
    # And different agencies look different.
    assert len({next(iter(looks)) for looks in seen.values()}) == len(seen)
