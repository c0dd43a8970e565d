"""The overview's tiles: a headline of an oversight the filters leave out says so, worked by hand."""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.policy.window import YEAR, Window
from metrics.report.views.context import selected_oversights
from metrics.report.views.overview import tiles
from tests.test_app import app, demo_extract, visit  # noqa: F401 - shared fixtures

AGENCIES = pl.DataFrame({"agency_id": ["A1", "A2"], "oversight": ["BHD", "DCTS"]})
MONITORING = pl.DataFrame({"agency_id": ["A2", "A3", "A4"], "status": ["overdue", "current", "overdue"]})
PLANS = pl.DataFrame({"agency_id": ["A2", "A2", "A3"], "status": ["open", "overdue", "completed_on_time"]})


def test_the_oversights_the_filters_keep():
    assert selected_oversights(AGENCIES, Filters(as_of=dt.date(2026, 6, 30))) == {"BHD", "DCTS"}
    assert selected_oversights(AGENCIES, Filters(as_of=dt.date(2026, 6, 30), agencies=("A2",))) == {"DCTS"}


def test_a_tile_outside_the_chosen_oversight_says_not_selected_not_zero():
    asked = []

    def frame_of(name: str, filters: Filters) -> pl.DataFrame:
        asked.append(name)
        return {"monitoring_status": MONITORING, "action_plans": PLANS}[name]

    shown = {tile.label: tile for tile in tiles(Filters(as_of=dt.date(2026, 6, 30), agencies=("A2",)), Window(YEAR), False,
                                                frame_of, Settings(), frozenset({"DCTS"}))}
    assert shown["Contact periods met"].value == "Not selected"
    assert shown["Contact periods met"].row["value"] is None
    assert shown["Agencies over caseload standard"].caption == "BHD not selected"
    # DCTS's own: 2 programs overdue, 2 plans open (one of them overdue), 1 overdue.
    assert [shown[label].value for label in ("Programs overdue for monitoring", "Open plans and corrective actions",
                                             "Overdue plans")] == ["2", "2", "1"]
    assert set(asked) == {"monitoring_status", "action_plans"}, "nothing counted for BHD"


def test_the_overview_says_not_selected_when_only_dcts_is_chosen(app):  # noqa: F811
    app.run()
    app.sidebar.segmented_control(key="oversight").set_value(["DCTS"])
    app.run()
    values = {metric.label: metric.value for metric in app.metric}
    assert values["Contact periods met"] == "Not selected"
    assert values["Programs overdue for monitoring"] != "Not selected"
