"""The deck as an editable PowerPoint file (``metrics.report.deck_content`` decides what it says).

Each slide's chart is a native PowerPoint chart where python-pptx has its type: bars stay bars
(clustered or stacked), step curves become scatter lines, and a dot with its interval becomes a
bar with error bars. A chart PowerPoint cannot draw from data (dates on a category axis) is the
PDF's picture. Speaker notes carry each measure's whole definition.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from pptx import Presentation
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.oxml import parse_xml
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from metrics.report.deck_content import AgencyScorecard, DeckContent, MeasurePage
from metrics.report.deck_pdf import render_charts
from metrics.report.scorecard import FILLS, STATUS_KEY, cell_text

WIDE, HIGH = Emu(12_192_000), Emu(6_858_000)  # PowerPoint's 16:9 (13.33 by 7.5 inches), as the PDF's pages
TITLE_ONLY = 5  # the default template's "Title Only" layout: a real title, for the outline and screen readers
LEFT = Inches(0.5)
TEXT_WIDTH = Inches(3.6)
CHART_LEFT = LEFT + TEXT_WIDTH + Inches(0.25)
CHART_TOP = Inches(1.25)


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]  # by category, or the y of each point
    xs: tuple[float, ...] = ()  # the x of each point (scatter lines only)
    colour: str | None = None  # "#RRGGBB"
    plus: tuple[float, ...] = ()  # the interval above and below each value (rates only)
    minus: tuple[float, ...] = ()


@dataclass(frozen=True)
class NativeChart:
    kind: Any  # an XL_CHART_TYPE member
    title: str
    categories: tuple[str, ...]  # empty for scatter lines
    series: tuple[Series, ...]
    number_format: str  # '0%' on a share axis
    maximum: float | None
    step: float | None = None  # between the value axis's ticks (whole numbers for counts)
    value_title: str = ""  # what the value axis measures, as the figure's axis says it
    x_title: str = ""  # what the x axis of scatter lines measures
    x_maximum: float | None = None


def _hex(colour: object) -> str | None:
    return colour if isinstance(colour, str) and len(colour) == 7 and colour.startswith("#") else None


def _colour(hex_colour: str) -> Any:
    """A "#RRGGBB" colour as python-pptx takes it."""
    return RGBColor.from_string(hex_colour[1:])  # type: ignore[no-untyped-call]  # untyped in python-pptx


def _number_format(axis: Any) -> str:
    return "0%" if axis.tickformat == ".0%" else "General"


def _title(figure: go.Figure, references: Sequence[str]) -> str:
    """The chart's title; a reference line drawn across the plot (a standard) is named in it, as
    a native chart holds no such line: by its legend entry or the words written beside it."""
    title = figure.layout.title.text or ""
    beside = [str(note.text) for note in figure.layout.annotations if note.text and note.xref != "paper"]
    return " · ".join([title, *references, *beside])


def _axis_title(axis: Any) -> str:
    return str(axis.title.text or "")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _value(value: object) -> float | None:
    """A plotted value as a chart cell: none for a gap (None or NaN)."""
    return float(value) if _is_number(value) and value == value else None  # type: ignore[arg-type]


def native_chart(figure: go.Figure) -> NativeChart | None:
    """The figure as a PowerPoint chart's data, or None when it has no native form."""
    # A legend entry with no point names a reference line (charts._reference_line).
    drawn: Sequence[Any] = figure.data  # plotly's traces, typed loosely by its stubs
    entries = [trace for trace in drawn if trace.x is not None and all(x is None for x in trace.x)]
    references = [str(trace.name) for trace in entries]
    traces = [trace for trace in drawn if trace not in entries]
    if not traces:
        return None
    bars: list[Any] = [trace for trace in traces if isinstance(trace, go.Bar)]
    dots: list[Any] = [trace for trace in traces if isinstance(trace, go.Scatter)]
    if len(bars) == len(traces) and all(trace.orientation == "h" for trace in bars):
        categories = tuple(dict.fromkeys(str(y) for trace in bars for y in trace.y))
        series = []
        for trace in bars:
            by_category = dict(zip((str(y) for y in trace.y), trace.x, strict=True))
            series.append(Series(str(trace.name or ""), tuple(_value(by_category.get(c)) for c in categories),
                                 colour=_hex(trace.marker.color)))
        stacked = figure.layout.barmode == "stack"
        upper = figure.layout.xaxis.range
        return NativeChart(XL_CHART_TYPE.BAR_STACKED if stacked else XL_CHART_TYPE.BAR_CLUSTERED,
                           _title(figure, references), categories, tuple(series),
                           _number_format(figure.layout.xaxis), upper[1] if upper else None,
                           figure.layout.xaxis.dtick, _axis_title(figure.layout.xaxis))
    if len(dots) == 1 and dots[0].error_x.array is not None and all(isinstance(y, str) for y in dots[0].y):
        # A rate per row with its interval: the rows suppression hides (a marking bar) keep their
        # place with no value, their label saying so.
        dot: Any = dots[0]
        marked = {str(y) for trace in bars for y in trace.y}
        categories = tuple(f"{y} (not shown)" if y in marked else str(y) for y in dot.y)
        values = tuple(_value(x) for x in dot.x)  # none for a hidden row
        interval = [tuple(_value(v) or 0.0 for v in array) for array in (dot.error_x.array, dot.error_x.arrayminus)]
        return NativeChart(XL_CHART_TYPE.BAR_CLUSTERED, _title(figure, references), categories,
                           (Series(str(dot.name or ""), values, colour=_hex(dot.marker.color),
                                   plus=interval[0], minus=interval[1]),),
                           "0%", 1.0, value_title=_axis_title(figure.layout.xaxis))
    if len(dots) == len(traces) and all(_is_number(x) for trace in dots for x in trace.x if x is not None):
        series = []
        for trace in dots:
            points = [(float(x), float(y)) for x, y in zip(trace.x, trace.y, strict=True) if x is not None]
            if trace.line.shape == "hv":  # a step: level until the next point, then straight down
                points = [p for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False)
                          for p in ((x0, y0), (x1, y0))] + points[-1:]
            series.append(Series(str(trace.name or ""), tuple(y for _, y in points), xs=tuple(x for x, _ in points),
                                 colour=_hex(trace.line.color)))
        upper, right = figure.layout.yaxis.range, figure.layout.xaxis.range
        return NativeChart(XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS, _title(figure, references), (),
                           tuple(series), _number_format(figure.layout.yaxis), upper[1] if upper else None,
                           value_title=_axis_title(figure.layout.yaxis), x_title=_axis_title(figure.layout.xaxis),
                           x_maximum=right[1] if right else None)
    return None


