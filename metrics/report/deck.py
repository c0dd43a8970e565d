"""The quarterly CRS meeting deck, written as a PDF (``metrics.report.deck_pdf``) or an editable
PowerPoint file (``metrics.report.deck_pptx``) from the one content ``metrics.report.deck_content``
decides."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from metrics.policy.quarters import Quarter
from metrics.report import DeckFormat
from metrics.report.deck_content import deck_content
from metrics.report.deck_pdf import write_pdf
from metrics.report.deck_pptx import write_pptx


@dataclass(frozen=True)
class Deck:
    path: Path
    quarter: Quarter
    pages: int


def build_deck(
    con: duckdb.DuckDBPyConnection,
    quarter: Quarter,
    out: Path,
    extract_name: str,
    labels: dict[str, str],
    agencies: tuple[str, ...] | None = None,
    format: DeckFormat = "pdf",
) -> Deck:
    """Write the deck for this quarter's CRS meeting to ``out``, as a PDF or a PowerPoint file."""
    content = deck_content(con, quarter, extract_name, labels, agencies)
    write = write_pptx if format == "pptx" else write_pdf
    return Deck(out, quarter, write(content, out))
