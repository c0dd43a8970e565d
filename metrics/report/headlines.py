"""The headline figures of the overview and the quarterly deck: their values, windows and changes.

The headlines themselves are declared with their measures in ``metrics.measures.registry``."""

from __future__ import annotations

import polars as pl

from metrics.disclosure.suppression import suppress_rates
from metrics.measures.measure import Headline
from metrics.policy.filters import Filters
from metrics.policy.window import QUARTER, Window
from metrics.policy.wording import count_text, rate_text

# What a headline shows while presenting when its figure rests on few people (rule 2 of
# metrics.disclosure.suppression).
SUPPRESSED = "suppressed"


def headline_filters(filters: Filters, headline: Headline) -> Filters:
    """What a headline of the quarterly deck counts: a rate over the quarter up to the report date
    (unless a period is chosen), a count on the report date itself."""
    if not headline.windowed or filters.period_start is not None or filters.period_end is not None:
        return filters
    return Window(QUARTER).counted(filters)


def headline_value(headline: Headline, frame: pl.DataFrame, public: bool = False) -> float | int | str | None:
    """The headline's figure; when ``public``, ``SUPPRESSED`` for a rate resting on 1 to
    ``suppression_max_count`` people or leaving 1 to that many out."""
    if public and headline.counts is not None:
        met, due = headline.counts(frame)
        if suppress_rates(pl.DataFrame({"met": [met], "due": [due]}), "met", "due", []).hidden_rows().item():
            return SUPPRESSED
    return headline.compute(frame)


def change_text(headline: Headline, now: float | int | str | None, before: float | int | str | None) -> str | None:
    """The change since a quarter earlier, in points for rates; None when either is unknown or suppressed."""
    # The only text a headline's figure can be is SUPPRESSED (see headline_value).
    if now is None or before is None or isinstance(now, str) or isinstance(before, str):
        return None
    if headline.percent:
        return f"{(now - before) * 100:+.1f} points"
    return f"{now - before:+,}"


def format_value(headline: Headline, value: float | int | str | None) -> str:
    """The figure as the pages write it (metrics.policy.wording): one percent format everywhere."""
    if value == SUPPRESSED:
        return "Suppressed"
    if headline.percent:
        return rate_text(None if isinstance(value, str) else value, hidden=False)
    return count_text(None if isinstance(value, float) else value)
