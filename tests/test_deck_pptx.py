"""The deck as PowerPoint: the same slides as the PDF, native charts carrying the measures'
figures, speaker notes with the definitions, and no blank slide when suppression hides a
whole quarter."""

from __future__ import annotations

import datetime as dt
import subprocess

import polars as pl
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

from metrics.measures.registry import BY_NAME, HEADLINE_BY_KEY, SLIDES
from metrics.policy.filters import Filters
from metrics.policy.quarters import Quarter
from metrics.report.deck import build_deck
from metrics.report.deck_content import chart_rows
from metrics.report.headlines import format_value, headline_filters, headline_value
from metrics.report.views import with_level_labels

QUARTER = Quarter.parse("2026Q3")


@pytest.fixture(scope="module")
def pptx(small_demo, tmp_path_factory):
    con, labels = small_demo
    out = tmp_path_factory.mktemp("deck") / "deck.pptx"
    deck = build_deck(con, QUARTER, out, "demo", labels, format="pptx")
    return deck, Presentation(str(out))


def _slide(presentation, title):
    (slide,) = [s for s in presentation.slides if s.shapes.title is not None and s.shapes.title.text == title]
    return slide


def _texts(slide) -> str:
    return " ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def _chart(slide):
    charts = [shape.chart for shape in slide.shapes if shape.has_chart]
    return charts[0] if charts else None


def test_the_pptx_has_the_pdfs_slides_in_order(pptx):
    deck, presentation = pptx
    titles = [slide.shapes.title.text for slide in presentation.slides]
    # The demo has agencies of both oversights: every slide of the registry is in it.
    assert titles == ["Community Recovery Services: quarterly meeting", "Agenda",
                      *[slide.title for slide in SLIDES], "Data notes", "About these figures"]
    assert deck.pages == len(titles)
    assert "Wednesday 15 July 2026" in _texts(presentation.slides[0])
    assert presentation.slide_width * 9 == presentation.slide_height * 16
    agenda = _texts(presentation.slides[1])
    for slide in SLIDES:
        assert slide.title in agenda


