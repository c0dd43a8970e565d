"""The overview: a tile per headline of the registry, its change since a quarter earlier, and
the rows of its download."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from metrics.measures.measure import Headline, worded
from metrics.measures.registry import BY_NAME, HEADLINES, OVERSIGHT_OF_PAGE, PAGE_OF_MEASURE
from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.policy.window import Window, previous_quarter
from metrics.report.headlines import SUPPRESSED, change_text, format_value, headline_value

# A measure's rows for these filters (the dashboard's cached ``measure``).
FrameOf = Callable[[str, Filters], pl.DataFrame]
# Whether the extract has an optional table (the dashboard's ``provides``).
Provides = Callable[[str], bool]


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


def _uncounted(headline: Headline, filters: Filters, public: bool, rules: Settings, value: str, help: str,
               caption: str) -> Tile:
    """A tile with no figure, saying why rather than counting nothing as 0."""
    label = worded(headline.label, rules)
    row: dict[str, Any] = {"figure": label, "as_of": filters.as_of, "counted_from": None, "counted_to": None,
                           "value": None, "quarter_earlier": None}
    if public:
        row["suppressed"] = False
    return Tile(
        label=label,
        value=value,
        change=None,
        delta_color="off",
        help=help,
        caption=caption,
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
          selected: frozenset[str], provides: Provides = lambda table: True) -> list[Tile]:
    """A tile per headline, in the registry's order, counted with the pages' own ``filters`` (over
    ``window``); ``selected`` holds the oversights the filters' agencies belong to, and a headline of
    another says "Not selected"; one whose measure needs an optional table the extract lacks
    (``provides``) says so, as its page does."""
    shown = []
    for headline in HEADLINES:
        oversight = OVERSIGHT_OF_PAGE[PAGE_OF_MEASURE[headline.measure]]
        lacking = [table for table in BY_NAME[headline.measure].needs if not provides(table)]
        if oversight not in selected:
            shown.append(_uncounted(headline, filters, public, rules, "Not selected",
                                    f"The filters leave out {oversight}'s agencies.", f"{oversight} not selected"))
        elif lacking:
            missing = f"no {' or '.join(lacking)} table"
            shown.append(_uncounted(headline, filters, public, rules, "Not in this extract",
                                    f"This extract has {missing}, an optional one.", missing.capitalize()))
        else:
            shown.append(_tile(headline, filters, window, public, frame_of, rules))
    return shown


def download_rows(shown: list[Tile]) -> pl.DataFrame:
    return pl.DataFrame([tile.row for tile in shown])

