"""The quarterly meeting deck: its meeting date, its pages, and the pages as images."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from metrics.measures.registry import SLIDES
from metrics.policy.quarters import Quarter
from metrics.policy.window import previous_quarter
from metrics.report.deck import build_deck


@pytest.mark.parametrize("text,meeting,as_of", [
    # 1 January 2026 is a Thursday: Wednesdays 7, 14, 21.
    ("2026Q1", dt.date(2026, 1, 21), dt.date(2025, 12, 31)),
    # 1 April 2026 is a Wednesday: 1, 8, 15.
    ("2026Q2", dt.date(2026, 4, 15), dt.date(2026, 3, 31)),
    ("2026q3", dt.date(2026, 7, 15), dt.date(2026, 6, 30)),
    # 1 October 2026 is a Thursday: 7, 14, 21.
    ("2026Q4", dt.date(2026, 10, 21), dt.date(2026, 9, 30)),
])
def test_a_quarters_meeting_is_the_third_wednesday_of_its_first_month(text, meeting, as_of):
    quarter = Quarter.parse(text)
    assert (quarter.meeting_date, quarter.as_of) == (meeting, as_of)


@pytest.mark.parametrize("text", ["2026Q5", "Q3 2026", "2026-07"])
def test_a_malformed_quarter_is_refused(text):
    with pytest.raises(ValueError, match="not a quarter"):
        Quarter.parse(text)


@pytest.mark.parametrize("day,earlier", [
    (dt.date(2026, 6, 30), dt.date(2026, 3, 31)),   # month end to month end
    (dt.date(2026, 5, 31), dt.date(2026, 2, 28)),
    (dt.date(2024, 5, 30), dt.date(2024, 2, 29)),   # a day February lacks: its last day
    (dt.date(2026, 1, 15), dt.date(2025, 10, 15)),
])
def test_a_quarter_earlier(day, earlier):
    assert previous_quarter(day) == earlier


@pytest.fixture(scope="module")
def deck(small_demo, tmp_path_factory):
    con, labels = small_demo
    out = tmp_path_factory.mktemp("deck") / "deck.pdf"
    return build_deck(con, Quarter.parse("2026Q3"), out, "demo", labels)


def test_the_deck_names_the_meeting_and_has_a_page_per_measure(deck):
    # A title page and an agenda; a slide each; data notes and a page about the figures.
    assert deck.pages == 2 + len(SLIDES) + 2
    text = subprocess.run(["pdftotext", "-layout", str(deck.path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Wednesday 15 July 2026" in text
    assert "Figures as of 30 June 2026" in text and "against 31 March 2026" in text
    for slide in SLIDES:
        assert slide.title in text
    assert "Agenda" in text and "Data notes" in text and "About these figures" in text


def test_the_pages_render_as_slide_shaped_images(deck, tmp_path):
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(deck.path), str(tmp_path / "page")], check=True)
    from PIL import Image

    pages = sorted(Path(tmp_path).glob("page-*.png"))
    assert len(pages) == deck.pages
    for page in pages:
        width, height = Image.open(page).size
        assert width / height == pytest.approx(16 / 9, rel=0.01)
    # Text is black and grey; the charts are drawn in colour. So every measure page shows
    # coloured pixels, or says in words which agencies suppression left out (no blank slide),
    # and the title, agenda and notes pages show none.
    coloured = [sum(1 for r, g, b in Image.open(page).convert("RGB").get_flattened_data() if max(r, g, b) - min(r, g, b) > 60)
                for page in pages]
    assert coloured[:2] == coloured[-2:] == [0, 0]
    for number, count in enumerate(coloured[2:-2], start=3):
        words = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), str(deck.path), "-"],
                               capture_output=True, text=True, check=True).stdout
        assert count > 50 or "Not shown:" in " ".join(words.split()), (number, count, words[:200])


def test_the_deck_shows_no_figure_resting_on_one_to_ten_people(build):
    import polars as pl

    from metrics.measures.adherence import adherence_agency
    from metrics.measures.caseload import caseload_agency
    from metrics.measures.first_contact import first_contact_curve
    from metrics.policy.filters import Filters
    from metrics.report.deck_content import chart_rows

    # On 15 March 2024 the base extract's agency A1 has 2 referrals, a caseload of 1 (E1, enrolled
    # 2 March) and 2 complete weekly contact periods (2–8 and 9–15 March): all between 1 and 10.
    con = build()
    filters = Filters(as_of=dt.date(2024, 3, 15))
    for measure, frame in (("caseload_agency", caseload_agency(con, filters)),
                           ("adherence_agency", adherence_agency(con, filters)),
                           ("first_contact_curve", first_contact_curve(con, filters))):
        assert not frame.is_empty(), measure
        assert chart_rows(measure, frame, con, filters).is_empty(), measure
    # Eleven clients on one caseload are shown.
    big = pl.DataFrame({"agency_id": ["A1"], "role": ["CM"], "caseload": [11], "capacity": [50.0],
                        "utilization": [0.22]})
    assert chart_rows("caseload_agency", big, con, filters).height == 1


def test_the_deck_leaves_out_a_rate_that_leaves_one_to_ten_out(build):
    import polars as pl

    from metrics.policy.filters import Filters
    from metrics.report.deck_content import chart_rows

    # 95 of 100 periods met says 5 were missed; 60 of 100 leaves 40 out and is shown.
    frame = pl.DataFrame({"agency_id": ["A1", "A2"], "periods_met": [95, 60], "periods_due": [100, 100],
                          "adherence": [0.95, 0.6], "ci_low": [0.89, 0.5], "ci_high": [0.98, 0.69]})
    rows = chart_rows("adherence_agency", frame, build(), Filters(as_of=dt.date(2024, 3, 15)))
    assert rows["agency_id"].to_list() == ["A2"]


def test_a_rate_slide_marks_the_rows_suppression_hides_instead_of_dropping_them():
    import math

    import polars as pl

    from metrics.measures.registry import BY_NAME
    from metrics.report.slides import slide_figure

    chart = BY_NAME["safety_plans"].slides[0].chart
    row = {"agency_id": "A1", "service_level": "CM", "final_plans": 40, "due": 40, "met": 20, "not_recorded": 0,
           "rate": 0.5, "ci_low": 0.35, "ci_high": 0.65}
    shown = pl.DataFrame([row])
    hidden = pl.DataFrame([row | {"agency_id": "A2", "met": 35, "rate": 0.875}])
    figure = slide_figure(chart, shown, hidden, {"A1": "Alpha", "A2": "Beta"}, dt.date(2026, 6, 30))
    dots, marks = figure.data
    # The shown row has its dot; the hidden one keeps its place on the axis with no value, and is marked.
    assert list(dots.y) == ["Alpha · CM", "Beta · CM"]
    assert dots.x[0] == 0.5 and math.isnan(dots.x[1])
    assert list(marks.y) == ["Beta · CM"] and marks.name == "hidden: rests on, or leaves out, 1 to 10"
    # Nothing hidden: the chart is the plain dot plot.
    assert len(slide_figure(chart, shown, hidden.clear(), {}, dt.date(2026, 6, 30)).data) == 1


def test_a_slide_whose_every_curve_is_suppressed_says_so_rather_than_that_there_are_none():
    import polars as pl

    from metrics.report.slides import slide_figure

    chart = next(slide.chart for slide in SLIDES if type(slide.chart).__name__ == "SurvivalCurves")
    hidden = pl.DataFrame({"agency_id": ["A1", "A2"], "emergency": [False, False], "hours": [1.0, 2.0],
                           "share_left": [0.5, 0.2]})
    figure = slide_figure(chart, hidden.clear(), hidden, {"A1": "Alpha Recovery", "A2": "Beta CRS"},
                          dt.date(2026, 9, 30))
    message = figure.layout.annotations[0].text.replace("<br>", " ")
    assert message == ("Not shown: Alpha Recovery, Beta CRS, resting on (or leaving out) 1 to 10 people, so as "
                       "not to show small numbers.")
    assert "No referrals" not in message


def test_the_agencies_a_chart_leaves_out_are_named_once_each_in_order():
    import polars as pl

    from metrics.report.slides import hidden_note

    hidden = pl.DataFrame({"agency_id": ["A2", "A1", "A2"], "role": ["CM", "CM", "RSC-I"]})
    assert hidden_note(hidden, {"A1": "Alpha Recovery", "A2": "Beta CRS"}) == (
        "Not shown: Alpha Recovery, Beta CRS, resting on (or leaving out) 1 to 10 people, so as not to show "
        "small numbers.")