def test_bars_are_native_bar_charts_and_dates_a_picture(pptx):
    _, presentation = pptx
    kinds = {}
    for slide in SLIDES:
        page = _slide(presentation, slide.title)
        chart = _chart(page)
        pictures = [s for s in page.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        # The first slide of each kind of chart (the demo's incidents are all suppressed: no bars).
        kinds.setdefault(type(slide.chart).__name__,
                         chart.chart_type if chart is not None else ("picture" if pictures else None))
    assert kinds["UtilizationBars"] == XL_CHART_TYPE.BAR_CLUSTERED
    assert kinds["RatesWithIntervals"] == XL_CHART_TYPE.BAR_CLUSTERED
    assert kinds["StackedBars"] == XL_CHART_TYPE.BAR_STACKED
    # Dates on a category axis have no native form.
    assert kinds["DueDates"] == "picture"


def test_a_rate_charts_bars_are_the_measures_shown_rates_with_their_intervals(pptx, small_demo):
    con, labels = small_demo
    _, presentation = pptx
    slide = next(s for s in SLIDES if s.headline == "client_contact")
    filters = headline_filters(Filters(as_of=QUARTER.as_of), HEADLINE_BY_KEY[slide.headline])
    rows = BY_NAME["adherence_agency"].compute(con, filters).filter(pl.col("requirement") == "client_contact")
    shown = with_level_labels(chart_rows("adherence_agency", rows, con, filters), labels)
    expected = dict(zip(shown["label"], shown["adherence"], strict=True))

    chart = _chart(_slide(presentation, slide.title))
    plot = chart.plots[0]
    drawn = {category: value for category, value in zip(plot.categories, plot.series[0].values, strict=True)
             if value is not None}
    assert drawn == pytest.approx(expected)
    # Each bar carries its interval as error bars, above and below.
    bars = plot.series[0]._element.find(qn("c:errBars"))
    plus = [float(v.text) for v in bars.find(qn("c:plus")).iter(qn("c:v"))]
    by_label = dict(zip(shown["label"], (shown["ci_high"] - shown["adherence"]).to_list(), strict=True))
    for category, high in zip(plot.categories, plus, strict=True):
        if category in by_label:
            assert high == pytest.approx(by_label[category])


def test_a_slides_headline_is_the_measures_public_figure_and_its_notes_the_definition(pptx, small_demo):
    con, _ = small_demo
    _, presentation = pptx
    for slide in SLIDES:
        headline = HEADLINE_BY_KEY[slide.headline]
        filters = headline_filters(Filters(as_of=QUARTER.as_of), headline)
        value = headline_value(headline, BY_NAME[headline.measure].compute(con, filters), public=True)
        page = _slide(presentation, slide.title)
        assert format_value(headline, value) in _texts(page), slide.title
        notes = page.notes_slide.notes_text_frame.text
        # The whole definition, not its first sentence only; in plain words, no markdown.
        assert len(notes) > 200 and "**" not in notes, slide.title


def test_the_pdf_and_the_pptx_say_the_same(pptx, small_demo, tmp_path):
    con, labels = small_demo
    _, presentation = pptx
    pdf = build_deck(con, QUARTER, tmp_path / "deck.pdf", "demo", labels)
    assert pdf.pages == len(presentation.slides)
    text = " ".join(subprocess.run(["pdftotext", str(pdf.path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    for slide in presentation.slides:
        title = slide.shapes.title.text
        assert title in text
        value = _texts(slide).split()[len(title.split())]  # the headline figure follows the title
        assert value in text


def test_a_deck_for_one_agency_speaks_of_it_alone(small_demo, tmp_path):
    con, labels = small_demo
    out = tmp_path / "one.pptx"
    build_deck(con, QUARTER, out, "demo", {"RSA02": labels["RSA02"]}, ("RSA02",), "pptx")
    presentation = Presentation(str(out))
    everything = " ".join(_texts(s) + " " + s.notes_slide.notes_text_frame.text for s in presentation.slides)
    for slide in presentation.slides:
        chart = _chart(slide)
        if chart is not None:
            everything += " ".join(str(c) for c in chart.plots[0].categories)
    others = [name for agency, name in labels.items() if agency != "RSA02" and name in everything]
    assert others == []
    assert labels["RSA02"] in everything
    # A BHD agency's deck has no page of DCTS programs.
    titles = [s.shapes.title.text for s in presentation.slides]
    assert "Biennial monitoring" not in titles and "Caseload utilization" in titles


def test_a_deck_for_one_agency_opens_with_its_scorecard(small_demo, tmp_path):
    con, labels = small_demo
    out = tmp_path / "one.pptx"
    build_deck(con, QUARTER, out, "demo", {"RSA02": labels["RSA02"]}, ("RSA02",), "pptx")
    slide = Presentation(str(out)).slides[2]
    assert slide.shapes.title.text == f"Scorecard: {labels['RSA02']}"
    table = next(shape.table for shape in slide.shapes if shape.has_table)
    # The quarter to 30 June 2026, and the four quarters to its end, oldest first.
    assert [table.cell(0, c).text for c in range(len(table.columns))] == [
        "Figure", "Target", "Now", "2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    figures = [table.cell(r, 0).text for r in range(1, len(table.rows))]
    assert "Contact periods met" in figures and "Programs overdue for monitoring" not in figures  # BHD's only
    headline = HEADLINE_BY_KEY["client_contact"]
    counted = headline_filters(Filters(as_of=QUARTER.as_of, agencies=("RSA02",)), headline)
    value = headline_value(headline, BY_NAME["adherence_agency"].compute(con, counted), public=True)
    row = 1 + figures.index("Contact periods met")
    assert table.cell(row, 2).text.split("\n")[0] == format_value(headline, value)
    assert table.cell(row, 2).text == table.cell(row, 6).text  # the quarter under review is the last one


def test_the_whole_extracts_deck_has_no_scorecard(pptx):
    _, presentation = pptx
    assert not any(shape.has_table for slide in presentation.slides for shape in slide.shapes)


# The base extract has no documentation reviews, plans, trainings or incidents: their slides are
# left out (the data notes say the tables are absent) rather than say there are none.
BASE_SLIDES = ["Caseload utilization", "Contact with clients", "Recovery Support Team meetings",
               "Care-coordination milestones", "Safety/Crisis Plans", "Time to first contact",
               "Emergencies: time to first contact", "Biennial monitoring", "DCTS deadlines"]


@pytest.fixture
def suppressed(build, tmp_path):
    """The base extract's first quarter: 2 referrals, a caseload of 1, a few contact periods, all
    resting on 1 to 10 people."""
    con = build()
    labels = dict(con.sql("SELECT agency_id, agency_name FROM agencies").fetchall())
    return con, labels


def test_a_suppressed_quarter_leaves_no_slide_blank(suppressed, tmp_path):
    from metrics.report.deck_pptx import CHART_LEFT

    con, labels = suppressed
    out = tmp_path / "deck.pptx"
    build_deck(con, Quarter.parse("2024Q2"), out, "base", labels, format="pptx")
    measure_slides = list(Presentation(str(out)).slides)[2:-2]
    assert [slide.shapes.title.text for slide in measure_slides] == BASE_SLIDES
    said = []
    for slide in measure_slides:
        chart = _chart(slide)
        drawn = chart is not None and any(v is not None for s in chart.plots[0].series for v in s.values)
        pictured = any(s.shape_type == MSO_SHAPE_TYPE.PICTURE for s in slide.shapes)
        # In the chart's place, a sentence saying why there is nothing to draw.
        why = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame and s.left == CHART_LEFT)
        # Or a row for each hidden rate, labelled as such.
        marked = chart is not None and all(str(c).endswith("(not shown)") for c in chart.plots[0].categories)
        assert drawn or pictured or why or marked, _texts(slide)
        assert "No referrals" not in why
        said.append(why)
    # The charts suppression empties name the agency they leave out, and why.
    assert sum("Not shown: Alpha Recovery, resting on (or leaving out) 1 to 10 people" in why for why in said) >= 2


def test_a_suppressed_quarters_pdf_pages_each_show_something(suppressed, tmp_path):
    from PIL import Image

    con, labels = suppressed
    deck = build_deck(con, Quarter.parse("2024Q2"), tmp_path / "deck.pdf", "base", labels)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(deck.path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))[2:-2]
    assert len(pages) == len(BASE_SLIDES)
    for page in pages:
        image = Image.open(page).convert("L")
        width, height = image.size
        # The chart's half of the slide holds something darker than the page: marks or words.
        chart_half = image.crop((width // 2, height // 5, width, height))
        assert chart_half.getextrema()[0] < 200, page.name


def test_in_powerpoint_a_hidden_rate_keeps_its_row_labelled_not_shown(suppressed, tmp_path):
    con, labels = suppressed
    out = tmp_path / "deck.pptx"
    build_deck(con, Quarter.parse("2024Q2"), out, "base", labels, format="pptx")
    presentation = Presentation(str(out))
    slide = _slide(presentation, next(s.title for s in SLIDES if s.headline == "client_contact"))
    plot = _chart(slide).plots[0]
    # A1's contact periods on 31 March 2024 rest on one client: the row is there, with no bar.
    assert list(plot.categories) == ["Alpha Recovery · RSC-I (not shown)"]
    assert list(plot.series[0].values) == [None]
    assert "Not shown: Alpha Recovery" in _texts(slide)


def test_a_step_curve_keeps_its_steps_in_powerpoint():
    import plotly.graph_objects as go

    from metrics.report.deck_pptx import native_chart

    figure = go.Figure(go.Scatter(x=[0.0, 2.0, 5.0], y=[1.0, 0.5, 0.25], mode="lines", line_shape="hv",
                                  name="Alpha", line={"color": "#0072B2"}))
    chart = native_chart(figure)
    assert chart is not None and chart.kind == XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS
    (series,) = chart.series
    # Level until the next referral is reached, then straight down.
    assert list(zip(series.xs, series.values, strict=True)) == [
        (0.0, 1.0), (2.0, 1.0), (2.0, 0.5), (5.0, 0.5), (5.0, 0.25)]
    assert series.colour == "#0072B2"


def test_a_native_chart_names_the_standard_its_plot_drew_as_a_line_and_titles_its_axes():
    from metrics.report import charts
    from metrics.report.deck_pptx import native_chart

    curves = pl.DataFrame({"agency_id": ["A1", "A1"], "hours": [0.0, 0.2], "share_not_reached": [1.0, 0.5]})
    chart = native_chart(charts.survival_curves(curves, {"30-minute standard": 0.5}, {"A1": "Alpha"},
                                                "Share not yet reached", 2.0))
    assert chart is not None
    assert chart.title == "Share not yet reached · 30-minute standard"
    assert (chart.x_title, chart.value_title, chart.x_maximum) == ("hours since referral", "share not yet reached", 2.0)
    bars = pl.DataFrame({"agency_id": ["A1"], "role": ["CM"], "caseload": [60], "capacity": [50.0],
                         "utilization": [1.2]})
    chart = native_chart(charts.utilization_bars(bars, {"A1": "Alpha"}))
    assert chart is not None
    assert chart.title == "Caseload as a share of capacity · standard (100%)"
    assert chart.categories == ("Alpha",) and chart.series[0].values == (1.2,)


def test_a_chart_with_dates_has_no_native_form():
    import plotly.graph_objects as go

    from metrics.report.deck_pptx import native_chart

    figure = go.Figure(go.Scatter(x=[dt.date(2026, 1, 1)], y=["Alpha"], mode="markers"))
    assert native_chart(figure) is None
