"""With ``oversight serve --extracts``: the sidebar's word on the extract served, the building of a newer
one (a progress bar) and any that could not be loaded, looked at again every few seconds; a session
switches to a newer extract, whole page at once, as soon as it is served."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.data import SERVED_KEY, extracts_folder
from metrics.extract.extracts import long_date

LOOK_EVERY = dt.timedelta(seconds=1)


def extract_status() -> None:
    """Draw the status in the sidebar (nothing when one extract is served)."""
    if extracts_folder() is None:
        return
    with st.sidebar:
        _status()


@st.fragment(run_every=LOOK_EVERY)
def _status() -> None:
    folder = extracts_folder()
    if folder is None:
        return
    state = folder.state()
    shown = st.session_state.get(SERVED_KEY)
    if state.served is not None and state.served != shown:
        st.rerun(scope="app")  # the whole page, from the newly served extract (dashboard.data.pin_served)
    if state.served is not None:
        st.caption(f"Extract of {long_date(state.served.taken_on)} (folder {state.served.folder.name})")
    if state.building is not None:
        st.progress(state.building.fraction, text=state.building.words())
    for failure in state.failures:
        st.warning(f"{failure.words()}. The extract of {long_date(state.served.taken_on)} is still served."
                   if state.served else failure.words(), icon=":material/sync_problem:")
