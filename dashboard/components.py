"""Pieces every page uses: the definition beside a chart, governed downloads, tables."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from functools import partial
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard.data import database_key, extract_dir, extract_info
from dashboard.layout import beside
from dashboard.navigation import PAGES
from dashboard.presenting import presenting, public_download
from dashboard.state import AGENCIES_KEY, FILTERS_KEY, agency_labels, current_oversights, current_window
from metrics.disclosure.suppression import small_marker
from metrics.measures.docs import definition_text, first_sentence
from metrics.measures.registry import BY_NAME
from metrics.policy.settings import settings
from metrics.report.charts import p_chart
from metrics.report.drill import agency_of_point
from metrics.report.export import to_csv_text
from metrics.report.labels import Column, in_words
from metrics.report.views import Metric
from metrics.report.workbook import workbook

# The tables this run of the page offered for download, for its workbook: name -> (table, the
# slug of its definition in docs/measures.md or None). The router empties it before each run.
OFFERED_KEY = "offered_tables"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def chart_with_definition(
    figure: go.Figure, measure: str, data: pl.DataFrame, file_name: str, key: str | None = None,
    drill: dict[str, str] | None = None,
) -> None:
    """The chart, its plain-language definition beside it (or under it on a narrow screen), and the
    figures it shows as CSV below. With ``drill`` (agency id: name, as the chart names them),
    clicking an agency's bar, dot or line narrows the page to that agency."""
    chart, words = beside(Path(file_name).stem)
    with chart:
        if drill is None:
            st.plotly_chart(figure, width="stretch", key=key, theme=None, config={"displaylogo": False})
        else:
            chart_key = key or f"drill-{Path(file_name).stem}"
            trace_names = [getattr(trace, "name", None) for trace in figure.data]
            st.plotly_chart(figure, width="stretch", key=chart_key, theme=None, config={"displaylogo": False},
                            on_select=partial(_narrow_to_agency, chart_key, trace_names, drill),
                            selection_mode="points")
        download(data, file_name, definition=measure)
    with words:
        st.markdown(definition_text(measure, settings()))


def _narrow_to_agency(chart_key: str, trace_names: list[str | None], agency_names: dict[str, str]) -> None:
    """A chart's selection callback: the sidebar's agencies become the one clicked (the filters,
    the address and every page follow)."""
    event = st.session_state.get(chart_key)
    points = event["selection"]["points"] if event else []
    for point in points:
        agency = agency_of_point(point, trace_names, agency_names)
        if agency is not None:
            st.session_state[AGENCIES_KEY] = [agency]
            return


def as_column_config(columns: dict | None) -> dict:
    """Streamlit's column configuration for headers of ``metrics.report.labels``: a ``Column``
    becomes a number column in its format (or a bar), a percent one in whole points (the table
    shows rates times 100: see ``_in_points``); a column of words, a header or None stays as it is."""
    config = {}
    for name, column in (columns or {}).items():
        if isinstance(column, Column) and column.words is not None:
            column = column.label
        elif isinstance(column, Column):
            number_format = POINTS if column.format == "percent" else column.format
            if column.progress is not None:
                low, high = column.progress
                scale = 100 if column.format == "percent" else 1
                column = st.column_config.ProgressColumn(
                    column.label, format=number_format, help=column.help, min_value=low * scale,
                    max_value=high * scale
                )
            else:
                column = st.column_config.NumberColumn(column.label, format=number_format, help=column.help)
        config[name] = column
    return config


def metric_row(metrics: list[Metric | None], columns: int | None = None) -> None:
    """The page's headline figures side by side, each in a bordered box; None leaves its place empty."""
    for place, metric in zip(st.columns(columns or len(metrics)), metrics, strict=False):
        if metric is not None:
            place.metric(metric.label, metric.value, help=metric.help, border=True)


WORKLISTS_PAGE = "app_pages/worklists.py"
WORKLIST_STAFF_KEY = "worklist_staff"  # the Worklists page's choice of staff member
# A rate on screen: whole percentage points, as every headline and chart writes it (wording.rate_text).
POINTS = "%.0f%%"
# A count as a suppressed table shows it: the number, "<11" or "*".
COUNT_TEXT = r"^(\d+|<\d+|\*)$"


def report_dated(file_name: str) -> str:
    """``file_name`` with the report date before its suffix: ``caseload_staff.csv`` becomes
    ``caseload_staff_2026-10-31.csv`` (as it is before the sidebar's filters are set)."""
    filters = st.session_state.get(FILTERS_KEY)
    if filters is None:
        return file_name
    path = Path(file_name)
    return f"{path.stem}_{filters.as_of.isoformat()}{path.suffix}"


