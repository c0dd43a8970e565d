"""Quarters and their CRS meetings, and the report date a view opens on.

A quarter's CRS meeting is held in the quarter's first month (January, April, July,
October) on the third Wednesday. It reviews the quarter just ended: the figures are as
of the day before the quarter began, compared with a quarter earlier.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from metrics.policy.settings import settings


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = re.fullmatch(r"(\d{4})\s*-?\s*Q([1-4])", text.strip(), flags=re.IGNORECASE)
        if not match:
            raise ValueError(f"not a quarter: {text!r} (expected e.g. 2026Q3)")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def meeting_date(self) -> dt.date:
        rules = settings()
        first = self.first_day
        first_weekday = first + dt.timedelta(days=(rules.crs_meeting_weekday - first.weekday()) % 7)
        return first_weekday + dt.timedelta(weeks=rules.crs_meeting_week - 1)

    @property
    def as_of(self) -> dt.date:
        """The last day of the quarter the meeting reviews."""
        return self.first_day - dt.timedelta(days=1)

    @classmethod
    def containing(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def following(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)


def meetings_between(first: dt.date, last: dt.date, count: int = 8) -> list[Quarter]:
    """The latest ``count`` quarters whose meeting reviews figures as of a day from ``first``
    to ``last`` (the extract's dates), newest first."""
    # The quarter after the one holding `last` reviews the day its own quarter ends.
    quarter = Quarter.containing(last).following()
    found: list[Quarter] = []
    while len(found) < count and quarter.as_of >= first:
        if quarter.as_of <= last:
            found.append(quarter)
        quarter = quarter.previous()
    return found


def default_report_date(extract_date: dt.date, rule: str | None = None) -> dt.date:
    """The report date the dashboard and the commands open on, by the setting
    ``default_report_date``: the extract's date itself, the last month end on or before it, or
    the last quarter end on or before it (an extract taken on a month's or quarter's last day
    is its own)."""
    rule = rule or settings().default_report_date
    next_day = extract_date + dt.timedelta(days=1)
    if rule == "extract_date":
        return extract_date
    if rule == "month_end":
        return extract_date if next_day.day == 1 else extract_date.replace(day=1) - dt.timedelta(days=1)
    if rule == "quarter_end":
        return Quarter.containing(next_day).first_day - dt.timedelta(days=1)
    raise ValueError(f"unknown default_report_date {rule!r}")
