"""The overview: a tile per headline of the registry, its change since a quarter earlier, and
the rows of its download."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

import polars as pl

from metrics.measures.measure import Headline, worded
from metrics.measures.registry import HEADLINES, OVERSIGHT_OF_PAGE, PAGE_OF_MEASURE
from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.report.headlines import (
    SUPPRESSED,
    change_text,
    format_value,
    headline_filters,
    headline_value,
    previous_quarter,
)

# A measure's rows for these filters (the dashboard's cached ``measure``).
FrameOf = Callable[[str, Filters], pl.DataFrame]


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    change: str | None
    delta_color: Literal["normal", "inverse", "off"]
    help: str | None
    caption: str
    page: str
    row: dict[str, Any]  # the tile as a row of the overview's download


def caption(filters: Filters) -> str:
    earlier = previous_quarter(filters.as_of)
    return (
        f"As of {filters.as_of:%d %B %Y}. Counts are on that day and rates over the quarter up to it; "
        f"each change is against the same figure a quarter earlier ({earlier:%d %B %Y})."
    )


def _not_selected(headline: Headline, filters: Filters, public: bool, rules: Settings, oversight: str) -> Tile:
    """A tile of an oversight the filters leave out: saying so rather than counting nothing as 0."""
    label = worded(headline.label, rules)
    row: dict[str, Any] = {"figure": label, "as_of": filters.as_of, "counted_from": None, "value": None,
                           "quarter_earlier": None}
    if public:
        row["suppressed"] = False
    return Tile(
        label=label,
        value="Not selected",
        change=None,
        delta_color="off",
        help=f"The filters leave out {oversight}'s agencies.",
        caption=f"{oversight} not selected",
        page=PAGE_OF_MEASURE[headline.measure],
        row=row,
    )


def _tile(headline: Headline, filters: Filters, public: bool, frame_of: FrameOf, rules: Settings) -> Tile:
    earlier = replace(filters, as_of=previous_quarter(filters.as_of))
    counted_now, counted_before = headline_filters(filters, headline), headline_filters(earlier, headline)
    now = headline_value(headline, frame_of(headline.measure, counted_now), public)
    before = headline_value(headline, frame_of(headline.measure, counted_before), public)
    suppressed = SUPPRESSED in (now, before)
    label = worded(headline.label, rules)
    row: dict[str, Any] = {
        "figure": label,
        "as_of": filters.as_of,
        "counted_from": counted_now.period_start,
        "value": None if now == SUPPRESSED else now,
        "quarter_earlier": None if before == SUPPRESSED else before,
    }
    if public:  # a suppressed figure is left empty, and says why
        row["suppressed"] = suppressed
    unchanged = now == before
    if headline.windowed and counted_now.period_start is not None and counted_now.period_end is not None:
        when = f"Over {counted_now.period_start:%d %b} – {counted_now.period_end:%d %b %Y}"
    else:
        when = f"On {filters.as_of:%d %b %Y}"
    return Tile(
        label=label,
        value=format_value(headline, now),
        change=change_text(headline, now, before),
        delta_color="off" if unchanged else "normal" if headline.higher_is_better else "inverse",
        help=(
            f"Suppressed for presenting: it rests on, or leaves out, 1 to {rules.suppression_max_count} people."
            if suppressed
            else worded(headline.help, rules) or None
        ),
        caption=when,
        page=PAGE_OF_MEASURE[headline.measure],
        row=row,
    )


def tiles(filters: Filters, public: bool, frame_of: FrameOf, rules: Settings, selected: frozenset[str]) -> list[Tile]:
    """A tile per headline, in the registry's order; ``selected`` holds the oversights the
    filters' agencies belong to, and a headline of another says "Not selected"."""
    shown = []
    for headline in HEADLINES:
        oversight = OVERSIGHT_OF_PAGE[PAGE_OF_MEASURE[headline.measure]]
        shown.append(_tile(headline, filters, public, frame_of, rules) if oversight in selected
                     else _not_selected(headline, filters, public, rules, oversight))
    return shown


def download_rows(shown: list[Tile]) -> pl.DataFrame:
    return pl.DataFrame([tile.row for tile in shown])

