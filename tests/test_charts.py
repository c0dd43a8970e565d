"""Chart builders are pure functions: checked on their figures, without a browser."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from metrics.measures.stats import funnel_limits, p_chart_limits
from metrics.report import charts

LABELS = {"A1": "Alpha", "A2": "Beta"}


def test_p_chart_limits_by_hand():
    # centre 0.8 and 100 cases: 3 × sqrt(0.8 × 0.2 / 100) = 0.12.
    lower, upper = p_chart_limits(0.8, np.array([100, 25]))
    assert lower == pytest.approx([0.68, 0.56]) and upper == pytest.approx([0.92, 1.0])


@pytest.mark.parametrize("coverage,z", [(0.95, 1.959964), (0.998, 3.090232)])
def test_funnel_limits_approach_the_normal_ones_at_large_volumes(coverage, z):
    lower, upper = funnel_limits(0.7, np.array([20_000]), coverage)
    half = z * np.sqrt(0.7 * 0.3 / 20_000)
    assert lower[0] == pytest.approx(0.7 - half, abs=2e-4)
    assert upper[0] == pytest.approx(0.7 + half, abs=2e-4)


def test_funnel_narrows_with_volume_and_the_wider_funnel_contains_the_narrower():
    volumes = np.array([10, 40, 160, 640])
    lower, upper = funnel_limits(0.5, volumes, 0.95)
    wide_lower, wide_upper = funnel_limits(0.5, volumes, 0.998)
    assert np.all(np.diff(upper - lower) < 0)
    assert np.all(wide_lower < lower) and np.all(wide_upper > upper)
    # Interpolating within each count's step keeps the limits symmetric about 1/2 to within 1/n.
    assert np.all(np.abs(lower + upper - 1) <= 1 / volumes + 1e-12)


def test_funnel_limit_at_small_volume_by_hand():
    # n = 10, p = 0.5, 95%: the 97.5% quantile is 8 (P(X<=7) = 0.9453, P(X<=8) = 0.9893), so
    # alpha = (0.9893 - 0.975) / (0.9893 - 0.9453) = 0.3244 and the upper limit is (8 - 0.3244)/10.
    _, upper = funnel_limits(0.5, np.array([10]), 0.95)
    assert upper[0] == pytest.approx((8 - (1013 / 1024 - 0.975) / (45 / 1024)) / 10)


def test_funnel_plot_places_each_agency_at_its_volume_and_rate():
    frame = pl.DataFrame({"agency_id": ["A1", "A2"], "met": [9, 30], "due": [10, 60]})
    fig = charts.funnel_plot(frame, "met", "due", "met", "t", LABELS)
    agencies = fig.data[-2:]
    assert [(t.name, t.x[0], t.y[0]) for t in agencies] == [("Alpha", 10, pytest.approx(0.9)),
                                                             ("Beta", 60, pytest.approx(0.5))]
    # Two limit pairs (99.8% and 95%), and the overall rate 39/70 = 55.7% as the centre line, named
    # in the legend rather than on the plot, where its label would cross a dot.
    assert len(fig.data) == 4 + 1 + 2
    assert fig.layout.shapes[0].y0 == pytest.approx(39 / 70)
    assert fig.data[4].name == "overall 56%" and not fig.layout.annotations


def test_funnel_plot_outlines_agencies_outside_the_99_8_percent_limits():
    # Overall (30 + 180 + 6) / 310 = 0.697. The 99.8% limits are about
    # 0.697 ± 3.09 × sqrt(0.697 × 0.303 / n): ± 0.142 at 100 cases, so 0.30 is far below;
    # ± 0.100 at 200, so 0.90 is above; ± 0.45 at 10, so 0.60 is inside.
    frame = pl.DataFrame({"agency_id": ["A1", "A2", "A3"], "met": [30, 180, 6], "due": [100, 200, 10]})
    fig = charts.funnel_plot(frame, "met", "due", "met", "t", {"A1": "Alpha", "A2": "Beta", "A3": "Gamma"})
    assert [t.marker.line.width for t in fig.data[-3:]] == [3, 3, 1]


def test_p_chart_marks_months_outside_the_limits():
    months = [dt.date(2026, m, 1) for m in (1, 2, 3)]
    # Centre 150/300 = 0.5; with 100 cases the limits are 0.5 ± 0.15, so 0.9 is outside.
    frame = pl.DataFrame({"month": months, "met": [50, 10, 90], "due": [100, 100, 100]})
    points = charts.p_chart(frame, "month", "met", "due", "t", 0.5).data[-1]
    assert list(points.marker.symbol) == ["circle", "x", "x"]


def test_the_p_charts_centre_is_the_headlines_rate():
    # January is left out while presenting; the headline's 150/300 = 50% stays the centre, where
    # the months drawn alone would put it at 100/200.
    months = [dt.date(2026, m, 1) for m in (2, 3)]
    frame = pl.DataFrame({"month": months, "met": [10, 90], "due": [100, 100]})
    fig = charts.p_chart(frame, "month", "met", "due", "t", 0.5)
    assert [shape.y0 for shape in fig.layout.shapes] == [0.5]
    assert "centre 50%" in [trace.name for trace in fig.data]  # named in the legend
    # The headline suppressed: the months alone, with neither centre nor limits.
    fig = charts.p_chart(frame, "month", "met", "due", "t", None)
    assert not fig.layout.shapes and [trace.name for trace in fig.data] == ["monthly rate"]
    assert list(fig.data[0].marker.symbol) == ["circle", "circle"]


def test_utilization_bars_show_the_rates_and_the_standard():
    frame = pl.DataFrame({"agency_id": ["A1", "A2"], "role": ["CM", "CM"], "caseload": [60, 20],
                          "capacity": [50.0, 50.0], "utilization": [1.2, 0.4]})
    fig = charts.utilization_bars(frame, LABELS)
    assert list(fig.data[0].x) == [1.2, 0.4] and list(fig.data[0].y) == ["Alpha", "Beta"]
    assert fig.data[0].text[0] == "120%" and list(fig.data[0].customdata[0]) == [60, 50.0]
    assert fig.layout.shapes[0].x0 == 1.0
    assert fig.data[-1].name == "standard (100%)" and fig.data[-1].line.dash == "dash"
    # The standard line is drawn: the template's invisible shape defaults are overridden.
    defaults = fig.layout.template.layout.shapedefaults
    assert defaults.line.width == 2 and defaults.opacity == 1


def test_band_counts_stack_staff_per_band_with_patterns():
    staff = pl.DataFrame({"agency_id": ["A1", "A1", "A1", "A2"], "band": ["over", "over", "under", "at"]})
    fig = charts.band_counts(staff, LABELS)
    by_band = {trace.name: list(trace.x) for trace in fig.data}
    assert by_band == {"Over standard": [2, 0], "At standard (80–100%)": [0, 1], "Under 80%": [1, 0]}
    assert {trace.marker.pattern.shape for trace in fig.data} == {"x", "", "."}


def test_status_bars_put_the_agency_with_most_overdue_first():
    plans = pl.DataFrame({"agency_id": ["A1", "A2", "A2", "A2"],
                          "status": ["open", "overdue", "overdue", "escalated"]})
    fig = charts.status_bars(plans, LABELS, "t")
    overdue = next(t for t in fig.data if t.name == "Overdue")
    assert list(overdue.y) == ["Beta", "Alpha"] and list(overdue.x) == [2, 0]


def test_due_dates_use_a_symbol_per_status():
    status = pl.DataFrame({"agency_id": ["A1", "A2"], "next_due_on": [dt.date(2026, 1, 1), dt.date(2027, 1, 1)],
                           "status": ["overdue", "current"], "days_until_due": [-10, 355]})
    fig = charts.due_dates(status, dt.date(2026, 1, 11), LABELS, "t")
    assert [(t.name, t.marker.symbol) for t in fig.data] == [("Overdue", "x"), ("Current", "circle")]


def test_survival_curves_are_steps_with_the_standard_marked():
    curves = pl.DataFrame({"agency_id": ["A1", "A1"], "hours": [0.0, 5.0], "share_not_reached": [1.0, 0.4]})
    fig = charts.survival_curves(curves, {"standard": 24.0}, LABELS, "t")
    assert fig.data[0].line.shape == "hv" and fig.layout.shapes[0].x0 == 24.0


def test_empty_data_gives_a_message_not_an_error():
    empty = pl.DataFrame({"agency_id": [], "role": [], "caseload": [], "capacity": [], "utilization": []})
    fig = charts.utilization_bars(empty, LABELS)
    assert fig.layout.annotations[0].text.startswith("No active staff")


def test_histogram_clips_long_waits_into_the_last_bar():
    # Spans of 4 hours up to 96: 1 h in the first, 30 h in the eighth (28-32), 500 h in the last.
    episodes = pl.DataFrame({"hours": [1.0, 30.0, 500.0, 3.0, None]})
    bins = charts.hour_bins(episodes, max_hours=96.0)
    assert bins.height == 24 and bins["reached"].sum() == 4
    assert bins.filter(pl.col("reached") > 0).rows() == [(0.0, 4.0, 2), (28.0, 32.0, 1), (92.0, 96.0, 1)]
    fig = charts.hours_histogram(bins, 24.0, "t", max_hours=96.0)
    assert list(fig.data[0].x)[:2] == [2.0, 6.0] and list(fig.data[0].y)[:8] == [2, 0, 0, 0, 0, 0, 0, 1]


def test_histogram_marks_suppressed_counts_instead_of_drawing_bars():
    bins = pl.DataFrame({"from_hours": [0.0, 4.0, 8.0, 12.0], "to_hours": [4.0, 8.0, 12.0, 16.0],
                         "reached": ["<11", "40", "*", "<11"]})
    fig = charts.hours_histogram(bins, 24.0, "t", max_hours=16.0)
    bars, small, hidden = fig.data
    assert list(bars.x) == [6.0] and list(bars.y) == [40]
    assert (list(small.x), list(small.y), small.name) == ([2.0, 14.0], [0, 0], "<11: suppressed, not drawn")
    assert (list(hidden.x), hidden.name) == ([10.0], "*: suppressed, not drawn")


# One agency, one look: an agency's colour and symbol come from its place among all the
# agencies a chart is given (``labels``), whatever rows, and in whatever order, it draws.
EVERY_AGENCY = {f"A{n:02d}": f"Agency {n}" for n in range(1, 10)}  # nine: the seven colours come round


def _looks(traces, colour_of) -> dict[str, tuple[str, str]]:
    return {t.name: (colour_of(t), t.marker.symbol) for t in traces if t.name in EVERY_AGENCY.values()}


def test_an_agency_keeps_its_colour_and_symbol_from_chart_to_chart():
    months = [dt.date(2026, 1, 31), dt.date(2026, 2, 28)]
    # The trend lists A05 first and A02 last; the curves draw other agencies, in another order.
    trend = pl.DataFrame({"agency_id": ["A05", "A05", "A09", "A09", "A01", "A01", "A02", "A02"],
                          "month": months * 4, "rate": [0.5, 0.6, 0.7, 0.8, 0.9, 0.8, 0.4, 0.5]})
    curves = pl.DataFrame({"agency_id": ["A02", "A02", "A09", "A09", "A07", "A07", "A05", "A05"],
                           "hours": [0.0, 5.0] * 4, "share_not_reached": [1.0, 0.4] * 4})
    funnel = pl.DataFrame({"agency_id": ["A09", "A03", "A02"], "met": [5, 6, 7], "due": [10, 10, 10]})
    lines = _looks(charts.trend_lines(trend, "month", "rate", "agency_id", "t", "y", EVERY_AGENCY).data,
                   lambda t: t.line.color)
    steps = _looks(charts.survival_curves(curves, {"standard": 24.0}, EVERY_AGENCY, "t").data,
                   lambda t: t.line.color)
    dots = _looks(charts.funnel_plot(funnel, "met", "due", "met", "t", EVERY_AGENCY).data,
                  lambda t: t.marker.color)
    assert set(lines) == {"Agency 5", "Agency 9", "Agency 1", "Agency 2"}
    assert set(steps) == {"Agency 2", "Agency 9", "Agency 7", "Agency 5"}
    for name in set(lines) & set(steps):
        assert lines[name] == steps[name], name
    for name in set(dots) & (set(lines) | set(steps)):
        assert dots[name] == {**lines, **steps}[name], name
    # Keyed by the sorted ids of all agencies: A01 is the first, A05 the fifth, wherever they are drawn.
    assert lines["Agency 1"] == (charts.BLUE, "circle") == charts.agency_style("A01", EVERY_AGENCY)
    assert lines["Agency 5"] == (charts.AGENCY_COLOURS[4], charts.AGENCY_SYMBOLS[4])


def test_past_seven_agencies_a_colour_comes_back_with_a_symbol_of_its_own():
    looks = [charts.agency_style(agency, EVERY_AGENCY) for agency in EVERY_AGENCY]
    assert len(set(looks)) == 9
    # Seven colours, none of them the black of standards and outlines, each with its own symbol.
    assert [colour for colour, _ in looks[:7]] == charts.AGENCY_COLOURS and charts.BLACK not in charts.AGENCY_COLOURS
    assert len({symbol for _, symbol in looks[:7]}) == 7
    eighth, ninth = looks[7], looks[8]
    assert eighth[0] == looks[0][0] and eighth[1] != looks[0][1]
    assert ninth[0] == looks[1][0] and ninth[1] != looks[1][1]
    # Drawn, the ninth agency's line differs from the second's by its symbol.
    trend = pl.DataFrame({"agency_id": ["A09", "A02"], "month": [dt.date(2026, 1, 31)] * 2, "rate": [0.5, 0.6]})
    second_line, ninth_line = charts.trend_lines(trend, "month", "rate", "agency_id", "t", "y", EVERY_AGENCY).data
    assert (second_line.name, ninth_line.name) == ("Agency 2", "Agency 9")  # drawn in the order of the ids
    assert ninth_line.line.color == second_line.line.color and ninth_line.marker.symbol != second_line.marker.symbol
    # No two of the first 64 agencies share both colour and symbol.
    many = [f"B{n:03d}" for n in range(64)]
    assert len({charts.agency_style(agency, many) for agency in many}) == 64


def test_agency_styles_do_not_depend_on_the_rows_a_chart_draws():
    # Without the other agencies in ``labels`` the lone agency would be the first (blue);
    # with them it keeps its own place.
    lone = pl.DataFrame({"agency_id": ["A03"], "met": [5], "due": [10]})
    dot = charts.funnel_plot(lone, "met", "due", "met", "t", EVERY_AGENCY).data[-1]
    assert (dot.marker.color, dot.marker.symbol) == charts.agency_style("A03", EVERY_AGENCY) == (
        charts.AGENCY_COLOURS[2], charts.AGENCY_SYMBOLS[2])
