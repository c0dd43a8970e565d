"""The deck's slides of milestones, deadlines, documentation oversight, orientation training and
incidents: each chart's traces, categories and values, and the incidents headline's suppression,
worked out by hand on small frames."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from metrics.measures.registry import BY_NAME, HEADLINE_BY_KEY
from metrics.report import charts
from metrics.report.headlines import SUPPRESSED, headline_value
from metrics.report.slides import slide_figure

AS_OF = dt.date(2026, 6, 30)
LABELS = {"A1": "Alpha", "A2": "Beta", "A3": "Gamma", "A4": "Delta"}


def chart_of(measure: str):
    (slide,) = BY_NAME[measure].slides
    return slide.chart


def bars(figure) -> dict[str, tuple[list, list]]:
    """Each trace's (categories, values) by its name."""
    return {trace.name: (list(trace.y), list(trace.x)) for trace in figure.data}


def test_milestones_are_grouped_bars_per_agency_and_level_one_per_milestone_in_its_words():
    row = {"as_of": AS_OF, "ci_low": 0.0, "ci_high": 1.0}
    shown = pl.DataFrame([
        row | {"agency_id": "A2", "service_level": "CM", "milestone": "rst_at_discharge", "due": 30, "met": 24,
               "rate": 0.8},
        row | {"agency_id": "A1", "service_level": "RSC-I", "milestone": "rst_formed", "due": 20, "met": 15,
               "rate": 0.75},
        row | {"agency_id": "A1", "service_level": "RSC-I", "milestone": "sccp_final", "due": 20, "met": 0,
               "rate": 0.0},
    ])
    hidden = pl.DataFrame([row | {"agency_id": "A3", "service_level": "RSC-I", "milestone": "sccp_review",
                                  "due": 15, "met": 8, "rate": 8 / 15}])
    figure = slide_figure(chart_of("milestones"), shown, hidden, LABELS, AS_OF)
    # A bar per milestone found, in the milestones' order and words; the hidden row is not drawn.
    assert bars(figure) == {
        "RST formed within 14 days of enrollment": (["Alpha · RSC-I"], [0.75]),
        "Final SCCP within 30 days of enrollment": (["Alpha · RSC-I"], [0.0]),
        "RST meeting within 7 days of discharge": (["Beta · CM"], [0.8]),
    }
    assert [trace.text[0] for trace in figure.data] == ["75%", "0%", "80%"]
    assert all(trace.orientation == "h" for trace in figure.data)
    # Agencies in order of their ids, top down, on a 0–100% axis.
    assert list(figure.layout.yaxis.categoryarray) == ["Alpha · RSC-I", "Beta · CM"]
    assert figure.layout.barmode == "group" and tuple(figure.layout.xaxis.range) == (0, 1.0)
    # Each milestone keeps its colour and pattern whichever are drawn: the fourth is the fourth series.
    assert [(trace.marker.color, trace.marker.pattern.shape) for trace in figure.data] == [
        (charts.BLUE, ""), (charts.ORANGE, "/"), (charts.VERMILION, ".")]
    # The headline over every milestone: (15 + 0 + 24 + 8) of (20 + 20 + 30 + 15).
    headline = HEADLINE_BY_KEY["milestones_met"]
    assert headline_value(headline, pl.concat([shown, hidden])) == pytest.approx(47 / 85)
    assert headline.windowed and headline.percent


def test_deadlines_are_stacked_per_program_by_status_the_most_late_first():
    deadlines = pl.DataFrame({"agency_id": ["A1", "A1", "A2", "A2", "A2", "A3"],
                              "status": ["late", "later", "late", "late", "due_soon", "later"]})
    figure = slide_figure(chart_of("deadlines"), deadlines, deadlines.clear(), LABELS, AS_OF)
    programs = ["Beta", "Alpha", "Gamma"]  # 2 late, 1 late, none
    assert bars(figure) == {"Late": (programs, [2, 1, 0]), "Due within 30 days": (programs, [1, 0, 0]),
                            "Later": (programs, [0, 1, 1])}
    assert figure.layout.barmode == "stack" and figure.layout.xaxis.title.text == "deadlines"
    assert [trace.marker.pattern.shape for trace in figure.data] == ["x", "/", "."]
    assert headline_value(HEADLINE_BY_KEY["deadlines_late"], deadlines) == 3


def test_documentation_reviews_are_due_twelve_months_after_the_last_or_now_when_there_was_none():
    reviews = pl.DataFrame({
        "agency_id": ["A1", "A2", "A3"],
        "last_completed_on": [dt.date(2025, 9, 15), dt.date(2025, 3, 31), None],
        "review_due": [False, True, True],
        "population_size": [40, 25, None],
    }, schema_overrides={"last_completed_on": pl.Date})
    hidden = pl.DataFrame({"agency_id": ["A4"], "last_completed_on": [dt.date(2025, 1, 2)], "review_due": [True],
                           "population_size": [6]})
    figure = slide_figure(chart_of("documentation_status"), reviews, hidden, LABELS, AS_OF)
    due, reviewed = figure.data
    # Beta's last review 31 March 2025: due 31 March 2026, 91 days ago; Gamma never reviewed: due now.
    assert due.name == "Due: no review completed in 12 months" and due.marker.symbol == "x"
    assert list(due.y) == ["Beta", "Gamma"]
    assert [str(day)[:10] for day in due.x] == ["2026-03-31", "2026-06-30"]
    assert list(due.customdata) == [-91, 0]
    # Alpha's last review 15 September 2025: due 15 September 2026, in 77 days.
    assert (reviewed.name, list(reviewed.y), [str(day)[:10] for day in reviewed.x], list(reviewed.customdata)) == (
        "Reviewed in the last 12 months", ["Alpha"], ["2026-09-15"], [77])
    # Soonest due at the top; the hidden program is not drawn.
    assert list(figure.layout.yaxis.categoryarray) == ["Beta", "Gamma", "Alpha"]
    assert figure.layout.xaxis.title.text == "next review due"
    # Programs counted whatever their population: the headline counts the two due, and the hidden one.
    headline = HEADLINE_BY_KEY["reviews_due"]
    assert headline_value(headline, pl.concat([reviews, hidden]), public=True) == 3
    assert headline.counts is None and not headline.windowed