def _error_bars(series_element: Any, series: Series) -> None:
    """Custom error bars (the interval) on a bar series: python-pptx has no API for them, so
    they are written as DrawingML, in the place its schema gives them (before c:cat)."""

    def values(tag: str, numbers: tuple[float, ...]) -> str:
        points = "".join(f'<c:pt idx="{i}"><c:v>{n}</c:v></c:pt>' for i, n in enumerate(numbers))
        return (f"<c:{tag}><c:numLit><c:formatCode>General</c:formatCode>"
                f'<c:ptCount val="{len(numbers)}"/>{points}</c:numLit></c:{tag}>')

    xml = (f'<c:errBars xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart">'
           '<c:errBarType val="both"/><c:errValType val="cust"/><c:noEndCap val="0"/>'
           f'{values("plus", series.plus)}{values("minus", series.minus)}</c:errBars>')
    series_element.find(qn("c:cat")).addprevious(parse_xml(xml))


def _add_chart(slide: Any, chart: NativeChart, left: int, top: int, width: int, height: int) -> None:
    data: Any  # python-pptx's chart data and charts carry partial annotations: handled as Any here
    if chart.categories:
        data = CategoryChartData(number_format=chart.number_format)  # type: ignore[no-untyped-call]
        data.categories = chart.categories
        for series in chart.series:
            data.add_series(series.name, series.values)
    else:
        data = XyChartData(number_format=chart.number_format)  # type: ignore[no-untyped-call]
        for series in chart.series:
            points = data.add_series(series.name)
            for x, y in zip(series.xs, series.values, strict=True):
                points.add_data_point(x, y)
    graphic: Any = slide.shapes.add_chart(chart.kind, Emu(left), Emu(top), Emu(width), Emu(height), data).chart
    graphic.has_title = True
    graphic.chart_title.text_frame.text = chart.title
    graphic.chart_title.text_frame.paragraphs[0].font.size = Pt(16)
    # Lines are agencies: even one is named. A single bar series needs no key.
    graphic.has_legend = len(chart.series) > 1 or not chart.categories
    if graphic.has_legend:
        graphic.legend.position = XL_LEGEND_POSITION.BOTTOM
        graphic.legend.include_in_layout = False
    graphic.font.size = Pt(12)
    axis = graphic.value_axis
    axis.tick_labels.number_format = chart.number_format
    axis.tick_labels.number_format_is_linked = False
    axis.minimum_scale = 0
    if chart.maximum is not None:
        axis.maximum_scale = chart.maximum
    # Axis titles as the PDF's: what a bar's length or a point's height measures.
    for titled, text in ((axis, chart.value_title), (graphic.category_axis, chart.x_title)):
        if text:
            titled.has_title = True
            titled.axis_title.text_frame.text = text
            titled.axis_title.text_frame.paragraphs[0].font.size = Pt(12)
            titled.axis_title.text_frame.paragraphs[0].font.bold = False
    if chart.x_maximum is not None:
        graphic.category_axis.minimum_scale = 0
        graphic.category_axis.maximum_scale = chart.x_maximum
    if chart.step is not None:
        axis.major_unit = chart.step
    if chart.categories:
        graphic.category_axis.reverse_order = True  # the first row on top, as on the page and in the PDF
        # ... which would move the value axis to the top: it is to cross at the last row, now at the
        # bottom. python-pptx sets where an axis is crossed only on the value axis, so this is XML.
        graphic.value_axis._element.find(qn("c:crosses")).set("val", "max")
        plot = graphic.plots[0]
        plot.gap_width = 40
        stacked = chart.kind == XL_CHART_TYPE.BAR_STACKED
        if stacked:
            plot.overlap = 100
        plot.has_data_labels = True
        # A stacked bar's empty part would read "0" between its neighbours: the format's third
        # section, for zero, is left empty.
        plot.data_labels.number_format = "#,##0;-#,##0;;" if stacked else chart.number_format
        plot.data_labels.number_format_is_linked = False
        plot.data_labels.font.size = Pt(10)
        if any(series.plus for series in chart.series):  # at the bar's base, clear of its interval
            plot.data_labels.position = XL_LABEL_POSITION.INSIDE_BASE
            plot.data_labels.font.color.rgb = _colour("#FFFFFF")
    for drawn, series in zip(graphic.plots[0].series, chart.series, strict=True):
        if series.colour is not None:
            colour = _colour(series.colour)
            if chart.categories:
                drawn.format.fill.solid()
                drawn.format.fill.fore_color.rgb = colour
            else:
                drawn.format.line.color.rgb = colour
                drawn.smooth = False
        if series.plus:
            _error_bars(drawn._element, series)


