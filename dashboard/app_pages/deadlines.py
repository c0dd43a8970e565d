"""Every open DCTS oversight deadline: what is late and what falls due soon, by program."""

import datetime as dt

import streamlit as st

import metrics.report.views.deadlines as view
from dashboard.components import metric_row, table, table_with_definition
from dashboard.data import database_key, measure, provides
from dashboard.presenting import public_download
from dashboard.state import agency_labels, current_filters
from metrics.measures.deadlines import to_ics
from metrics.report.labels import columns
from metrics.report.views import named

filters = current_filters()
database = database_key()
labels = agency_labels()

st.title("Deadlines")
st.caption(view.caption(filters.as_of))

missing = view.missing_warning({table: provides(database, table) for table in view.SOURCES})
if missing:
    st.warning(missing)
if not provides(database, "monitoring_visits"):
    st.warning("This extract does not provide monitoring visits: visit due dates count from each program's start.")

shown_all = view.shown(named(measure("deadlines", database, filters), labels))
metric_row(view.headlines(shown_all))

st.subheader(view.listed_title())
listed = view.listed(shown_all)
if not listed.is_empty():
    # Deadlines concern programs, not people: the public version is the same file, labelled as such.
    label, file_name = public_download("Add these deadlines to your calendar (.ics)", "deadlines.ics")
    st.download_button(
        label,
        to_ics(listed, dt.datetime.now(dt.UTC), labels),
        file_name=file_name,
        mime="text/calendar",
        on_click="ignore",
        icon=":material/event:",
        key="download-deadlines.ics",
        help="One all-day event per deadline below; importing a newer file updates the same events.",
    )
table_with_definition("deadlines", listed, "deadlines.csv", column_config=columns("deadlines"))

with st.expander(view.later_title()):
    table(view.of_status(shown_all, "later"), "deadlines_later.csv", column_config=columns("deadlines_later"))
