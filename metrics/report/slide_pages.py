"""Pages the size of a projected slide, in DejaVu Sans: the deck's PDF and the scorecard's."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

PAGE_MM = (338.67, 190.5)  # 16:9, the size of a projected slide
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


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
