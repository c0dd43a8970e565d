"""Chart builders: pure functions, a Polars DataFrame in, a Plotly figure out.

Colours are the Okabe–Ito palette, distinguishable with the common colour-vision
deficiencies; status colours are doubled by a pattern or a symbol so that nothing
depends on colour alone, and text is large enough for a projector.

Standards, bands and intervals drawn or named in a chart come from the settings (``rules``,
by default ``settings()``); the words for each status from ``metrics.report.labels``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from metrics.measures.stats import funnel_limits, p_chart_limits
from metrics.policy import wording
from metrics.policy.settings import Settings, settings
from metrics.report import labels as words

BLACK, ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILION, PURPLE = (
    "#000000",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
)
SERIES = [BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY, YELLOW, BLACK]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star", "cross", "triangle-down"]
GREY = "#6E6E6E"

STATUS_STYLE = {
    # status: (colour, bar pattern, marker symbol); its words are in metrics.report.labels.
    "over": (VERMILION, "x", "triangle-up"),
    "at": (GREEN, "", "circle"),
    "under": (SKY, ".", "triangle-down"),
    "overdue": (VERMILION, "x", "x"),
    "due_soon": (ORANGE, "/", "diamond"),
    "current": (GREEN, "", "circle"),
    "escalated": (PURPLE, "+", "star"),
    "open": (SKY, "", "circle-open"),
    "completed_on_time": (GREEN, "", "circle"),
    "completed_late": (ORANGE, "/", "square"),
    "late": (VERMILION, "x", "x"),
    "later": (SKY, ".", "circle-open"),
    "not_met": (VERMILION, "x", "x"),
    "in_window": (SKY, ".", "triangle-down"),
    "met": (GREEN, "", "circle"),
}

# A bar's pattern beside its series colour, so that series never differ by colour alone; one fewer
# than the colours, so that the first 56 series each have their own pair.
PATTERNS = ["", "/", "x", ".", "\\", "+", "-"]


def series_styles(names: Iterable[str]) -> dict[str, tuple[str, str]]:
    """The (colour, bar pattern) of each of ``names``, in order: the Okabe–Ito series colours, each
    with a pattern."""
    return {name: (SERIES[index % len(SERIES)], PATTERNS[index % len(PATTERNS)])
            for index, name in enumerate(names)}


def _status_styles(states: Iterable[str]) -> dict[str, tuple[str, str]]:
    """The (colour, bar pattern) of each status (``STATUS_STYLE``)."""
    return {state: STATUS_STYLE[state][:2] for state in states}


# Agency identity: the Okabe–Ito colours but black, which draws standards, centre lines and
# the outline of a funnel dot outside its limits; and the series symbols with two more.
AGENCY_COLOURS = [colour for colour in SERIES if colour != BLACK]
AGENCY_SYMBOLS = [*SYMBOLS, "pentagon", "hexagram"]


def agency_style(agency_id: str, agencies: Iterable[str]) -> tuple[str, str]:
    """The fixed (colour, marker symbol) of an agency, the same in every chart, page and mode.

    The agency's position ``i`` in the *sorted* ids of ``agencies`` picks them: colour
    ``AGENCY_COLOURS[i mod 7]`` (the seven Okabe–Ito colours other than black) and symbol
    ``AGENCY_SYMBOLS[(i mod 7 + i // 7) mod 10]``. The first seven agencies each get their
    own colour and their own symbol (so telling them apart never depends on colour alone);
    from the eighth on the colours come round again, each with a symbol its colour has not
    had before, so no two of the first 70 agencies share both.

    ``agencies`` is every agency the chart could name (the ``labels`` a builder is given:
    all agencies the visitor may see, or all agencies of the deck), not the rows it happens
    to draw, so leaving an agency out of one chart does not recolour the others. An id
    missing from ``agencies`` is placed among them as if it were listed.
    """
    ordered = sorted(set(agencies) | {agency_id})
    index = ordered.index(agency_id)
    shade = index % len(AGENCY_COLOURS)
    return AGENCY_COLOURS[shade], AGENCY_SYMBOLS[(shade + index // len(AGENCY_COLOURS)) % len(AGENCY_SYMBOLS)]


def _agency_styles(labels: dict[str, str], drawn: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``agency_style`` of each drawn agency among all those ``labels`` names (and any it lacks)."""
    drawn = list(dict.fromkeys(drawn))
    every = set(labels) | set(drawn)
    return {agency: agency_style(agency, every) for agency in drawn}


FONT_SIZE = 16

# simple_white draws shapes with no line at 30% opacity, which would hide every standard,
# centre line and report date drawn with add_hline/add_vline.
TEMPLATE = go.layout.Template(pio.templates["simple_white"])
TEMPLATE.layout.shapedefaults = {"line": {"width": 2}, "opacity": 1}


LEGENDS = {
    # A few series: in a row or two above the plot, under the title (the top margin makes room).
    "above": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0, "title": None},
    # One per agency on a tall plot: in rows at the foot of the figure, under the axis title, so the
    # plot has the chart's whole width (a projector's 1280 pixels leave little beside it).
    "below": {"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "xanchor": "left", "x": 0,
              "title": None, "font": {"size": FONT_SIZE - 3}},
}
# The room a legend below takes: a row per two entries (long agency names), under the axis title.
LEGEND_ROW_PX = 26
AXIS_FOOT_PX = 70
TITLE_PX = 60


def _layout(
    fig: go.Figure, title: str, x_title: str = "", y_title: str = "", height: int = 420, legend: str = "above"
) -> go.Figure:
    bottom = 10
    if legend == "below":
        # A legend placed in the figure's foot pushes no margin: the foot is sized for its rows.
        entries = len([trace for trace in fig.data
                       if getattr(trace, "name", None) and getattr(trace, "showlegend", None) is not False])
        rows = -(-entries // 2)
        bottom = AXIS_FOOT_PX + LEGEND_ROW_PX * rows
        height += LEGEND_ROW_PX * rows
    # The title at the figure's top; a legend above the plot gets two rows' room between them.
    top = TITLE_PX + (2 * LEGEND_ROW_PX if legend == "above" and len(fig.data) > 1 else 0)
    fig.update_layout(
        title={"text": title, "font": {"size": FONT_SIZE + 4}, "yref": "container", "y": 1.0, "yanchor": "top",
               "pad": {"t": 12}},
        font={"size": FONT_SIZE, "family": "Source Sans Pro, DejaVu Sans, Arial, sans-serif"},
        template=TEMPLATE,
        height=height,
        margin={"l": 10, "r": 10, "t": top, "b": bottom},
        legend=LEGENDS[legend],
        xaxis_title=x_title,
        yaxis_title=y_title,
    )
    return fig


def _reference_line(fig: go.Figure, axis: str, value: float, name: str, dash: str = "solid") -> None:
    """A line across the plot at ``value``, named in the legend: a label on the plot would cross a
    bar, a dot or a point."""
    if axis == "x":
        fig.add_vline(x=value, line_dash=dash, line_color=BLACK)
    else:
        fig.add_hline(y=value, line_dash=dash, line_color=BLACK)
    fig.add_scatter(x=[None], y=[None], mode="lines", name=name, line={"color": BLACK, "dash": dash},
                    hoverinfo="skip")


def empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(
        text=message,
        showarrow=False,
        font={"size": FONT_SIZE + 2, "color": GREY},
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, "", height=220)


def _whole_step(largest: int) -> int:
    """A tick step of whole numbers for counts (no ticks at 0.5 of a plan)."""
    return max(1, -(-int(largest) // 8))


def percent_axis(fig: go.Figure, axis: str = "x", upper: float = 1.0) -> go.Figure:
    getattr(fig, f"update_{axis}axes")(tickformat=".0%", range=[0, upper])
    return fig


def utilization_bars(agency: pl.DataFrame, labels: dict[str, str], rules: Settings | None = None) -> go.Figure:
    """Utilization per agency and role, horizontal bars, with the standard marked where a caseload
    is over it (``band_over_above``, 100%)."""
    if agency.is_empty():
        return empty_figure("No active staff with a caseload standard on this date.")
    over = (rules or settings()).band_over_above
    fig = go.Figure()
    largest = agency["utilization"].max()
    assert largest is None or isinstance(largest, int | float)  # a number, None when all are null
    upper = max(over + 0.25, float(largest or 0) + 0.2)  # room for the labels
    for index, (role,) in enumerate(agency.select("role").unique(maintain_order=True).iter_rows()):
        rows = agency.filter(pl.col("role") == role)
        fig.add_bar(
            y=[labels.get(a, a) for a in rows["agency_id"]],
            x=rows["utilization"],
            orientation="h",
            name=role,
            marker_color=SERIES[index % len(SERIES)],
            text=[f"{u:.0%}" for u in rows["utilization"]],
            # At the bar's start, inside it: never crossed by the standard's line at 100%. A bar too
            # short to hold it has it just past its end, far short of the line.
            textposition="auto",
            insidetextanchor="start",
            cliponaxis=False,
            customdata=rows.select("caseload", "capacity").rows(),
            hovertemplate="%{y}<br>" + role + ": %{x:.0%} of capacity "
            "(%{customdata[0]} clients or families for a capacity of %{customdata[1]})<extra></extra>",
        )
    _reference_line(fig, "x", over, f"standard ({wording.percent(over)})", "dash")
    fig.update_layout(barmode="group")
    fig.update_yaxes(autorange="reversed")
    return percent_axis(
        _layout(
            fig,
            "Caseload as a share of capacity",
            "utilization (caseload ÷ capacity)",
            height=max(320, 60 + 40 * agency.height),
        ),
        "x",
        upper,
    )


def band_counts(staff: pl.DataFrame, labels: dict[str, str], rules: Settings | None = None) -> go.Figure:
    """Staff per agency in each utilization band, stacked, each band with its own pattern."""
    if staff.is_empty():
        return empty_figure("No active staff with a caseload standard on this date.")
    agencies = staff["agency_id"].unique(maintain_order=True).to_list()
    return _stacked_by_state(
        staff, "band", words.band_words(rules), agencies, labels, "Staff by caseload band", "staff"
    )


def trend_lines(
    trend: pl.DataFrame,
    x: str,
    y: str,
    series: str,
    title: str,
    y_title: str,
    labels: dict[str, str] | None = None,
    reference: float | None = None,
    percent: bool = True,
) -> go.Figure:
    """One line per series over time, with an optional reference line (a standard)."""
    if trend.is_empty():
        return empty_figure("Nothing to show for these filters.")
    labels = labels or {}
    names = sorted(trend[series].unique().to_list())  # the legend in the same order in every chart
    styles = _agency_styles(labels, names)  # each series (an agency) keeps its look in every chart
    fig = go.Figure()
    for name in names:
        rows = trend.filter(pl.col(series) == name).sort(x)
        colour, symbol = styles[name]
        fig.add_scatter(
            x=rows[x],
            y=rows[y],
            mode="lines+markers",
            name=labels.get(name, str(name)),
            line={"color": colour, "width": 2.5},
            marker={"symbol": symbol, "size": 7},
        )
    if reference is not None:
        fig.add_hline(y=reference, line_dash="dash", line_color=BLACK)
    _layout(fig, title, "", y_title, legend="below")
    if percent:
        fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return fig


def rate_with_intervals(
    frame: pl.DataFrame,
    category: str,
    rate: str,
    title: str,
    x_title: str,
    labels: dict[str, str] | None = None,
    rules: Settings | None = None,
) -> go.Figure:
    """A dot per row with its interval (``confidence_level``, 95%) as an error bar, on a 0–100% axis."""
    if frame.is_empty():
        return empty_figure("Nothing is due for these filters.")
    labels = labels or {}
    level = (rules or settings()).confidence_level
    names = [labels.get(c, c) for c in frame[category]]
    rates = frame[rate].to_numpy()
    fig = go.Figure(
        go.Scatter(
            x=rates,
            y=names,
            mode="markers+text",
            marker={"color": BLUE, "size": 12},
            # The value above its dot, clear of the interval drawn through it.
            text=[wording.rate_text(None if np.isnan(value) else float(value), hidden=False) for value in rates],
            textposition="top center",
            textfont={"size": FONT_SIZE - 3},
            cliponaxis=False,
            error_x={
                "type": "data",
                "symmetric": False,
                "color": GREY,
                "thickness": 2,
                "array": frame["ci_high"].to_numpy() - rates,
                "arrayminus": rates - frame["ci_low"].to_numpy(),
            },
            hovertemplate="%{y}: %{x:.0%}<extra></extra>",
            name=f"rate ({wording.interval(level)})",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return percent_axis(_layout(fig, title, x_title, height=max(300, 80 + 34 * frame.height)), "x", 1.0)


def grouped_rates(
    frame: pl.DataFrame, category: str, series: str, rate: str, series_words: dict[str, str], title: str,
    x_title: str
) -> go.Figure:
    """A group of horizontal bars per ``category`` (in the frame's order, top down), a bar per ``series``
    (in the order and words of ``series_words``, each its colour and pattern), its rate written at its
    end on a 0–100% axis: "0%" is none met, an empty slot a rate not drawn (hidden, or none due)."""
    if frame.is_empty():
        return empty_figure("Nothing is due for these filters.")
    styles = series_styles(series_words)
    fig = go.Figure()
    for code, word in series_words.items():
        rows = frame.filter(pl.col(series) == code)
        if rows.is_empty():
            continue
        colour, pattern = styles[code]
        fig.add_bar(
            y=rows[category],
            x=rows[rate],
            orientation="h",
            name=word,
            marker={"color": colour, "pattern": {"shape": pattern}},
            text=[wording.rate_text(value, hidden=False) for value in rows[rate]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>" + word + ": %{x:.0%}<extra></extra>",
        )
    categories = frame[category].unique(maintain_order=True).to_list()
    fig.update_layout(barmode="group")
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=categories)
    height = max(320, 80 + 14 * frame.height + 24 * len(categories))
    figure = percent_axis(_layout(fig, title, x_title, height=height), "x", 1.0)
    # Room past the axis's end for the value of a bar at 100%.
    return figure.update_layout(margin_r=60)


def funnel_plot(
    frame: pl.DataFrame, successes: str, trials: str, label: str, title: str, labels: dict[str, str] | None = None
) -> go.Figure:
    """Each agency's rate against its volume, with 95% and 99.8% limits around the overall rate.

    An agency inside the funnel differs from the overall rate by no more than chance
    would explain at its volume, however low it ranks.
    """
    frame = frame.filter(pl.col(trials) > 0)
    if frame.is_empty():
        return empty_figure("Nothing is due for these filters.")
    labels = labels or {}
    overall = float(frame[successes].sum()) / float(frame[trials].sum())
    largest = frame[trials].max()
    assert isinstance(largest, int | float)  # a count, and the frame is not empty
    volumes = np.unique(np.linspace(1, float(largest) * 1.05, 200).round())
    fig = go.Figure()
    for coverage, dash, name in ((0.998, "dot", "99.8% limits"), (0.95, "dash", "95% limits")):
        lower, upper = funnel_limits(overall, volumes, coverage)
        fig.add_scatter(
            x=volumes,
            y=upper,
            mode="lines",
            line={"color": GREY, "dash": dash},
            name=name,
            legendgroup=name,
            hoverinfo="skip",
        )
        fig.add_scatter(
            x=volumes,
            y=lower,
            mode="lines",
            line={"color": GREY, "dash": dash},
            name=name,
            legendgroup=name,
            showlegend=False,
            hoverinfo="skip",
        )
    _reference_line(fig, "y", overall, f"overall {overall:.0%}")
    rates = (frame[successes] / frame[trials]).to_numpy()
    lower, upper = funnel_limits(overall, frame[trials].to_numpy(), 0.998)
    # Each agency keeps a colour and a symbol, named in the legend: at large volumes the
    # funnel is narrow and labels on the dots would pile up. Dots outside the 99.8% limits
    # get a heavy outline: those differences are not chance.
    styles = _agency_styles(labels, frame["agency_id"])
    for agency, volume, rate, low, high in zip(frame["agency_id"], frame[trials], rates, lower, upper, strict=True):
        outside = rate < low or rate > high
        colour, symbol = styles[agency]
        fig.add_scatter(
            x=[volume],
            y=[rate],
            mode="markers",
            name=labels.get(agency, agency),
            marker={
                "color": colour,
                "symbol": symbol,
                "size": 15 if outside else 11,
                "line": {"color": BLACK, "width": 3} if outside else {"color": "white", "width": 1},
            },
            hovertemplate=f"{labels.get(agency, agency)}<br>%{{y:.0%}} of %{{x}}"
            + (" (outside the 99.8% limits)" if outside else "")
            + "<extra></extra>",
        )
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05])
    return _layout(fig, title, f"volume ({trials.replace('_', ' ')})", label, height=460, legend="below")


def p_chart(monthly: pl.DataFrame, x: str, successes: str, trials: str, title: str,
            center: float | None) -> go.Figure:
    """The monthly rate with its centre line and 3-sigma limits for each month's volume.

    ``center`` is the rate of all the months together as the page's headline gives it, so that
    the line and the headline are one figure (the months drawn may be fewer: while presenting, a
    month resting on few people is left out). None (the headline suppressed) draws the monthly
    rates alone."""
    monthly = monthly.filter(pl.col(trials) > 0).sort(x)
    if monthly.is_empty():
        return empty_figure("Nothing is due for these filters.")
    rates = (monthly[successes] / monthly[trials]).to_numpy()
    fig = go.Figure()
    if center is None:
        outside = np.zeros(len(rates), dtype=bool)
    else:
        lower, upper = p_chart_limits(center, monthly[trials].to_numpy())
        outside = (rates < lower) | (rates > upper)
        fig.add_scatter(
            x=monthly[x],
            y=upper,
            mode="lines",
            line={"color": GREY, "dash": "dash", "shape": "hvh"},
            name="control limits (3σ)",
            legendgroup="limits",
        )
        fig.add_scatter(
            x=monthly[x],
            y=lower,
            mode="lines",
            line={"color": GREY, "dash": "dash", "shape": "hvh"},
            showlegend=False,
            legendgroup="limits",
        )
        _reference_line(fig, "y", center, f"centre {center:.0%}")
    fig.add_scatter(
        x=monthly[x],
        y=rates,
        mode="lines+markers",
        name="monthly rate",
        line={"color": BLUE, "width": 2.5},
        marker={
            "size": [12 if o else 7 for o in outside],
            "symbol": ["x" if o else "circle" for o in outside],
            "color": [VERMILION if o else BLUE for o in outside],
        },
        customdata=monthly[trials],
        hovertemplate="%{x|%b %Y}: %{y:.0%} of %{customdata}<extra></extra>",
    )
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05])
    return _layout(fig, title, "", "rate")


def survival_curves(
    curves: pl.DataFrame,
    standards: dict[str, float],
    labels: dict[str, str],
    title: str,
    max_hours: float | None = None,
) -> go.Figure:
    """Kaplan–Meier share not yet reached over hours since referral, one step line per agency."""
    if curves.is_empty():
        return empty_figure("No referrals for these filters.")
    fig = go.Figure()
    agencies = curves["agency_id"].unique(maintain_order=True).to_list()
    styles = _agency_styles(labels, agencies)
    for agency in agencies:
        rows = curves.filter(pl.col("agency_id") == agency).sort("hours")
        colour, symbol = styles[agency]
        fig.add_scatter(
            x=rows["hours"],
            y=rows["share_not_reached"],
            # The agency's symbol on a few of its steps (and in the legend), as in its other charts.
            mode="lines+markers",
            line_shape="hv",
            name=labels.get(agency, agency),
            line={"color": colour, "width": 2.5},
            marker={"symbol": symbol, "size": 8, "maxdisplayed": 12},
            hovertemplate="%{x:.1f} h: %{y:.0%} not yet reached<extra>" + labels.get(agency, agency) + "</extra>",
        )
    for name, hours in standards.items():
        fig.add_vline(
            x=hours, line_dash="dash", line_color=BLACK, annotation_text=name, annotation_position="top right"
        )
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    if max_hours is not None:
        fig.update_xaxes(range=[0, max_hours])
    return _layout(fig, title, "hours since referral", "share not yet reached", height=460, legend="below")


def hour_bins(episodes: pl.DataFrame, max_hours: float, bins: int = 24) -> pl.DataFrame:
    """Referrals reached, counted in ``bins`` equal spans of hours from 0 to ``max_hours``;
    the last span also holds every later first contact."""
    width = max_hours / bins
    span = (pl.col("hours") / width).floor().clip(0, bins - 1).cast(pl.Int64).alias("span")
    counts = episodes.filter(pl.col("hours").is_not_null()).group_by(span).len("reached")
    return (
        pl.DataFrame({"span": range(bins)}, schema={"span": pl.Int64})
        .join(counts, on="span", how="left")
        .select(
            (pl.col("span") * width).alias("from_hours"),
            ((pl.col("span") + 1) * width).alias("to_hours"),
            pl.col("reached").fill_null(0).cast(pl.Int64),
        )
    )


def hours_histogram(bins: pl.DataFrame, standard_hours: float, title: str, max_hours: float) -> go.Figure:
    """How long first contact took: referrals reached in each span of hours (``hour_bins``),
    with the standard marked. A suppressed count ("<11", "*") is not drawn as a bar: a grey
    mark at the foot of its span, named in the legend, says that it is hidden, not zero."""
    counts = bins["reached"].cast(pl.String)
    if counts.is_in(["0"]).all():
        return empty_figure("No referral was reached for these filters.")
    drawn = counts.str.contains(r"^\d+$")
    middles = ((bins["from_hours"] + bins["to_hours"]) / 2).to_numpy()
    width = float(bins["to_hours"][0] - bins["from_hours"][0])
    fig = go.Figure(
        go.Bar(
            x=middles[drawn.to_numpy()],
            y=counts.filter(drawn).cast(pl.Int64),
            width=width,
            marker={"color": BLUE, "line": {"color": "white", "width": 1}},
            name="referrals",
            customdata=bins.filter(drawn).select("from_hours", "to_hours").rows(),
            hovertemplate="%{customdata[0]:g}–%{customdata[1]:g} h: %{y} referrals<extra></extra>",
        )
    )
    for index, shown in enumerate(counts.filter(~drawn).unique(maintain_order=True)):
        where = (counts == shown).to_numpy()
        fig.add_scatter(
            x=middles[where],
            y=[0] * int(where.sum()),
            mode="markers",
            marker={"color": GREY, "symbol": ("triangle-up", "asterisk-open")[index % 2], "size": 11},
            cliponaxis=False,
            name=f"{shown}: suppressed, not drawn",
            hovertemplate=f"%{{x:g}} h: {shown}<extra></extra>",
        )
    fig.add_vline(
        x=standard_hours,
        line_dash="dash",
        line_color=VERMILION,
        line_width=3,
        annotation_text=f"standard {standard_hours:g} h",
        annotation_position="top right",
    )
    fig.update_xaxes(range=[0, max_hours])
    return _layout(fig, title, f"hours to first contact (last bar: {max_hours:g} h or more)", "referrals")


def due_dates(
    status: pl.DataFrame,
    as_of: dt.date,
    labels: dict[str, str],
    title: str,
    rules: Settings | None = None,
    date: str = "next_due_on",
    states: dict[str, str] | None = None,
    x_title: str = "next visit due",
) -> go.Figure:
    """Each program's next due date (``date``: by default its next monitoring visit) on a date axis,
    the report date marked, a symbol per status (``states`` and their words: by default those of
    monitoring)."""
    if status.is_empty():
        return empty_figure("No DCTS programs for these filters.")
    fig = go.Figure()
    for state, label in (states if states is not None else words.monitoring_words(rules)).items():
        colour, _, symbol = STATUS_STYLE[state]
        rows = status.filter(pl.col("status") == state)
        if rows.is_empty():
            continue
        fig.add_scatter(
            x=rows[date],
            y=[labels.get(a, a) for a in rows["agency_id"]],
            mode="markers",
            name=label,
            marker={"color": colour, "symbol": symbol, "size": 14, "line": {"color": BLACK, "width": 1}},
            customdata=rows["days_until_due"],
            hovertemplate="%{y}: due %{x|%d %b %Y} (%{customdata} days)<extra></extra>",
        )
    fig.add_vline(
        x=dt.datetime.combine(as_of, dt.time()).timestamp() * 1000,
        line_color=BLACK,
        annotation_text="report date",
        annotation_position="bottom right",
    )
    fig.update_yaxes(
        autorange="reversed", categoryorder="array", categoryarray=[labels.get(a, a) for a in status["agency_id"]]
    )
    return _layout(fig, title, x_title, height=max(300, 80 + 36 * status.height))


def status_bars(plans: pl.DataFrame, labels: dict[str, str], title: str) -> go.Figure:
    """Plans per agency by status, stacked, the agencies with most overdue plans first."""
    if plans.is_empty():
        return empty_figure("No plans issued for these filters.")
    return stacked_bars(plans, "status", words.PLAN_WORDS, labels, title, "plans", first="overdue")


def _counted(frame: pl.DataFrame, keys: list[str], value: str | None) -> pl.DataFrame:
    """Per ``keys``: ``n``, the rows, or the sum of ``value`` when a row is itself a count."""
    return frame.group_by(keys).agg(pl.len().alias("n") if value is None else pl.col(value).sum().alias("n"))


def stacked_bars(
    frame: pl.DataFrame,
    state_column: str,
    states: dict[str, str],
    labels: dict[str, str],
    title: str,
    x_title: str,
    first: str | None = None,
    value: str | None = None,
    styles: dict[str, tuple[str, str]] | None = None,
) -> go.Figure:
    """Rows per agency and state as stacked horizontal bars (``value``: its sum instead), the
    agencies with most in the ``first`` state first (None: most in all), then the others by id;
    ``states`` are the states drawn, in order, and their words, and ``styles`` their colours and
    patterns (by default ``STATUS_STYLE``'s)."""
    if frame.is_empty():
        return empty_figure(f"No {x_title} for these filters.")
    ranked = _counted(frame if first is None else frame.filter(pl.col(state_column) == first), ["agency_id"], value)
    ranked = ranked.filter(pl.col("n") > 0).sort("n", "agency_id", descending=[True, False])
    agencies = ranked["agency_id"].to_list() + sorted(set(frame["agency_id"]) - set(ranked["agency_id"]))
    return _stacked_by_state(frame, state_column, states, agencies, labels, title, x_title, styles, value)


def _stacked_by_state(
    frame: pl.DataFrame,
    state_column: str,
    states: dict[str, str],
    agencies: list[str],
    labels: dict[str, str],
    title: str,
    x_title: str,
    styles: dict[str, tuple[str, str]] | None = None,
    value: str | None = None,
) -> go.Figure:
    """Rows counted per agency and state (``value``: summed) as stacked horizontal bars, each
    state its colour and pattern (``styles``; by default ``STATUS_STYLE``'s); ``states`` are the
    states drawn, in order, and their words."""
    counts = _counted(frame, ["agency_id", state_column], value)
    styles = styles if styles is not None else _status_styles(states)
    fig = go.Figure()
    for state, label in states.items():
        colour, pattern = styles[state]
        rows = {a: n for a, s, n in counts.iter_rows() if s == state}
        if not rows:
            continue
        fig.add_bar(
            y=[labels.get(a, a) for a in agencies],
            x=[rows.get(a, 0) for a in agencies],
            name=label,
            orientation="h",
            marker={"color": colour, "pattern": {"shape": pattern}},
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed")
    busiest = _counted(frame, ["agency_id"], value)["n"].max()
    assert isinstance(busiest, int)  # a count; the callers draw no empty frame
    fig.update_xaxes(dtick=_whole_step(busiest))
    return _layout(fig, title, x_title, height=max(300, 80 + 36 * len(agencies)))