def download(
    data: pl.DataFrame, file_name: str, label: str = "Download these figures (CSV)", definition: str | None = None
) -> None:
    """A CSV of ``data``, named ``<file_name's stem>_<report date>[_public].csv``; while presenting,
    labelled and named as the public version it then is. The table also goes in the page's workbook,
    with ``definition`` (a section of docs/measures.md) or its measure's."""
    offered = st.session_state.get(OFFERED_KEY)
    if offered is not None:
        offered[Path(file_name).stem] = (data, definition)
    label, file_name = public_download(label, report_dated(file_name))
    st.download_button(
        label,
        to_csv_text(data),
        file_name=file_name,
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key=f"download-{file_name}",
    )


def table(
    data: pl.DataFrame,
    file_name: str,
    column_config: dict | None = None,
    height: int | str = "auto",
    definition: str | None = None,
    opens_worklist: bool = False,
    row_height: int | None = None,
) -> None:
    """A table with its own download button holding exactly the rows shown. With
    ``opens_worklist``, choosing a staff member's row opens the Worklists page on their lists. A
    ``row_height`` of several lines lets long text wrap in columns given a width.

    Streamlit's own export of the table is off (``client.disableDataExport`` in
    streamlit_config.toml): the button is the one way out, and it follows presentation mode."""
    if data.is_empty():
        st.info("Nothing to show for these filters.")
        return
    data = in_words(data, column_config)
    # Only the screen gets rates in points and text cells; the download keeps numbers a spreadsheet can sum.
    shown = _in_points(data, column_config)
    config = _dates_as_dates(shown, as_column_config(column_config))
    shown, config = _blank_when_empty(shown, _counts_to_the_right(shown, config) if presenting() else config,
                                      numbers=presenting())
    if not opens_worklist:
        st.dataframe(shown, hide_index=True, width="stretch", column_config=config, height=height,
                     row_height=row_height)
    else:
        st.caption("Choose a staff member's row (the box at its left) to open their worklists.")
        event = st.dataframe(shown, hide_index=True, width="stretch", column_config=config, height=height,
                             on_select="rerun", selection_mode="single-row", key=f"rows-{Path(file_name).stem}")
        rows = event["selection"]["rows"]
        if rows and shown["staff_id"][rows[0]] is not None:
            st.session_state[WORKLIST_STAFF_KEY] = shown["staff_id"][rows[0]]
            st.switch_page(WORKLISTS_PAGE)
    download(data, file_name, definition=definition)


def table_with_definition(measure: str, data: pl.DataFrame, file_name: str, column_config: dict | None = None) -> None:
    """A table across the page (tables are wide), with the plain-language definition of its measure under it."""
    table(data, file_name, column_config, definition=measure)
    st.markdown(definition_text(measure, settings()))


def _dates_as_dates(data: pl.DataFrame, column_config: dict | None) -> dict:
    """Show date columns as YYYY-MM-DD (Streamlit would show them as midnight timestamps)."""
    config = dict(column_config or {})
    for name, dtype in data.schema.items():
        label = config.get(name, name)  # a column configured as None is hidden, and stays so
        if dtype == pl.Date and isinstance(label, str):
            config[name] = st.column_config.DateColumn(label, format="YYYY-MM-DD")
    return config


def _counts_to_the_right(data: pl.DataFrame, column_config: dict) -> dict:
    """Counts shown as text ("<11", "*") stay aligned as numbers are."""
    config = dict(column_config)
    for name, dtype in data.schema.items():
        label = config.get(name, name)
        if dtype == pl.String and isinstance(label, str) and data[name].drop_nulls().str.contains(COUNT_TEXT).all():
            config[name] = st.column_config.TextColumn(label, alignment="right")
    return config


def _in_points(data: pl.DataFrame, columns: dict | None) -> pl.DataFrame:
    """Rates (the ``Column``s in the "percent" format) times 100, shown in ``POINTS``."""
    rates = [name for name, column in (columns or {}).items()
             if isinstance(column, Column) and column.format == "percent" and name in data.columns
             and data.schema[name].is_numeric()]
    return data.with_columns(pl.col(name) * 100 for name in rates) if rates else data


