"""CRS orientation training of DCTS program staff, and incidents reported by the programs."""

import streamlit as st

import metrics.report.views.training as view
from dashboard.components import metric_row, table, table_with_definition
from dashboard.data import database_key, measure, provides
from dashboard.presenting import as_shown, presenting
from dashboard.state import agency_labels, current_filters
from metrics.report.labels import columns
from metrics.report.views import named

filters = current_filters()
database = database_key()
labels = agency_labels()

st.title("Training and incidents")
st.caption(view.caption(filters.as_of))

st.header("Orientation training")
if not provides(database, "trainings"):
    st.warning("This extract does not provide trainings: orientation hours cannot be checked.")
else:
    staff = named(measure("orientation_staff", database, filters), labels)
    if staff.is_empty():
        st.info("No staff member of a DCTS program employed on this date matches these filters.")
    else:
        metric_row(view.orientation_headlines(staff))
        st.subheader("By program")
        table_with_definition(
            "orientation-training",
            view.orientation_programs(staff, labels),
            "orientation_agency.csv",
            column_config=columns("orientation_agency"),
        )
        st.subheader("Staff, those who missed the requirement first")
        if presenting():
            st.info("Orientation by staff member is not shown while presenting: it names staff one by one.")
        else:
            table(view.orientation_table(staff), "orientation_staff.csv", column_config=columns("orientation_staff"))

st.header("Incidents")
if not provides(database, "incidents"):
    st.warning("This extract does not provide incidents.")
else:
    summary = measure("incidents", database, filters)
    figures = as_shown(view.linked_incidents(summary))
    if not summary.is_empty():
        metric_row(view.incident_headlines(figures, summary, presenting()), 2)
    table_with_definition(
        "incidents",
        view.incidents_table(figures.table("incidents"), labels),
        "incidents.csv",
        column_config=columns("incidents"),
    )
