"""The line that says what a page's figures are of, worked by hand."""

from __future__ import annotations

import datetime as dt

from metrics.policy.filters import Filters
from metrics.policy.window import ALL, DATES, QUARTER, Window
from metrics.report.views.context import context_line

NAMES = {"A1": "Alpha Recovery", "A2": "Beta County CRS"}


def test_the_defaults_name_everything():
    line = context_line(Filters(as_of=dt.date(2026, 10, 31)), Window(ALL), ["BHD", "DCTS"], NAMES, False)
    assert line == ("Report date 31 Oct 2026 · counting all dates · BHD and DCTS · all agencies · "
                    "all service levels")


def test_a_narrowed_view_says_how():
    filters = Filters(as_of=dt.date(2026, 6, 30), agencies=("A1",), service_levels=("CM", "RSC-I"),
                      period_start=dt.date(2026, 4, 1), period_end=None)
    assert context_line(filters, Window(DATES, dt.date(2026, 4, 1)), ["BHD"], NAMES, True) == (
        "Report date 30 Jun 2026 · counting 01 Apr 2026 – the report date · BHD · Alpha Recovery · CM, RSC-I · "
        "presentation mode: small numbers suppressed")


def test_many_agencies_are_counted_not_listed():
    filters = Filters(as_of=dt.date(2026, 6, 30), agencies=("A1", "A2", "A3", "A4"))
    assert "· 4 agencies ·" in context_line(filters, Window(ALL), ["BHD"], NAMES, False)


def test_a_moving_window_is_named_with_its_dates():
    filters = Window(QUARTER).counted(Filters(as_of=dt.date(2026, 9, 30)))
    assert context_line(filters, Window(QUARTER), ["BHD"], NAMES, False).startswith(
        "Report date 30 Sep 2026 · counting the quarter up to the report date (01 Jul 2026 – 30 Sep 2026) · BHD")
