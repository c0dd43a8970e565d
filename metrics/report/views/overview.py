"""The overview: a tile per headline of the registry, its change since a quarter earlier, and
the rows of its download."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from metrics.measures.measure import Headline, worded
from metrics.measures.registry import HEADLINES, OVERSIGHT_OF_PAGE, PAGE_OF_MEASURE
from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.policy.window import Window, previous_quarter
from metrics.report.headlines import SUPPRESSED, change_text, format_value, headline_value

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


def caption(filters: Filters, window: Window) -> str:
    """What the tiles count, as the pages they link to count it: ``filters`` are the pages' own."""
    earlier = previous_quarter(filters.as_of)
    return (
        f"As of {filters.as_of:%d %B %Y}. Counts are on that day, and rates over {window.describe(filters)}, "
        f"as on the pages each tile links to; each change is against the same figure a quarter earlier "
        f"({earlier:%d %B %Y})."
    )


def _not_selected(headline: Headline, filters: Filters, public: bool, rules: Settings, oversight: str) -> Tile:
    """A tile of an oversight the filters leave out: saying so rather than counting nothing as 0."""
    label = worded(headline.label, rules)
    row: dict[str, Any] = {"figure": label, "as_of": filters.as_of, "counted_from": None, "counted_to": None,
                           "value": None, "quarter_earlier": None}
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


def _tile(headline: Headline, filters: Filters, window: Window, public: bool, frame_of: FrameOf,
          rules: Settings) -> Tile:
    now = headline_value(headline, frame_of(headline.measure, filters), public)
    before = headline_value(headline, frame_of(headline.measure, window.a_quarter_earlier(filters)), public)
    suppressed = SUPPRESSED in (now, before)
    label = worded(headline.label, rules)
    row: dict[str, Any] = {
        "figure": label,
        "as_of": filters.as_of,
        "counted_from": filters.period_start if headline.windowed else None,
        "counted_to": filters.period_end if headline.windowed else None,
        "value": None if now == SUPPRESSED else now,
        "quarter_earlier": None if before == SUPPRESSED else before,
    }
    if public:  # a suppressed figure is left empty, and says why
        row["suppressed"] = suppressed
    unchanged = now == before
    if headline.windowed:  # the window's name is in the caption above the tiles
        when = f"Over {window.dates(filters)}"
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


def tiles(filters: Filters, window: Window, public: bool, frame_of: FrameOf, rules: Settings,
          selected: frozenset[str]) -> list[Tile]:
    """A tile per headline, in the registry's order, counted with the pages' own ``filters`` (over
    ``window``); ``selected`` holds the oversights the filters' agencies belong to, and a headline of
    another says "Not selected"."""
    shown = []
    for headline in HEADLINES:
        oversight = OVERSIGHT_OF_PAGE[PAGE_OF_MEASURE[headline.measure]]
        shown.append(_tile(headline, filters, window, public, frame_of, rules) if oversight in selected
                     else _not_selected(headline, filters, public, rules, oversight))
    return shown


def download_rows(shown: list[Tile]) -> pl.DataFrame:
    return pl.DataFrame([tile.row for tile in shown])

