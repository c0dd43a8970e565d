"""The filters shared by every page: drawn in the sidebar by the router, kept for the session and
in the address (``metrics.policy.link``), so that a link, a reload or a page switch keeps the view."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.auth import refuse, session_access, who_is_looking
from dashboard.data import agencies, database_key, date_range
from dashboard.presenting import PRESENTING_KEY, presentation_toggle, presenting
from metrics.extract.extracts import Served
from metrics.extract.schema import SERVICE_LEVELS
from metrics.policy.access import Access, restrict
from metrics.policy.filters import Filters
from metrics.policy.link import PARAMETERS, Extent, View, link_params, read_link
from metrics.policy.quarters import default_report_date
from metrics.policy.settings import settings
from metrics.policy.window import DATES, WINDOW_NAMES, WINDOWS, Window
from metrics.report.views import named
from metrics.report.views.context import selected_oversights

FILTERS_KEY = "filters"
AGENCIES_KEY = "agencies"  # the sidebar's agencies, which a click on a chart sets (components.chart_with_definition)
WINDOW_KEY = "counting_window"
OVERSIGHTS_KEY = "selected_oversights"
LINK_KEY = "link"  # the query parameters this session last wrote into the address
OVERSIGHTS = ("BHD", "DCTS")


def sidebar_filters() -> Filters:
    """Draw the filters and return what they select; pages read it with `current_filters()`.

    The agencies offered and the filters returned never reach beyond what the visitor may see.
    """
    access = session_access()
    database = database_key()
    listed = visible_agencies(access)
    sidebar = st.sidebar
    who_is_looking(sidebar)
    if listed.is_empty() and not access.sees_everything:
        # Granted only agencies the extract does not hold: the server named them when it started.
        refuse("None of the agencies you have been given access to are in this extract. "
               "Please ask the dashboard's administrator.")
    # From the first event to the extract's date: later rows are dated after it was taken.
    first, last = date_range(database)
    # Widgets set from the link take no default: the link's value is theirs.
    linked = follow_link(Extent(first, last, all_agencies(database), SERVICE_LEVELS, OVERSIGHTS), access)
    presentation_toggle(sidebar)
    sidebar.header("Filters")
    oversight = sidebar.segmented_control(
        "Oversight",
        OVERSIGHTS,
        selection_mode="multi",
        default=None if "oversight" in linked else list(OVERSIGHTS),
        key="oversight",
        persist_state="session",
        help="BHD: Recovery Support Agencies (RSC, CM). DCTS: county and tribal CRS programs.",
    ) or list(OVERSIGHTS)
    offered = listed.filter(pl.col("oversight").is_in(oversight))
    names = dict(zip(offered["agency_id"], offered["agency_name"], strict=True))
    chosen = sidebar.multiselect(
        "Agencies",
        list(names),
        format_func=names.get,
        key=AGENCIES_KEY,
        placeholder="All agencies" if access.sees_everything else "All the agencies you may see",
        persist_state="session",
    )
    levels = sidebar.multiselect(
        "Service level",
        SERVICE_LEVELS,
        key="service_levels",
        placeholder="All levels",
        persist_state="session",
        help="RSC-I and RSC-F: Recovery Support Coordination (individual, family). CM: Case Management.",
    )
    as_of = sidebar.date_input(
        "As of",
        value=None if "as_of" in linked else default_report_date(last),
        min_value=first,
        max_value=last,
        key="as_of",
        persist_state="session",
        help="Figures are as at the end of this day.",
    )
    default_window = settings().default_window
    kind = sidebar.selectbox(
        "Counting window",
        WINDOWS,
        # A widget set from the link takes no default: the link's value is its own.
        index=0 if "window" in linked else WINDOWS.index(default_window),
        format_func=WINDOW_NAMES.get,
        key="window",
        persist_state="session",
        help="What referrals, contact periods, plans and the months of trends are counted over, on the "
        "overview and every page alike. Counts on the report date (caseloads, monitoring status) are "
        "taken on it whatever the window.",
    )
    if kind == DATES:
        period = sidebar.date_input(
            "Counting from … to",
            value=(first, last),
            min_value=first,
            max_value=last,
            key="period",
            persist_state="session",
        )
        start, end = (period + (None, None))[:2] if isinstance(period, tuple) else (period, None)
        window = Window(DATES, start if start and start > first else None, end if end and end < last else None)
    else:
        window = Window(kind)
    write_link(View(
        as_of=as_of,
        window=None if kind == default_window else kind,
        period_start=window.start,
        period_end=window.end,
        oversight=tuple(oversight) if len(oversight) < len(OVERSIGHTS) else None,
        agencies=tuple(chosen) or None,
        service_levels=tuple(levels) or None,
        presenting=presenting(),
    ))
    if chosen:
        selected = tuple(chosen)
    elif len(oversight) < len(OVERSIGHTS):
        selected = tuple(names)
    else:
        selected = None
    filters = restrict(
        window.counted(Filters(as_of=as_of, agencies=selected, service_levels=tuple(levels) or None)),
        access,
    )
    st.session_state[WINDOW_KEY] = window
    st.session_state[OVERSIGHTS_KEY] = selected_oversights(agencies(database), filters)
    st.session_state[FILTERS_KEY] = filters
    return filters


def follow_switch(before: Served) -> None:
    """After a switch to a newer extract (``oversight serve --extracts``): dates the session left at the
    old extract's defaults move to the new one's, and agencies the new extract lacks are let go."""
    first, last = date_range(str(before.database))
    new_first, new_last = date_range(database_key())
    # Set, not deleted: a widget kept for the session would bring its old value back on the next page.
    if st.session_state.get("as_of") == default_report_date(last):
        st.session_state["as_of"] = default_report_date(new_last)
    if st.session_state.get("period") in ((first, last), [first, last]):
        st.session_state["period"] = (new_first, new_last)
    chosen = st.session_state.get(AGENCIES_KEY)
    if chosen:
        present = set(all_agencies(database_key()))
        st.session_state[AGENCIES_KEY] = [agency for agency in chosen if agency in present]


def follow_link(extent: Extent, access: Access) -> set[str]:
    """Set the sidebar's widgets from the address when it holds a view this session did not write: a
    link just opened (or reloaded), or the browser's back and forward buttons. Returns the widget keys set.

    The link is read under the visitor's access (``metrics.policy.link.read_link``): an agency they
    may not see is left out, as the sidebar would never offer it. What cannot be used is ignored and
    said, naming only the parameter; the address is then rewritten without it (``write_link``).
    """
    given = {name: st.query_params.get_all(name) for name in PARAMETERS if name in st.query_params}
    written = st.session_state.get(LINK_KEY)
    if written is not None and (not given or given == written):
        # The session's own view, or a page switch that left the parameters behind: the widgets hold it.
        return set()
    link = read_link(given, extent, access)
    if link.problems:
        st.warning("\n".join(f"- The link's {problem}" for problem in link.problems), icon=":material/link_off:")
    view = link.view
    values = {
        "oversight": list(view.oversight or OVERSIGHTS),
        "agencies": list(view.agencies or ()),
        "service_levels": list(view.service_levels or ()),
        "as_of": view.as_of or default_report_date(extent.last),
        "window": view.window or settings().default_window,
        "period": (view.period_start or extent.first, view.period_end or extent.last),
        PRESENTING_KEY: view.presenting,
    }
    if written is None:
        # A new session: its widgets start from their defaults, so only what the link chose is set.
        chosen = {"oversight": view.oversight, "agencies": view.agencies, "service_levels": view.service_levels,
                  "as_of": view.as_of, "window": view.window, "period": view.period_start or view.period_end,
                  PRESENTING_KEY: view.presenting}
        values = {key: value for key, value in values.items() if chosen[key]}
    for key, value in values.items():
        st.session_state[key] = value
    return set(values)


def write_link(view: View) -> None:
    """Put ``view`` in the address, in place of the parameters there, and keep it as the session's own."""
    wanted = link_params(view)
    given = {name: st.query_params.get_all(name) for name in PARAMETERS if name in st.query_params}
    if given != {name: [value] for name, value in wanted.items()}:
        for name in given:
            del st.query_params[name]
        for name, value in wanted.items():
            st.query_params[name] = value
    st.session_state[LINK_KEY] = {name: [value] for name, value in wanted.items()}


def current_filters() -> Filters:
    """The sidebar's filters, counting over its window."""
    return st.session_state[FILTERS_KEY]


def current_window() -> Window:
    return st.session_state[WINDOW_KEY]


def current_oversights() -> frozenset[str]:
    """The oversights of the agencies the filters keep (which may be fewer than the sidebar names)."""
    return st.session_state[OVERSIGHTS_KEY]


def all_agencies(database: str) -> dict[str, str]:
    """Every agency of the extract and its oversight, for reading links (which narrow them by access)."""
    listed = agencies(database)
    return dict(zip(listed["agency_id"], listed["oversight"], strict=True))


def visible_agencies(access: Access) -> pl.DataFrame:
    listed = agencies(database_key())
    return listed if access.sees_everything else listed.filter(pl.col("agency_id").is_in(list(access.agencies)))


def agency_labels() -> dict[str, str]:
    listed = visible_agencies(session_access())
    return dict(zip(listed["agency_id"], listed["agency_name"], strict=True))


def with_agency_names(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``agency_name`` beside ``agency_id``, for tables and downloads people read."""
    return named(frame, agency_labels())
