"""A slide's chart, drawn from what the registry declares of it (``metrics.measures.measure``)."""

from __future__ import annotations

import datetime as dt

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
from metrics.policy.settings import settings
from metrics.report import charts


def slide_figure(chart: Chart, frame: pl.DataFrame, labels: dict[str, str], as_of: dt.date) -> go.Figure:
    """The chart of a slide from the measure's rows; ``labels`` names the agencies."""
    match chart:
        case UtilizationBars():
            return charts.utilization_bars(frame, labels)
        case RatesWithIntervals(rows, value, title, axis_title):
            labelled = frame.filter(rows).with_columns(
                (
                    pl.col("agency_id").replace_strict(labels, default=pl.col("agency_id"))
                    + " · "
                    + pl.col("service_level")
                ).alias("label")
            )
            return charts.rate_with_intervals(labelled, "label", value, title, axis_title)
        case SurvivalCurves(rows, title):
            hours = settings().first_contact_standard_hours
            return charts.survival_curves(frame.filter(rows), {f"{hours:g}-hour standard": hours}, labels, title,
                                          hours * 4)
        case DueDates(title):
            return charts.due_dates(frame, as_of, labels, title)
        case StatusBars(title):
            return charts.status_bars(frame, labels, title)
    raise TypeError(f"no drawing for {chart!r}")
