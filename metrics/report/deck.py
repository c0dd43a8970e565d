"""The quarterly CRS meeting deck: a title page, one slide-sized page per measure (its chart,
headline figure, change from the previous quarter and one-sentence definition), and a page
of data notes, as a PDF.

Charts are drawn by the same builders as the dashboard and rendered offline by Kaleido
with Debian's Chromium (``BROWSER_PATH``), all in one browser session.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from fpdf import FPDF

from metrics.disclosure.suppression import public_rows
from metrics.extract import quality
from metrics.measures.docs import first_sentence
from metrics.measures.measure import People, ShownWith, worded
from metrics.measures.registry import BY_NAME, HEADLINE_BY_KEY, SLIDES
from metrics.policy.filters import Filters
from metrics.policy.quarters import Quarter
from metrics.policy.settings import settings
from metrics.policy.window import previous_quarter
from metrics.report.headlines import (
    change_text,
    format_value,
    headline_filters,
    headline_value,
)
from metrics.report.slides import hidden_note, slide_figure, slide_rows

PAGE_MM = (338.67, 190.5)  # 16:9, the size of a projected slide
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
CHART_PX = (1150, 620)  # drawn small and scaled up, so that its text reads on a projector
ROW = "_row"  # numbers a slide's rows, to tell those a chart may draw from those it must mark hidden


@dataclass(frozen=True)
class Deck:
    path: Path
    quarter: Quarter
    pages: int


def chart_rows(measure: str, frame: pl.DataFrame, con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """The rows a deck may show: none resting on 1 to 10 people, or leaving 1 to 10 out, by what
    the registry says the measure counts. A chart cannot print "<11", so such a row is left out.

    A curve (of first contact) is drawn for an agency only when the counts it follows may be shown.
    """
    counts = BY_NAME[measure].counts
    if isinstance(counts, People):
        return public_rows(frame, counts.counted)
    if isinstance(counts, ShownWith):
        followed = BY_NAME[counts.measure]
        shown = chart_rows(counts.measure, followed.compute(con, filters), con, filters)
        return frame.join(shown.select(*counts.keys), on=list(counts.keys), how="semi")
    return frame


def _figures(con: duckdb.DuckDBPyConnection, filters: Filters,
             labels: dict[str, str]) -> list[tuple[go.Figure, str | None]]:
    """Each slide's chart, and the sentence naming the agencies suppression left out of it (None: none)."""
    figures = []
    for slide in SLIDES:
        counted = headline_filters(filters, HEADLINE_BY_KEY[slide.headline])
        rows = BY_NAME[slide.measure].compute(con, counted).with_row_index(ROW)
        shown = chart_rows(slide.measure, rows, con, counted)
        hidden = rows.filter(~pl.col(ROW).is_in(shown[ROW].implode())).drop(ROW)
        left_out = hidden.filter(slide_rows(slide.chart))
        figures.append((slide_figure(slide.chart, shown.drop(ROW), hidden, labels, filters.as_of),
                        hidden_note(left_out, labels) if not left_out.is_empty() else None))
    return figures


def _render(figures: list[go.Figure], folder: Path) -> list[Path]:
    """PNG files of the figures, drawn in one browser session."""
    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")
    paths = [folder / f"chart{index}.png" for index in range(len(figures))]
    pio.write_images(  # type: ignore[attr-defined]  # plotly-stubs 0.1.4 lacks write_images
        figures, paths, width=CHART_PX[0], height=CHART_PX[1]
    )
    return paths


