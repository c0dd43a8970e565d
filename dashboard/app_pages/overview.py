"""The headline figures for the report date, each linking to its page, and the change since a quarter ago."""

import streamlit as st

import metrics.report.views.overview as view
from dashboard.auth import session_access
from dashboard.components import download
from dashboard.data import database_key, date_range, measure, provides
from dashboard.presenting import deck_download, presenting
from dashboard.state import current_filters, current_oversights, current_window
from metrics.policy.settings import settings

filters = current_filters()
database = database_key()

st.title("Recovery Oversight")
window = current_window()
st.caption(view.caption(filters, window))

tiles = view.tiles(
    filters,
    window,
    presenting(),
    lambda name, counted: measure(name, database, counted),
    settings(),
    current_oversights(),
    lambda table: provides(database, table),
)
columns = st.columns(3)
for index, tile in enumerate(tiles):
    with columns[index % 3], st.container(border=True):
        st.metric(
            tile.label,
            tile.value,
            delta=tile.change,
            delta_color=tile.delta_color,
            delta_arrow="off" if tile.delta_color == "off" else "auto",
            help=tile.help,
        )
        st.caption(tile.caption)
        st.page_link(tile.page, label="Details", icon=":material/arrow_forward:")

download(view.download_rows(tiles), "overview.csv", "Download the headline figures (CSV)")

st.subheader("Deck for the quarterly CRS meeting")
st.caption(
    "A slide per measure (its chart, headline figure, change from the previous quarter and definition), "
    "an agenda and data notes, as a PDF to show or a PowerPoint file to edit, with each definition in the "
    "speaker notes. Small numbers are suppressed, and it covers only the agencies you may see."
)
deck_download(database, session_access(), *date_range(database))
