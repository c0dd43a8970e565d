"""Biennial monitoring visits and annual documentation oversight of DCTS programs."""

import streamlit as st

import metrics.report.views.monitoring as view
from dashboard.components import chart_with_definition, metric_row, table, table_with_definition
from dashboard.data import database_key, measure, provides
from dashboard.presenting import as_shown, presenting
from dashboard.state import agency_labels, current_filters
from metrics.report.charts import due_dates
from metrics.report.labels import columns

filters = current_filters()
database = database_key()
labels = agency_labels()

st.title("Monitoring of CRS programs")
st.caption(view.caption(filters.as_of))

status = measure("monitoring_status", database, filters)
if not provides(database, "monitoring_visits"):
    st.warning("This extract does not provide monitoring visits: due dates count from each program's start.")
if status.is_empty():
    st.info("No DCTS program matches these filters.")
else:
    metric_row(view.status_counts(status))
    shown = view.status_table(status)
    chart_with_definition(
        due_dates(status, filters.as_of, labels, "Next monitoring visit due"),
        "biennial-monitoring",
        shown,
        "monitoring_status.csv",
        drill=labels,
    )
    st.subheader("Programs, most overdue first")
    table(shown, "monitoring_status_table.csv", column_config=columns("monitoring_status_table"))

st.header("Documentation oversight")
if not provides(database, "documentation_reviews"):
    st.warning("This extract does not provide documentation reviews.")
reviews = measure("documentation_status", database, filters)
if not reviews.is_empty():
    reviews_due = view.reviews_due(reviews)
    st.metric(reviews_due.label, reviews_due.value, border=True)
table_with_definition(
    "documentation-oversight",
    view.reviews_table(as_shown(view.linked_reviews(reviews)).table("reviews"), presenting()),
    "documentation_status.csv",
    column_config=columns("documentation_status"),
)
