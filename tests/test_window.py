"""The counting window the overview and every page share, worked by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.policy.window import ALL, DATES, QUARTER, YEAR, Window, months_before
from tests.test_app import app, demo_extract, visit  # noqa: F401 - shared fixtures

OCTOBER_31 = Filters(as_of=dt.date(2026, 10, 31), agencies=("A1",))


@pytest.mark.parametrize(("day", "months", "earlier"), [
    (dt.date(2026, 10, 31), 3, dt.date(2026, 7, 31)),
    (dt.date(2026, 6, 30), 3, dt.date(2026, 3, 31)),  # a month's last day to the last day of that month
    (dt.date(2026, 5, 30), 3, dt.date(2026, 2, 28)),  # a day February lacks to its last day
    (dt.date(2026, 2, 28), 12, dt.date(2025, 2, 28)),
    (dt.date(2024, 2, 29), 12, dt.date(2023, 2, 28)),
    (dt.date(2026, 1, 15), 3, dt.date(2025, 10, 15)),  # across the year's turn
])
def test_months_before(day, months, earlier):
    assert months_before(day, months) == earlier


def test_a_moving_window_ends_on_the_report_date():
    assert Window(QUARTER).counted(OCTOBER_31) == Filters(
        as_of=dt.date(2026, 10, 31), agencies=("A1",), period_start=dt.date(2026, 8, 1),
        period_end=dt.date(2026, 10, 31))
    year = Window(YEAR).counted(OCTOBER_31)
    assert (year.period_start, year.period_end) == (dt.date(2025, 11, 1), dt.date(2026, 10, 31))
    everything = Window(ALL).counted(OCTOBER_31)
    assert (everything.period_start, everything.period_end) == (None, None)


def test_a_quarter_earlier_a_moving_window_moves_and_dates_chosen_stay():
    earlier = Window(QUARTER).a_quarter_earlier(Window(QUARTER).counted(OCTOBER_31))
    assert (earlier.as_of, earlier.period_start, earlier.period_end) == (
        dt.date(2026, 7, 31), dt.date(2026, 5, 1), dt.date(2026, 7, 31))
    chosen = Window(DATES, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    earlier = chosen.a_quarter_earlier(chosen.counted(OCTOBER_31))
    assert (earlier.as_of, earlier.period_start, earlier.period_end) == (
        dt.date(2026, 7, 31), dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def test_the_window_in_words():
    assert Window(YEAR).describe(Window(YEAR).counted(OCTOBER_31)) == (
        "the 12 months up to the report date (01 Nov 2025 – 31 Oct 2026)")
    assert Window(ALL).describe(OCTOBER_31) == "all dates"
    chosen = Window(DATES, dt.date(2026, 4, 1), None)
    assert chosen.describe(chosen.counted(OCTOBER_31)) == "01 Apr 2026 – the report date"


def test_only_chosen_dates_carry_dates_and_the_setting_names_a_moving_window():
    with pytest.raises(ValueError, match="only a window of 'dates'"):
        Window(QUARTER, dt.date(2026, 1, 1))
    with pytest.raises(ValueError, match="default_window must be one of quarter, year, all"):
        Settings(default_window="dates")


def _figures(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


@pytest.mark.parametrize("chosen", [None, QUARTER, ALL])
def test_a_tile_and_the_page_it_links_to_count_the_same(app, chosen):  # noqa: F811
    """The overview's contact tile and the adherence page's headline over the default window, then
    over another chosen in the sidebar: the same figure, and both say which window."""
    app.run()
    if chosen is not None:
        app.sidebar.selectbox(key="window").set_value(chosen)
        app.run()
    tile = _figures(app)["Contact periods met"]
    dates = next(caption.value for caption in app.caption if caption.value.startswith("Over ")).removeprefix("Over ")
    overview_window = app.caption[1].value.split("rates over ")[1].split(", as on the pages")[0]
    at = visit(app, "app_pages/adherence.py")
    page = _figures(at)["Client contact periods met, all shown agencies"]
    assert tile == page
    assert tile.endswith("%")
    assert f"counting {overview_window} ·" in at.caption[0].value, "the page's top line names the overview's window"
    if chosen == ALL:
        assert dates == overview_window == "all dates"
    else:
        name = "the 12 months up to the report date" if chosen is None else "the quarter up to the report date"
        assert overview_window == f"{name} ({dates})"
