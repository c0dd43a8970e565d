"""Headless reporting for the command line and the dashboard: what each page shows (views),
column labels and status words, headlines, charts and slides (Plotly), CSV files, and the deck."""

from typing import Literal

# The files the quarterly deck is written as (metrics.report.deck_pdf, metrics.report.deck_pptx).
DeckFormat = Literal["pdf", "pptx"]
DECK_FORMATS: tuple[DeckFormat, ...] = ("pdf", "pptx")
# The files the per-agency report to send back is written as (metrics.report.agency_reports).
ReportFormat = Literal["csv", "xlsx"]
REPORT_FORMATS: tuple[ReportFormat, ...] = ("csv", "xlsx")