class SlidePages(FPDF):
    """Pages the size of a projected slide, in DejaVu Sans (the deck's and the scorecard's)."""

    def __init__(self) -> None:
        super().__init__(orientation="L", unit="mm", format=(PAGE_MM[1], PAGE_MM[0]))
        self.add_font("Sans", "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font("Sans", "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_auto_page_break(False)
        self.set_margins(14, 12, 14)

    def heading(self, text: str, size: int = 26) -> None:
        self.set_font("Sans", "B", size)
        self.cell(0, 14, text, new_x="LMARGIN", new_y="NEXT")

    def paragraph(self, text: str, size: int = 14, width: float = 0) -> None:
        self.set_font("Sans", "", size)
        self.multi_cell(width, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")


def build_deck(
    con: duckdb.DuckDBPyConnection,
    quarter: Quarter,
    out: Path,
    extract_name: str,
    labels: dict[str, str],
    agencies: tuple[str, ...] | None = None,
) -> Deck:
    """Write the deck for this quarter's CRS meeting to ``out``."""
    rules = settings()
    filters = Filters(as_of=quarter.as_of, agencies=agencies)
    earlier = replace(filters, as_of=previous_quarter(filters.as_of))
    pdf = SlidePages()

    pdf.add_page()
    pdf.set_y(55)
    pdf.heading("Community Recovery Services: quarterly meeting", 30)
    pdf.paragraph(f"{quarter.meeting_date:%A %d %B %Y}, {rules.crs_meeting_hours}", 18)
    if agencies is not None:
        pdf.paragraph("For " + ", ".join(sorted(labels.get(a, a) for a in agencies)), 18)
    pdf.ln(6)
    pdf.paragraph(
        f"Figures as of {quarter.as_of:%d %B %Y}, the end of the quarter under review; each change is "
        f"against {earlier.as_of:%d %B %Y}. Rates cover the quarter; counts are on its last day.",
        14,
    )

    with tempfile.TemporaryDirectory() as folder:
        figures = _figures(con, filters, labels)
        images = _render([figure for figure, _ in figures], Path(folder))
        for slide, image, (_, left_out) in zip(SLIDES, images, figures, strict=True):
            headline = HEADLINE_BY_KEY[slide.headline]
            now_filters, then_filters = headline_filters(filters, headline), headline_filters(earlier, headline)
            now = headline_value(headline, BY_NAME[headline.measure].compute(con, now_filters), public=True)
            then = headline_value(headline, BY_NAME[headline.measure].compute(con, then_filters), public=True)
            pdf.add_page()
            pdf.heading(slide.title)
            left = 92
            pdf.set_font("Sans", "B", 40)
            pdf.cell(left, 20, format_value(headline, now), new_x="LMARGIN", new_y="NEXT")
            pdf.paragraph(worded(headline.label, rules), 14, left)
            change = change_text(headline, now, then)
            pdf.paragraph(f"{change} since {earlier.as_of:%d %B %Y}" if change else "No earlier figure", 12, left)
            pdf.ln(6)
            # A slide is explained by its headline's measure.
            pdf.paragraph(first_sentence(BY_NAME[headline.measure].definition), 12, left)
            if left_out is not None:  # in words too, beside the chart that marks or lacks them
                pdf.ln(4)
                pdf.paragraph(left_out, 11, left)
            pdf.image(str(image), x=14 + left + 6, y=26, w=PAGE_MM[0] - (14 + left + 6) - 10)

    first, last = quality.extract_span(con)
    pdf.add_page()
    pdf.heading("About these figures")
    if agencies is None:
        summary = quality.load_summary(con)
        checked = (
            f"{summary['accepted'].sum():,} rows were accepted and {summary['rejected'].sum():,} rejected by the "
            "checks of the extract contract; rejected rows are left out of every figure."
        )
    else:
        # The checks cover every agency of the extract: an agency's deck does not count them.
        checked = "Rows rejected by the checks of the extract contract are left out of every figure."
    pdf.paragraph(
        f"Extract {extract_name}: events from {first:%d %B %Y} to {last:%d %B %Y}. {checked}\n\n"
        f"Small numbers are suppressed: a figure resting on 1 to {settings().suppression_max_count} clients, "
        "referrals or contact periods is left out of the charts, and so is a rate that leaves 1 to "
        f"{settings().suppression_max_count} out (95 of 100 would say 5 were not). Such a headline reads "
        '"Suppressed". Counts of programs, plans and staff are about the organisations and are shown.\n\n'
        "Each figure is counted as of the end of the report date. Rates carry 95% intervals. The definitions, and "
        "the policy rule behind each, are in the dashboard beside every chart.",
        14,
    )
    pdf.output(str(out))
    return Deck(out, quarter, pdf.page_no())