def _as_text(value, number_format: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return number_format % value if number_format and number_format.startswith("%") else f"{value:g}"


def _blank_when_empty(data: pl.DataFrame, column_config: dict, numbers: bool) -> tuple[pl.DataFrame, dict]:
    """An empty text or date reads blank rather than "None", and so, with ``numbers`` (while presenting),
    does a suppressed rate or median, as in the downloads: such a column with empty cells becomes
    text in its own format. (ISO dates sort as text as they do as dates; numbers would not, so
    they stay numbers while not presenting.)"""
    config = dict(column_config)
    data = data.with_columns(pl.col(pl.String).fill_null(""))
    for name, dtype in data.schema.items():
        if not ((numbers and dtype.is_numeric()) or dtype == pl.Date) or not data[name].null_count():
            continue
        if name in config and config[name] is None:
            continue  # a column configured as None is hidden, and stays so
        column = config.get(name)
        label = column.get("label") if isinstance(column, dict) else column or name
        number_format = column.get("type_config", {}).get("format") if isinstance(column, dict) else None
        data = data.with_columns(pl.Series(name, [_as_text(v, number_format) for v in data[name].to_list()], pl.String))
        config[name] = st.column_config.TextColumn(label, alignment="left" if dtype == pl.Date else "right")
    return data, config


def monthly_p_chart(rows: pl.DataFrame, shown: pl.DataFrame, successes: str, trials: str, file_name: str,
                    center: float | None) -> None:
    """The rate of all shown agencies month by month as a p-chart, with its figures below.

    ``rows`` are the months drawn, ``shown`` the table offered for download, ``center`` the
    page's headline rate (``metrics.report.views.overall_rate``).
    """
    chart_with_definition(
        p_chart(rows, "month", successes, trials, "Month by month (p-chart)", center),
        "month-by-month",
        shown,
        file_name,
        key="pchart",
    )


# ---------------------------------------------------------------------------
# The page's workbook


def collect_offered_tables() -> None:
    """Start this run's list of the tables offered for download (the router calls it before the page)."""
    st.session_state[OFFERED_KEY] = {}


def workbook_download(url_path: str) -> None:
    """One Excel workbook of every table this run of the page offered, with a sheet saying what
    they hold: ``<page>_<report date>[_public].xlsx``. Nothing when the page offered no table."""
    offered: dict[str, tuple[pl.DataFrame, str | None]] = st.session_state.get(OFFERED_KEY) or {}
    if not offered:
        return
    page = (url_path or next(entry.url_path for entry in PAGES if entry.default)).replace("-", "_")
    tables = {name: frame for name, (frame, _) in offered.items()}
    definitions = {name: _definition(name, slug) for name, (_, slug) in offered.items()}
    label, file_name = public_download("Download every table on this page (Excel)", report_dated(f"{page}.xlsx"))
    st.divider()
    st.download_button(
        label,
        workbook(tables, about_these_figures(), definitions),
        file_name=file_name,
        mime=XLSX,
        on_click="ignore",
        icon=":material/table_view:",
        key="download-workbook",
        help="A sheet per table above, numbers as numbers and dates as dates, and a first sheet saying "
        "which extract, filters and mode they come from.",
    )


def about_these_figures() -> dict[str, str]:
    """What the workbook's first sheet says of its figures: extract, dates, filters, mode, software."""
    database = database_key()
    info = extract_info(database)
    filters = st.session_state[FILTERS_KEY]
    names = agency_labels()
    limit = settings().suppression_max_count
    # As the line at the top of the page says it (metrics.report.views.context).
    oversight = sorted(current_oversights())
    if presenting():
        mode = (
            f"on: counts of 1 to {limit} people show as {small_marker()}, a figure hidden so that another "
            "cannot be worked out shows as *, and rates resting on them are blank"
        )
    else:
        mode = "off: exact figures, for use within the agency (not for sharing outside it)"
    try:
        version = importlib.metadata.version("recovery-oversight")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown (not installed)"
    return {
        "Extract": extract_dir().name,
        "Extract fingerprint": info.get("fingerprint", ""),
        "Extract date": info.get("extract_date", ""),
        "Report date": filters.as_of.isoformat(),
        "Counting window": current_window().describe(filters),
        "Oversight": ", ".join(oversight),
        "Agencies": ", ".join(names.get(a, a) for a in filters.agencies) if filters.agencies else "all",
        "Service levels": ", ".join(filters.service_levels) if filters.service_levels else "all",
        "Presentation mode": mode,
        "Suppression rule": f"counts of 1 to {limit} people are suppressed while presenting "
        f"(suppression_max_count = {limit})",
        "Made": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "Software": f"recovery-oversight {version}",
    }


def _definition(name: str, slug: str | None) -> str:
    """The one-sentence definition of a table: of the section named where it is shown, else of
    the measure it is (or whose name it starts with), else none."""
    if slug is None:
        measures = [measure for measure in BY_NAME if name == measure or name.startswith(f"{measure}_")]
        slug = BY_NAME[max(measures, key=len)].definition if measures else None
    if slug is None:
        return ""
    sentence = first_sentence(slug)
    opening, listed, _ = sentence.partition(":  - ")
    if listed:  # a sentence opening a list: its opening
        return f"{opening}."
    if sentence.startswith("- "):  # a section that is a list: what its measure counts
        described = [measure.description for measure in BY_NAME.values() if measure.definition == slug]
        return f"{slug.replace('-', ' ').capitalize()}: {described[0]}." if described else sentence[2:]
    return sentence