def test_a_review_completed_on_29_february_falls_due_on_28_february():
    reviews = pl.DataFrame({"agency_id": ["A1"], "last_completed_on": [dt.date(2024, 2, 29)],
                            "review_due": [False], "population_size": [40]})
    figure = slide_figure(chart_of("documentation_status"), reviews, reviews.clear(), LABELS, dt.date(2025, 2, 1))
    assert [str(day)[:10] for day in figure.data[0].x] == ["2025-02-28"]


def test_orientation_is_staff_stacked_per_program_by_status_the_most_missed_first():
    staff = pl.DataFrame({"agency_id": ["A1", "A1", "A1", "A2", "A2", "A3", "A3"],
                          "staff_id": [f"S{i}" for i in range(7)],
                          "status": ["not_met", "met", "met", "in_window", "met", "not_met", "not_met"]})
    figure = slide_figure(chart_of("orientation_staff"), staff, staff.clear(), LABELS, AS_OF)
    programs = ["Gamma", "Alpha", "Beta"]  # 2 not met, 1, none
    assert bars(figure) == {"Not met: under 10 hours": (programs, [2, 1, 0]),
                            "Within the 3 months": (programs, [0, 0, 1]), "Met": (programs, [0, 2, 1])}
    assert figure.layout.xaxis.title.text == "staff"
    assert headline_value(HEADLINE_BY_KEY["orientation_missed"], staff, public=True) == 3


def incidents(rows: list[tuple[str, str, int]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"agency_id": pl.String, "category": pl.String, "incidents": pl.Int64},
                        orient="row")


def test_incidents_are_stacked_per_program_by_category_the_most_first():
    shown = incidents([("A1", "fall", 14), ("A1", "medication error", 20), ("A2", "fall", 11), ("A2", "death", 12),
                       ("A3", "other", 30)])
    figure = slide_figure(chart_of("incidents"), shown, incidents([("A4", "fall", 4)]), LABELS, AS_OF)
    programs = ["Alpha", "Gamma", "Beta"]  # 34, 30 and 23 incidents
    # The categories in the settings' order, each summed.
    assert bars(figure) == {"death": (programs, [0, 0, 12]), "medication error": (programs, [20, 0, 0]),
                            "fall": (programs, [14, 0, 11]), "other": (programs, [0, 30, 0])}
    # Each category's colour and pattern by its place among the settings' sixteen: death 1st, medication
    # error 5th, fall 6th, other 16th (the colours come round after eight, the patterns after seven).
    assert [(trace.marker.color, trace.marker.pattern.shape) for trace in figure.data] == [
        (charts.BLUE, ""), (charts.PURPLE, "\\"), (charts.SKY, "+"), (charts.BLACK, "/")]
    assert figure.layout.xaxis.dtick == 5  # 34 in steps of whole incidents


def test_a_category_the_settings_do_not_list_comes_after_theirs():
    shown = incidents([("A1", "unlisted", 12), ("A1", "fall", 15)])
    figure = slide_figure(chart_of("incidents"), shown, shown.clear(), LABELS, AS_OF)
    assert [trace.name for trace in figure.data] == ["fall", "unlisted"]


def test_an_incidents_slide_with_every_row_hidden_names_the_programs_left_out():
    hidden = incidents([("A2", "fall", 3), ("A1", "death", 1)])
    figure = slide_figure(chart_of("incidents"), hidden.clear(), hidden, LABELS, AS_OF)
    assert figure.layout.annotations[0].text.replace("<br>", " ") == (
        "Not shown: Alpha, Beta, resting on (or leaving out) 1 to 10 people, so as not to show small numbers.")


@pytest.mark.parametrize("rows,public", [
    ([], 0),
    ([12, 13], 25),
    # 1 to 10 incidents in all.
    ([5], SUPPRESSED),
    ([3, 4], SUPPRESSED),
    # 15 beside the 12 the chart shows would give away the 3 it hides.
    ([12, 3], SUPPRESSED),
    # The hidden two add up to 7: each could be 1 to 6.
    ([12, 3, 4], 19),
    # ... but two adding up to 2 are 1 each, and two adding up to 20 are 10 each.
    ([12, 1, 1], SUPPRESSED),
    ([12, 10, 10], SUPPRESSED),
])
def test_the_incidents_reported_outside_the_agency_give_away_no_hidden_count(rows, public):
    headline = HEADLINE_BY_KEY["incidents_reported"]
    frame = incidents([("A1", f"category {i}", n) for i, n in enumerate(rows)])
    assert headline_value(headline, frame) == sum(rows)
    assert headline_value(headline, frame, public=True) == public
    assert headline.windowed and not headline.higher_is_better