def _text(slide: Any, left: int, top: int, width: int, height: int,
          paragraphs: Sequence[tuple[str, int, bool]]) -> None:
    """A text box of (text, size in points, bold) paragraphs, wrapped to its width."""
    frame = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height)).text_frame
    frame.word_wrap = True
    for index, (text, size, bold) in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.text = text
        paragraph.font.size = Pt(size)
        paragraph.font.bold = bold
        paragraph.space_after = Pt(size * 0.4)


def _titled(deck: Any, title: str) -> Any:
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY])
    slide.shapes.title.text = title
    slide.shapes.title.left, slide.shapes.title.top = LEFT, Inches(0.25)
    slide.shapes.title.width, slide.shapes.title.height = WIDE - 2 * LEFT, Inches(0.9)
    slide.shapes.title.text_frame.paragraphs[0].font.size = Pt(32)
    return slide


def _measure_slide(deck: Any, page: MeasurePage, picture: Path | None) -> None:
    slide: Any = _titled(deck, page.slide.title)
    paragraphs = [(page.value, 36, True), (page.label, 16, False), (page.change, 13, False),
                  (page.definition, 13, False)]
    if page.left_out is not None:
        paragraphs.append((page.left_out, 12, False))
    _text(slide, LEFT, CHART_TOP, TEXT_WIDTH, HIGH - CHART_TOP - Inches(0.4), paragraphs)
    width, height = WIDE - CHART_LEFT - Inches(0.4), HIGH - CHART_TOP - Inches(0.3)
    chart = native_chart(page.figure)
    if chart is not None:
        _add_chart(slide, chart, CHART_LEFT, CHART_TOP, width, height)
    elif picture is not None:
        slide.shapes.add_picture(str(picture), Emu(CHART_LEFT), Emu(CHART_TOP), width=Emu(width))
    else:  # nothing to draw: the chart's message (why it is empty) in its place
        message = " ".join(str(note.text).replace("<br>", " ") for note in page.figure.layout.annotations)
        _text(slide, CHART_LEFT, CHART_TOP + Inches(2), width, Inches(2), [(message, 18, False)])
    slide.notes_slide.notes_text_frame.text = page.notes


