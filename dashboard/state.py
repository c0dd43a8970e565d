"""The filters shared by every page: drawn in the sidebar by the router, kept for the session."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.auth import refuse, session_access, who_is_looking
from dashboard.data import agencies, database_key, date_range
from dashboard.presenting import presentation_toggle
from metrics.extract.schema import SERVICE_LEVELS
from metrics.policy.access import Access, restrict
from metrics.policy.filters import Filters
from metrics.report.views import named

FILTERS_KEY = "filters"
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
    presentation_toggle(sidebar)
    sidebar.header("Filters")
    oversight = sidebar.segmented_control(
        "Oversight",
        OVERSIGHTS,
        selection_mode="multi",
        default=list(OVERSIGHTS),
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
        key="agencies",
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
        value=last,
        min_value=first,
        max_value=last,
        key="as_of",
        persist_state="session",
        help="Figures are as at the end of this day.",
    )
    period = sidebar.date_input(
        "Counting referrals, periods and plans from … to",
        value=(first, last),
        min_value=first,
        max_value=last,
        key="period",
        persist_state="session",
    )
    start, end = (period + (None, None))[:2] if isinstance(period, tuple) else (period, None)
    if chosen:
        selected = tuple(chosen)
    elif len(oversight) < len(OVERSIGHTS):
        selected = tuple(names)
    else:
        selected = None
    filters = restrict(
        Filters(
            as_of=as_of,
            agencies=selected,
            service_levels=tuple(levels) or None,
            period_start=start if start and start > first else None,
            period_end=end if end and end < last else None,
        ),
        access,
    )
    st.session_state[FILTERS_KEY] = filters
    return filters


def current_filters() -> Filters:
    return st.session_state[FILTERS_KEY]


def visible_agencies(access: Access) -> pl.DataFrame:
    listed = agencies(database_key())
    return listed if access.sees_everything else listed.filter(pl.col("agency_id").is_in(list(access.agencies)))


def agency_labels() -> dict[str, str]:
    listed = visible_agencies(session_access())
    return dict(zip(listed["agency_id"], listed["agency_name"], strict=True))


def with_agency_names(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``agency_name`` beside ``agency_id``, for tables and downloads people read."""
    return named(frame, agency_labels())
