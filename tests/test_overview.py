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
REVIEWS = pl.DataFrame({"agency_id": ["A2", "A3"], "review_due": [True, False]})
DEADLINES = pl.DataFrame({"agency_id": ["A2", "A2", "A3"], "status": ["late", "due_soon", "late"]})
ORIENTATION = pl.DataFrame({"agency_id": ["A2", "A2", "A2"], "status": ["not_met", "met", "not_met"]})
INCIDENTS = pl.DataFrame({"agency_id": ["A2", "A2"], "category": ["fall", "death"], "incidents": [12, 3]})
DCTS_FRAMES = {"monitoring_status": MONITORING, "action_plans": PLANS, "documentation_status": REVIEWS,
               "deadlines": DEADLINES, "orientation_staff": ORIENTATION, "incidents": INCIDENTS}


def dcts_tiles(public: bool, asked: list[str], *provides) -> dict:
    """The tiles of DCTS's program A2 on 30 June 2026, each measure's rows from DCTS_FRAMES (the
    names asked for are added to ``asked``); ``provides``, when given, says which tables exist."""

    def frame_of(name: str, filters: Filters) -> pl.DataFrame:
        asked.append(name)
        return DCTS_FRAMES[name]

    filters = Filters(as_of=dt.date(2026, 6, 30), agencies=("A2",))
    return {tile.label: tile for tile in tiles(filters, Window(YEAR), public, frame_of, Settings(),
                                               frozenset({"DCTS"}), *provides)}


def test_the_oversights_the_filters_keep():
    assert selected_oversights(AGENCIES, Filters(as_of=dt.date(2026, 6, 30))) == {"BHD", "DCTS"}
    assert selected_oversights(AGENCIES, Filters(as_of=dt.date(2026, 6, 30), agencies=("A2",))) == {"DCTS"}


def test_a_tile_outside_the_chosen_oversight_says_not_selected_not_zero():
    asked = []

    shown = dcts_tiles(False, asked)
    assert shown["Contact periods met"].value == "Not selected"
    assert shown["Contact periods met"].row["value"] is None
    assert shown["Agencies over caseload standard"].caption == "BHD not selected"
    assert shown["Care-coordination milestones met"].value == "Not selected"
    # DCTS's own: 2 programs overdue, 1 due for its review, 2 plans open (one of them overdue), 1 overdue,
    # 2 deadlines late, 2 staff short of their orientation, 12 + 3 incidents.
    assert [shown[label].value for label in (
        "Programs overdue for monitoring", "Programs due for their annual documentation review",
        "Open plans and corrective actions", "Overdue plans", "DCTS deadlines past due",
        "Staff under 10 hours of orientation after 3 months", "Incidents reported",
    )] == ["2", "1", "2", "1", "2", "2", "15"]
    assert set(asked) == {"monitoring_status", "documentation_status", "action_plans", "deadlines",
                          "orientation_staff", "incidents"}, "nothing counted for BHD"


def test_while_presenting_the_incidents_tile_gives_away_no_hidden_count():
    shown = dcts_tiles(True, [])
    # Counted as the deck counts it: 15 incidents beside the 12 falls its chart shows would tell the 3 deaths.
    incidents = shown["Incidents reported"]
    assert (incidents.value, incidents.row["value"], incidents.row["suppressed"]) == ("Suppressed", None, True)
    # Counts of programs, deadlines and staff are shown.
    assert shown["DCTS deadlines past due"].value == "2"


def test_a_tile_whose_optional_table_the_extract_lacks_says_so_not_zero():
    asked = []

    shown = dcts_tiles(False, asked, lambda table: table not in {"incidents", "trainings"})
    for label, table in (("Incidents reported", "incidents"),
                         ("Staff under 10 hours of orientation after 3 months", "trainings")):
        tile = shown[label]
        assert (tile.value, tile.caption, tile.row["value"]) == ("Not in this extract", f"No {table} table", None)
        assert tile.help == f"This extract has no {table} table, an optional one."
    assert shown["DCTS deadlines past due"].value == "2"
    assert not {"incidents", "orientation_staff"} & set(asked)


def test_the_overview_says_not_selected_when_only_dcts_is_chosen(app):  # noqa: F811
    app.run()
    app.sidebar.segmented_control(key="oversight").set_value(["DCTS"])
    app.run()
    values = {metric.label: metric.value for metric in app.metric}
    assert values["Contact periods met"] == "Not selected"
    assert values["Programs overdue for monitoring"] != "Not selected"
