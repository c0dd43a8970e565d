"""Business days: Monday to Friday, less the holidays of the configured calendar."""

from __future__ import annotations

import datetime as dt

import holidays

from metrics.policy.settings import Calendar, settings


def holiday_dates(first_year: int, last_year: int, calendar: Calendar | None = None) -> list[dt.date]:
    """Every holiday of the calendar in these years (inclusive), for binding into queries."""
    calendar = calendar or settings().calendar
    found = holidays.country_holidays(calendar.country, subdiv=calendar.subdiv,
                                      years=range(first_year, last_year + 1))
    return sorted(found)


def is_business_day(day: dt.date, holiday_set: set[dt.date]) -> bool:
    return day.weekday() < 5 and day not in holiday_set


def add_business_days(start: dt.date, days: int, calendar: Calendar | None = None) -> dt.date:
    """The date ``days`` business days after ``start`` (start itself not counted)."""
    holiday_set = set(holiday_dates(start.year, start.year + 1 + days // 200, calendar))
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_business_day(day, holiday_set):
            remaining -= 1
    return day
