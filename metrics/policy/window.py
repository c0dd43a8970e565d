"""The counting window: the dates over which referrals, contact periods, plans and the month
ends of trends are counted.

The overview and every page count over one window, so that a tile and the page it links to
show the same figure. By default the window moves with the report date, as the setting
``default_window`` says: the quarter up to it, the 12 months up to it, or all dates. A manager
may instead choose the dates, which then hold still whatever the report date. Snapshot
measures (caseload, monitoring status, open plans on the report date) are taken on the report
date whatever the window.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from dataclasses import dataclass, replace

from metrics.policy.filters import Filters

QUARTER, YEAR, ALL, DATES = "quarter", "year", "all", "dates"
# The windows that follow the report date: the choices of the setting ``default_window``.
MOVING_WINDOWS = (QUARTER, YEAR, ALL)
WINDOWS = (*MOVING_WINDOWS, DATES)
WINDOW_NAMES = {
    QUARTER: "The quarter up to the report date",
    YEAR: "The 12 months up to the report date",
    ALL: "All dates",
    DATES: "Dates I choose",
}
_MONTHS = {QUARTER: 3, YEAR: 12}


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier; a month's last day maps to the last day of that month
    (30 June to 31 March), and a day the shorter month lacks to its last day."""
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    month = month_index + 1
    last_day = monthrange(year, month)[1]
    if day.day == monthrange(day.year, day.month)[1]:
        return dt.date(year, month, last_day)
    return dt.date(year, month, min(day.day, last_day))


def year_before(day: dt.date) -> tuple[dt.date, dt.date]:
    """The 12 months before ``day``: from the same date a year earlier (29 February from 28
    February) to the day before ``day``, both included. The documentation sample's population
    is drawn from those of its request."""
    leap_day = (day.month, day.day) == (2, 29)
    start = day.replace(year=day.year - 1, day=28) if leap_day else day.replace(year=day.year - 1)
    return start, day - dt.timedelta(days=1)


def previous_quarter(day: dt.date) -> dt.date:
    """The report date a quarter earlier, which every change on the overview and the deck is against."""
    return months_before(day, 3)


@dataclass(frozen=True)
class Window:
    """A counting window: one of ``WINDOWS``; ``start``/``end`` only for ``DATES`` (None: open on that side)."""

    kind: str
    start: dt.date | None = None
    end: dt.date | None = None

    def __post_init__(self) -> None:
        if self.kind not in WINDOWS:
            raise ValueError(f"a counting window is one of {', '.join(WINDOWS)}, not {self.kind!r}")
        if self.kind != DATES and (self.start or self.end):
            raise ValueError(f"only a window of {DATES!r} has its own dates")

    def bounds(self, as_of: dt.date) -> tuple[dt.date | None, dt.date | None]:
        """The first and last day counted for this report date (None: open on that side)."""
        if self.kind == DATES:
            return self.start, self.end
        if self.kind == ALL:
            return None, None
        return months_before(as_of, _MONTHS[self.kind]) + dt.timedelta(days=1), as_of

    def counted(self, filters: Filters) -> Filters:
        """``filters`` counting over this window at their report date."""
        start, end = self.bounds(filters.as_of)
        return replace(filters, period_start=start, period_end=end)

    def a_quarter_earlier(self, filters: Filters) -> Filters:
        """The same figure's filters a quarter earlier: a moving window moves with the report
        date; dates chosen stay as they are."""
        return self.counted(replace(filters, as_of=previous_quarter(filters.as_of)))

    def describe(self, filters: Filters) -> str:
        """The window in words for ``filters`` (counted over it), e.g. "the 12 months up to the report
        date (01 Nov 2025 – 31 Oct 2026)"."""
        dates = self.dates(filters)
        return dates if self.kind in (DATES, ALL) else f"{WINDOW_NAMES[self.kind].lower()} ({dates})"

    @staticmethod
    def dates(filters: Filters) -> str:
        """The dates ``filters`` count over, e.g. "01 Nov 2025 – 31 Oct 2026", or "all dates"."""
        start, end = filters.period_start, filters.period_end
        if start is None and end is None:
            return "all dates"
        return (f"{start:%d %b %Y}" if start else "the first date") + " – " + (
            f"{end:%d %b %Y}" if end else "the report date")
