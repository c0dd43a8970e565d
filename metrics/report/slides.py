"""A slide's chart, drawn from what the registry declares of it (``metrics.measures.measure``)."""

from __future__ import annotations

import datetime as dt
import textwrap

import plotly.graph_objects as go
import polars as pl

from metrics.measures.measure import (
    Chart,
    DueDates,
    MilestoneBars,
    RatesWithIntervals,
    StackedBars,
    SurvivalCurves,
    UtilizationBars,
)
from metrics.policy import wording
from metrics.policy.settings import settings
from metrics.report import charts
from metrics.report.labels import PLAN_WORDS, deadline_words, milestone_words, orientation_words, review_words
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


def _next_reviews(reviews: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Each program's next documentation review: due ``documentation_interval_months`` after the last
    one completed, or on the report date when none was; ``overdue`` when it is due (``review_due``),
    as the headline counts it."""
    due_on = (pl.col("last_completed_on").dt.offset_by(f"{settings().documentation_interval_months}mo")
              .fill_null(as_of))
    return reviews.select(
        "agency_id",
        due_on.alias("due_on"),
        pl.when(pl.col("review_due")).then(pl.lit("overdue")).otherwise(pl.lit("current")).alias("status"),
    ).with_columns((pl.col("due_on") - pl.lit(as_of)).dt.total_days().alias("days_until_due")).sort(
        "due_on", "agency_id")


def _stacked(chart: StackedBars, shown: pl.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Stacked bars in the words of the chart's segments: a status's, the worst first and ranking the
    agencies; or the incident categories of the settings, each keeping its colour from slide to
    slide, then any other the extract has."""
    if chart.segments == "incident_category":
        listed = settings().incident_categories
        others = sorted(set(shown[chart.column].to_list()) - set(listed))
        categories = {category: category for category in (*listed, *others)}
        return charts.stacked_bars(shown, chart.column, categories, labels, chart.title, chart.noun, value=chart.value,
                                   styles=charts.series_styles(categories))
    states = {"plan_status": PLAN_WORDS, "deadline_status": deadline_words(),
              "orientation_status": orientation_words()}[chart.segments]
    return charts.stacked_bars(shown, chart.column, states, labels, chart.title, chart.noun, first=next(iter(states)),
                               value=chart.value)


def hidden_note(hidden: pl.DataFrame, labels: dict[str, str]) -> str:
    """Which agencies suppression left out of a chart, and why, in one sentence."""
    names = sorted({labels.get(agency, agency) for agency in hidden["agency_id"].to_list()})
    return (f"Not shown: {', '.join(names)}, resting on (or leaving out) 1 to {settings().suppression_max_count} "
            "people, so as not to show small numbers.")


def slide_rows(chart: Chart) -> pl.Expr:
    """The rows of its measure a chart draws (all, but for a chart of one requirement or kind of referral)."""
    return chart.rows if isinstance(chart, RatesWithIntervals | SurvivalCurves) else pl.lit(True)


def slide_figure(chart: Chart, shown: pl.DataFrame, hidden: pl.DataFrame, labels: dict[str, str],
                 as_of: dt.date) -> go.Figure:
    """The chart of a slide from the rows it may show, and those suppression hides: marked in place
    where the chart can (rates); the deck names them beside every chart (``hidden_note``). A chart
    with nothing left to show says why, never that there is nothing; ``labels`` names the agencies."""
    rows = slide_rows(chart)
    shown_rows, hidden_rows = shown.filter(rows), hidden.filter(rows)
    # Rates mark each hidden row in place (_rates); other charts, left with nothing, say why.
    if shown_rows.is_empty() and not hidden_rows.is_empty() and not isinstance(chart, RatesWithIntervals):
        return charts.empty_figure("<br>".join(textwrap.wrap(hidden_note(hidden_rows, labels), 70)))
    match chart:
        case UtilizationBars():
            return charts.utilization_bars(shown, labels)
        case RatesWithIntervals():
            return _rates(chart, shown, hidden, labels)
        case SurvivalCurves(_, title, emergency):
            rules = settings()
            hours = rules.first_contact_emergency_hours if emergency else rules.first_contact_standard_hours
            return charts.survival_curves(shown_rows, {f"{wording.duration_adjective(hours)} standard": hours},
                                          labels, title, hours * 4)
        case MilestoneBars(title):
            drawn = with_level_labels(shown, labels).sort("agency_id", "service_level")
            return charts.grouped_rates(drawn, "label", "milestone", "rate", milestone_words(), title, "share met")
        case DueDates(title, review=True):
            return charts.due_dates(_next_reviews(shown, as_of), as_of, labels, title, date="due_on",
                                    states=review_words(), x_title="next review due")
        case DueDates(title):
            return charts.due_dates(shown, as_of, labels, title)
        case StackedBars():
            return _stacked(chart, shown, labels)
    raise TypeError(f"no drawing for {chart!r}")
