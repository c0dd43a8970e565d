"""The deck as a PDF of slide-sized pages (``metrics.report.deck_content`` decides what it says).

Charts are drawn by the same builders as the dashboard and rendered offline by Kaleido with
Debian's Chromium (``BROWSER_PATH``), all in one browser session.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from metrics.report.deck_content import DeckContent
from metrics.report.scorecard import scorecard_table
from metrics.report.slide_pages import PAGE_MM, SlidePages

CHART_PX = (1150, 620)  # drawn small and scaled up, so that its text reads on a projector


def render_charts(figures: list[go.Figure], folder: Path) -> list[Path]:
    """PNG files of the figures, drawn in one browser session."""
    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")
    paths = [folder / f"chart{index}.png" for index in range(len(figures))]
    if figures:
        pio.write_images(  # type: ignore[attr-defined]  # plotly-stubs 0.1.4 lacks write_images
            figures, paths, width=CHART_PX[0], height=CHART_PX[1]
        )
    return paths


def write_pdf(content: DeckContent, out: Path) -> int:
    """Write the deck to ``out``; its number of pages."""
    pdf = SlidePages()

    pdf.add_page()
    pdf.set_y(55)
    pdf.heading(content.title, 30)
    pdf.paragraph(content.when, 18)
    if content.audience is not None:
        pdf.paragraph(content.audience, 18)
    pdf.ln(6)
    pdf.paragraph(content.scope, 14)

    pdf.add_page()
    pdf.heading("Agenda")
    for part, titles in content.agenda:
        pdf.set_font("Sans", "B", 16)
        pdf.cell(0, 10, part, new_x="LMARGIN", new_y="NEXT")
        pdf.paragraph("   ".join(titles), 13)
        pdf.ln(2)

    if content.scorecard is not None:
        pdf.add_page()
        pdf.heading(f"Scorecard: {content.scorecard.agency}")
        pdf.paragraph(content.scorecard.caption, 11)
        pdf.ln(4)
        scorecard_table(pdf, list(content.scorecard.rows))

    with tempfile.TemporaryDirectory() as folder:
        images = render_charts([page.figure for page in content.pages], Path(folder))
        for page, image in zip(content.pages, images, strict=True):
            pdf.add_page()
            pdf.heading(page.slide.title)
            left = 92
            pdf.set_font("Sans", "B", 40)
            pdf.cell(left, 20, page.value, new_x="LMARGIN", new_y="NEXT")
            pdf.paragraph(page.label, 14, left)
            pdf.paragraph(page.change, 12, left)
            pdf.ln(6)
            pdf.paragraph(page.definition, 12, left)
            if page.left_out is not None:  # in words too, beside the chart that marks or lacks them
                pdf.ln(4)
                pdf.paragraph(page.left_out, 11, left)
            pdf.image(str(image), x=14 + left + 6, y=26, w=PAGE_MM[0] - (14 + left + 6) - 10)

    for number, notes in enumerate(content.data_notes):
        pdf.add_page()
        pdf.heading("Data notes" if number == 0 else "Data notes (continued)")
        for note in notes or ("Nothing to warn of.",):
            pdf.paragraph(f"• {note}", 13)
            pdf.ln(1)

    pdf.add_page()
    pdf.heading("About these figures")
    pdf.paragraph(content.about, 14)
    pdf.output(str(out))
    return pdf.page_no()
