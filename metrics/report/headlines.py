"""The headline figures of the overview and the quarterly deck: their values, windows and changes.

The headlines themselves are declared with their measures in ``metrics.measures.registry``."""

from __future__ import annotations

import numpy as np
import polars as pl

from metrics.disclosure.suppression import disclosed, public_rows, suppress_rates
from metrics.measures.measure import Headline
from metrics.measures.registry import COUNTED
from metrics.policy.filters import Filters
from metrics.policy.settings import settings
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


def _gives_away(headline: Headline, column: str, frame: pl.DataFrame) -> bool:
    """Whether a count of people, the sum of ``column`` over the measure's rows, would let a reader work
    out a hidden figure: it is 1 to ``suppression_max_count`` itself, or, beside the rows a chart may
    show (``public_rows``: the deck's), it tells what the hidden ones add up to and so one of them."""
    total = int(frame[column].sum())
    if 1 <= total <= settings().suppression_max_count:
        return True
    row = "_headline_row"
    numbered = frame.with_row_index(row)
    hidden = ~numbered[row].is_in(public_rows(numbered, COUNTED[headline.measure])[row].implode())
    if not hidden.any():
        return False
    # One line: the rows add up to the total.
    counts = np.array([*frame[column].to_list(), total], dtype=np.int64)
    suppressed = np.array([*hidden.to_list(), False])
    return bool(disclosed(counts, suppressed, [(list(range(frame.height)), frame.height)]))


def headline_value(headline: Headline, frame: pl.DataFrame, public: bool = False) -> float | int | str | None:
    """The headline's figure; when ``public``, ``SUPPRESSED`` for a rate resting on 1 to
    ``suppression_max_count`` people or leaving 1 to that many out, and for a count of people that
    is 1 to that many or would give away a figure its slide's chart hides."""
    if public and headline.counts is not None:
        met, due = headline.counts(frame)
        if suppress_rates(pl.DataFrame({"met": [met], "due": [due]}), "met", "due", []).hidden_rows().item():
            return SUPPRESSED
    if public and headline.people is not None and _gives_away(headline, headline.people, frame):
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
