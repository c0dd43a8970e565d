"""Pieces every page uses: the definition beside a chart, governed downloads, tables."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard.presenting import presenting, public_download
from metrics.measures.docs import measure_text
from metrics.report.charts import p_chart
from metrics.report.export import to_csv_text
from metrics.report.labels import Column
from metrics.report.views import Metric


def chart_with_definition(
    figure: go.Figure, measure: str, data: pl.DataFrame, file_name: str, key: str | None = None
) -> None:
    """The chart, its plain-language definition beside it, and the figures it shows as CSV below."""
    chart, words = st.columns([3, 1], gap="medium")
    with chart:
        st.plotly_chart(figure, width="stretch", key=key, theme=None, config={"displaylogo": False})
        download(data, file_name)
    with words:
        st.markdown(measure_text(measure))


def as_column_config(columns: dict | None) -> dict:
    """Streamlit's column configuration for headers of ``metrics.report.labels``: a ``Column``
    becomes a number column in its format (or a bar), a header or None stays as it is."""
    config = {}
    for name, column in (columns or {}).items():
        if isinstance(column, Column) and column.progress is not None:
            low, high = column.progress
            column = st.column_config.ProgressColumn(
                column.label, format=column.format, help=column.help, min_value=low, max_value=high
            )
        elif isinstance(column, Column):
            column = st.column_config.NumberColumn(column.label, format=column.format, help=column.help)
        config[name] = column
    return config


def metric_row(metrics: list[Metric | None], columns: int | None = None) -> None:
    """The page's headline figures side by side, each in a bordered box; None leaves its place empty."""
    for place, metric in zip(st.columns(columns or len(metrics)), metrics, strict=False):
        if metric is not None:
            place.metric(metric.label, metric.value, help=metric.help, border=True)


# A count as a suppressed table shows it: the number, "<11" or "*".
COUNT_TEXT = r"^(\d+|<\d+|\*)$"


def download(data: pl.DataFrame, file_name: str, label: str = "Download these figures (CSV)") -> None:
    """A CSV of ``data``; while presenting, labelled and named as the public version it then is."""
    label, file_name = public_download(label, file_name)
    st.download_button(
        label,
        to_csv_text(data),
        file_name=file_name,
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key=f"download-{file_name}",
    )


def table(data: pl.DataFrame, file_name: str, column_config: dict | None = None, height: int | str = "auto") -> None:
    """A table with its own download button holding exactly the rows shown."""
    if data.is_empty():
        st.info("Nothing to show for these filters.")
        return
    config = _dates_as_dates(data, as_column_config(column_config))
    shown = data
    if presenting():
        # Only the screen gets the text cells; the download keeps numbers a spreadsheet can sum.
        shown, config = _blank_when_empty(data, _counts_to_the_right(data, config))
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, height=height)
    download(data, file_name)


def table_with_definition(measure: str, data: pl.DataFrame, file_name: str, column_config: dict | None = None) -> None:
    """A table with the plain-language definition of its measure beside it."""
    words, figures = st.columns([1, 3], gap="medium")
    with words:
        st.markdown(measure_text(measure))
    with figures:
        table(data, file_name, column_config)


def _dates_as_dates(data: pl.DataFrame, column_config: dict | None) -> dict:
    """Show date columns as YYYY-MM-DD (Streamlit would show them as midnight timestamps)."""
    config = dict(column_config or {})
    for name, dtype in data.schema.items():
        label = config.get(name)
        if dtype == pl.Date and (label is None or isinstance(label, str)):
            config[name] = st.column_config.DateColumn(label or name, format="YYYY-MM-DD")
    return config


def _counts_to_the_right(data: pl.DataFrame, column_config: dict) -> dict:
    """Counts shown as text ("<11", "*") stay aligned as numbers are."""
    config = dict(column_config)
    for name, dtype in data.schema.items():
        label = config.get(name, name)
        if dtype == pl.String and isinstance(label, str) and data[name].drop_nulls().str.contains(COUNT_TEXT).all():
            config[name] = st.column_config.TextColumn(label, alignment="right")
    return config


def _as_text(value, number_format: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if number_format == "percent":
        return f"{value * 100:.2f}".rstrip("0").rstrip(".") + "%"
    return number_format % value if number_format and number_format.startswith("%") else f"{value:g}"


def _blank_when_empty(data: pl.DataFrame, column_config: dict) -> tuple[pl.DataFrame, dict]:
    """A suppressed rate, median or date reads blank, as in the downloads, rather than "None":
    a number or date column with empty cells becomes text in its own format."""
    config = dict(column_config)
    for name, dtype in data.schema.items():
        if not (dtype.is_numeric() or dtype == pl.Date) or not data[name].null_count():
            continue
        column = config.get(name)
        label = column.get("label") if isinstance(column, dict) else column or name
        number_format = column.get("type_config", {}).get("format") if isinstance(column, dict) else None
        data = data.with_columns(pl.Series(name, [_as_text(v, number_format) for v in data[name].to_list()], pl.String))
        config[name] = st.column_config.TextColumn(label, alignment="left" if dtype == pl.Date else "right")
    return data, config


def monthly_p_chart(rows: pl.DataFrame, shown: pl.DataFrame, successes: str, trials: str, file_name: str) -> None:
    """The rate of all shown agencies month by month as a p-chart, with its figures below.

    ``rows`` are the months drawn, ``shown`` the table offered for download.
    """
    chart_with_definition(
        p_chart(rows, "month", successes, trials, "Month by month (p-chart)"),
        "month-by-month",
        shown,
        file_name,
        key="pchart",
    )