def _scorecard_slide(deck: Any, card: AgencyScorecard) -> None:
    """The scorecard as a native table, each cell its figure and status in words, filled as in
    the PDF."""
    slide = _titled(deck, f"Scorecard: {card.agency}")
    _text(slide, LEFT, Inches(1.1), WIDE - 2 * LEFT, Inches(0.5), [(card.caption, 13, False)])
    quarters = [quarter for quarter, _ in card.rows[0].quarters] if card.rows else []
    header = ["Figure", "Target", "Now", *quarters]
    height = Inches(0.45) * (len(card.rows) + 1)
    table = slide.shapes.add_table(len(card.rows) + 1, len(header), LEFT, Inches(1.7), WIDE - 2 * LEFT,
                                   height).table
    widths = [Inches(2.8), Inches(3.1)] + [Emu(int((WIDE - 2 * LEFT - Inches(5.9)) / (len(header) - 2)))] * (
        len(header) - 2)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    cells: list[list[tuple[str, str | None]]] = [[(title, None) for title in header]]
    for row in card.rows:
        scores = [row.now, *(score for _, score in row.quarters)]
        cells.append([(row.figure, None), (row.rule, None),
                      *((cell_text(score), score.status) for score in scores)])
    for r, values in enumerate(cells):
        for c, (text, state) in enumerate(values):
            cell = table.cell(r, c)
            cell.text = text
            for paragraph in cell.text_frame.paragraphs:
                paragraph.font.size = Pt(12 if r else 13)
                paragraph.font.bold = r == 0
                if c >= 2:  # the figures, centred under their quarter
                    paragraph.alignment = PP_ALIGN.CENTER
            if r:
                cell.fill.solid()
                cell.fill.fore_color.rgb = _colour("#{:02X}{:02X}{:02X}".format(*FILLS[state]))
                for paragraph in cell.text_frame.paragraphs:
                    paragraph.font.color.rgb = _colour("#000000")
    # At the slide's foot: a row grows with its text, so the table's own height is not known here.
    _text(slide, LEFT, HIGH - Inches(0.8), WIDE - 2 * LEFT, Inches(0.5), [(STATUS_KEY, 11, False)])


def write_pptx(content: DeckContent, out: Path) -> int:
    """Write the deck to ``out``; its number of slides."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDE, HIGH

    title = deck.slides.add_slide(deck.slide_layouts[0])
    heading, under = title.shapes.title, title.placeholders[1]
    heading.text = content.title
    under.text = "\n".join([content.when, *([content.audience] if content.audience else []), content.scope])
    # The template's places are for a 4:3 slide: set again for 16:9.
    for shape, top, height in ((heading, Inches(1.8), Inches(1.6)), (under, Inches(3.6), Inches(2.8))):
        shape.left, shape.width, shape.top, shape.height = LEFT, WIDE - 2 * LEFT, top, height
    heading.text_frame.paragraphs[0].font.size = Pt(36)
    for paragraph in under.text_frame.paragraphs:
        paragraph.font.size = Pt(18)

    agenda = _titled(deck, "Agenda")
    _text(agenda, LEFT, CHART_TOP, WIDE - 2 * LEFT, HIGH - CHART_TOP - Inches(0.4),
          [line for part, titles in content.agenda for line in ((part, 20, True), ("   ".join(titles), 15, False))])
    if content.scorecard is not None:
        _scorecard_slide(deck, content.scorecard)

    with tempfile.TemporaryDirectory() as folder:
        # Only charts with no native form are drawn as pictures.
        drawn = [page for page in content.pages if page.figure.data and native_chart(page.figure) is None]
        pictures = dict(zip((id(page) for page in drawn), render_charts([p.figure for p in drawn], Path(folder)),
                            strict=True))
        for page in content.pages:
            _measure_slide(deck, page, pictures.get(id(page)))
        for number, notes in enumerate(content.data_notes):
            listed = _titled(deck, "Data notes" if number == 0 else "Data notes (continued)")
            _text(listed, LEFT, CHART_TOP, WIDE - 2 * LEFT, HIGH - CHART_TOP - Inches(0.4),
                  [(f"• {note}", 13, False) for note in notes or ("Nothing to warn of.",)])
        about = _titled(deck, "About these figures")
        _text(about, LEFT, CHART_TOP, WIDE - 2 * LEFT, HIGH - CHART_TOP - Inches(0.4),
              [(paragraph, 15, False) for paragraph in content.about.split("\n\n")])
        deck.save(str(out))
    return len(deck.slides)
