"""What each dashboard page shows, headless: pure functions of the measures' frames and the
settings, returning frames, figures and words. A page asks these for what to show and draws
it; one module per page.

A page's linked tables are suppressed together while presenting (``dashboard.presenting``):
``linked(...)`` builds them here, and the functions that shape what is shown take the tables
as shown (``Figures``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import polars as pl


@dataclass(frozen=True)
class Metric:
    """A headline figure of a page: its label, its value as shown, and a note."""

    label: str
    value: int | str
    help: str | None = None


class Figures(Protocol):
    """A page's linked tables as shown (``dashboard.presenting.Shown``)."""

    def table(self, name: str) -> pl.DataFrame: ...

    def rows(self, name: str) -> pl.DataFrame: ...

    def hidden(self, name: str) -> pl.Series: ...


def for_choice(file_name: str, choice: str | None) -> str:
    """A download named for the choice its page was showing (None: the page's default), since the
    file leaves the page without the choice above it: ``adherence_agency.csv`` becomes
    ``adherence_agency_rst_meeting.csv``."""
    if choice is None:
        return file_name
    stem, dot, suffix = file_name.rpartition(".")
    return f"{stem}_{choice}{dot}{suffix}"


def overall_rate(figures: Figures, rate: str) -> float | None:
    """The rate of all shown agencies as the page's headline gives it; None while presenting hides it."""
    if figures.hidden("all").item():
        return None
    value = figures.table("all")[rate].item()
    return None if value is None else float(value)


def named(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    """Add ``agency_name`` beside ``agency_id``, for tables and downloads people read."""
    return frame.with_columns(
        pl.col("agency_id").replace_strict(labels, default=pl.col("agency_id")).alias("agency_name")
    )


# Between an agency's name and its service level in a chart's labels ("Alpha Recovery · CM").
LABEL_SEPARATOR = " · "


def with_level_labels(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    """Each row named "agency · level", as the charts of agencies and service levels label it."""
    return named(frame, labels).with_columns(
        (pl.col("agency_name") + LABEL_SEPARATOR + pl.col("service_level")).alias("label"))
