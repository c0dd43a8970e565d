"""Biennial monitoring visits and annual documentation oversight of DCTS programs."""

import polars as pl
import streamlit as st

from dashboard.components import chart_with_definition, table, table_with_definition
from dashboard.data import database_key, measure, provides
from dashboard.presenting import as_shown, presenting
from dashboard.state import agency_labels, current_filters
from metrics.measures.registry import COUNTED
from metrics.disclosure.suppression import Linked
from metrics.report.charts import due_dates

filters = current_filters()
database = database_key()
labels = agency_labels()

st.title("Monitoring of CRS programs")
st.caption(f"DCTS programs as of {filters.as_of:%d %B %Y}.")

status = measure("monitoring_status", database, filters)
if not provides(database, "monitoring_visits"):
    st.warning("This extract does not provide monitoring visits: due dates count from each program's start.")
if status.is_empty():
    st.info("No DCTS program matches these filters.")
else:
    overdue, soon, current = (status.filter(pl.col("status") == s).height for s in ("overdue", "due_soon", "current"))
    left, middle, right = st.columns(3)
    left.metric("Overdue for a monitoring visit", overdue, border=True)
    middle.metric("Due within 90 days", soon, border=True)
    right.metric("Current", current, border=True)
    shown = status.select("agency_name", "last_visit_on", "next_due_on", "status", "days_until_due", "agency_id")
    chart_with_definition(
        due_dates(status, filters.as_of, labels, "Next monitoring visit due"),
        "biennial-monitoring",
        shown,
        "monitoring_status.csv",
    )
    st.subheader("Programs, most overdue first")
    table(
        shown,
        "monitoring_status_table.csv",
        column_config={
            "agency_name": "Program",
            "last_visit_on": "Last visit",
            "next_due_on": "Next due",
            "status": "Status",
            "days_until_due": st.column_config.NumberColumn("Days until due", format="%d"),
            "agency_id": "Program id",
        },
    )

st.header("Documentation oversight")
if not provides(database, "documentation_reviews"):
    st.warning("This extract does not provide documentation reviews.")
reviews = measure("documentation_status", database, filters)
if not reviews.is_empty():
    st.metric("Programs due for their annual review", int(reviews["review_due"].sum()), border=True)
shown_reviews = (
    as_shown(Linked().add("reviews", reviews, ("agency_id",), COUNTED["documentation_status"]))
    .table("reviews")
    # A sample of 1 to 10 participants would stand beside a population shown as larger: the
    # sample size follows from the population and is left out while presenting.
    .drop("sample_size" if presenting() else [])
)
table_with_definition(
    "documentation-oversight",
    shown_reviews.select(
        "agency_name",
        "review_due",
        "last_completed_on",
        "review_year",
        "requested_on",
        "materials_due_on",
        "materials_received_on",
        "materials_late",
        "review_due_on",
        "completed_on",
        "review_late",
        "outcome",
        "population_size",
        *(["sample_size"] if "sample_size" in shown_reviews.columns else []),
        "agency_id",
    ),
    "documentation_status.csv",
    column_config={
        "agency_name": "Program",
        "review_due": "Review due",
        "last_completed_on": "Last completed",
        "review_year": "Latest review year",
        "requested_on": "Requested",
        "materials_due_on": "Materials due",
        "materials_received_on": "Materials received",
        "materials_late": "Materials late",
        "review_due_on": "Review due by",
        "completed_on": "Completed",
        "review_late": "Review late",
        "outcome": "Outcome",
    },
)
