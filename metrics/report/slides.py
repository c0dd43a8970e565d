"""A slide's chart, drawn from what the registry declares of it (``metrics.measures.measure``)."""

from __future__ import annotations

import datetime as dt
import textwrap

import plotly.graph_objects as go
import polars as pl

from metrics.measures.measure import (
    Chart,
    DueDates,
    RatesWithIntervals,
    StatusBars,
    SurvivalCurves,
    UtilizationBars,
)
from metrics.policy import wording
from metrics.policy.settings import settings
from metrics.report import charts
from metrics.report.views import with_level_labels


def _rates(chart: RatesWithIntervals, shown: pl.DataFrame, hidden: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """The shown rows as dots with their intervals; a row suppression hides keeps its place, marked
    as hidden, so that a slide never leaves out an agency without saying so."""
    rules = settings()
    axis = wording.with_interval(chart.axis_noun, rules.confidence_level)
    drawn = with_level_labels(shown.filter(chart.rows), labels)
    hidden_names = with_level_labels(hidden.filter(chart.rows), labels)["label"].to_list()
    if not hidden_names:
        return charts.rate_with_intervals(drawn, "label", chart.value, chart.title, axis)
    # Hidden rows join the axis without a value: the dot plot draws nothing for them.
    placed = pl.concat([drawn, with_level_labels(hidden.filter(chart.rows), labels).with_columns(
        pl.lit(None, dtype=pl.Float64).alias(column) for column in (chart.value, "ci_low", "ci_high"))],
        how="diagonal_relaxed").sort("agency_id", "service_level")
    figure = charts.rate_with_intervals(placed, "label", chart.value, chart.title, axis)
    figure.add_trace(go.Bar(
        orientation="h",
        x=[1.0] * len(hidden_names),
        y=hidden_names,
        marker={"color": "rgba(230, 159, 0, 0.18)", "pattern": {"shape": "/", "fgcolor": charts.ORANGE}},
        name=f"hidden: rests on, or leaves out, 1 to {rules.suppression_max_count}",
        hoverinfo="skip",
    ))
    figure.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.2})
    return figure


def hidden_note(hidden: pl.DataFrame, labels: dict[str, str]) -> str:
    """Which agencies suppression left out of a chart, and why, in one sentence."""
    names = sorted({labels.get(agency, agency) for agency in hidden["agency_id"].to_list()})
    return (f"Not shown: {', '.join(names)}, resting on (or leaving out) 1 to {settings().suppression_max_count} "
            "people, so as not to show small numbers.")


def _with_hidden_marked(figure: go.Figure, hidden: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """A chart that cannot mark a hidden row in place says under it which agencies it leaves out."""
    if hidden.is_empty():
        return figure
    # Plotly does not wrap an annotation: its lines are broken here.
    text = "<br>".join(textwrap.wrap(hidden_note(hidden, labels), 100))
    figure.add_annotation(text=text, xref="paper", yref="paper", x=0, y=-0.3, xanchor="left", yanchor="top",
                          showarrow=False, align="left")
    figure.update_layout(margin={"b": 110})
    return figure


def slide_figure(chart: Chart, shown: pl.DataFrame, hidden: pl.DataFrame, labels: dict[str, str],
                 as_of: dt.date) -> go.Figure:
    """The chart of a slide from the rows it may show, and those suppression hides: marked in place
    where the chart can (rates), named under it otherwise. A chart with nothing left to show says
    why, never that there is nothing; ``labels`` names the agencies."""
    rows = chart.rows if isinstance(chart, RatesWithIntervals | SurvivalCurves) else pl.lit(True)
    shown_rows, hidden_rows = shown.filter(rows), hidden.filter(rows)
    # Rates mark each hidden row in place (_rates); other charts, left with nothing, say why.
    if shown_rows.is_empty() and not hidden_rows.is_empty() and not isinstance(chart, RatesWithIntervals):
        return charts.empty_figure("<br>".join(textwrap.wrap(hidden_note(hidden_rows, labels), 70)))
    match chart:
        case UtilizationBars():
            return _with_hidden_marked(charts.utilization_bars(shown, labels), hidden_rows, labels)
        case RatesWithIntervals():
            return _rates(chart, shown, hidden, labels)
        case SurvivalCurves(_, title):
            hours = settings().first_contact_standard_hours
            return _with_hidden_marked(
                charts.survival_curves(shown_rows, {f"{wording.duration_adjective(hours)} standard": hours},
                                       labels, title, hours * 4), hidden_rows, labels)
        case DueDates(title):
            return _with_hidden_marked(charts.due_dates(shown, as_of, labels, title), hidden_rows, labels)
        case StatusBars(title):
            return _with_hidden_marked(charts.status_bars(shown, labels, title), hidden_rows, labels)
    raise TypeError(f"no drawing for {chart!r}")
