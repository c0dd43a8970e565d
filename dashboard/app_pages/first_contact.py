"""Time from CIU referral to first contact: distribution, Kaplan–Meier curves, percentiles, assignment."""

import polars as pl
import streamlit as st

from dashboard.charts import funnel_plot, hours_histogram, rate_with_intervals, survival_curves
from dashboard.components import (
    INTERVAL_COLUMNS,
    chart_with_definition,
    monthly_p_chart,
    percent,
    table,
    table_with_definition,
)
from dashboard.data import database_key, measure
from dashboard.state import agency_labels, current_filters, with_agency_names
from metrics.settings import settings

filters = current_filters()
database = database_key()
labels = agency_labels()
standards = settings()
GROUPS = {
    False: f"Non-emergency ({standards.first_contact_standard_hours:g}-hour standard)",
    True: f"Emergency ({standards.first_contact_emergency_hours * 60:g}-minute standard)",
}

st.title("Time to first contact")
emergency = st.segmented_control(
    "Referrals",
    list(GROUPS),
    format_func=GROUPS.get,
    default=False,
    required=True,
    key="first_contact_group",
    persist_state="session",
)
standard = standards.first_contact_emergency_hours if emergency else standards.first_contact_standard_hours
st.caption(f"Referrals made by the end of {filters.as_of:%d %B %Y}; first completed contact with the client.")

agency = measure("first_contact_agency", database, filters).filter(pl.col("emergency") == emergency)
if agency.is_empty():
    st.info("No referral matches these filters.")
    st.stop()
agency = agency.pipe(with_agency_names)

episodes = measure("first_contact_episodes", database, filters).filter(pl.col("emergency") == emergency)
due, met = int(agency["due"].sum()), int(agency["met"].sum())
columns = st.columns(3)
columns[0].metric("Referrals", f"{agency['referrals'].sum():,}", border=True)
columns[1].metric(
    "Reached within the standard",
    f"{met / due:.0%}" if due else "–",
    help=f"{met:,} of {due:,} referrals due",
    border=True,
)
columns[2].metric("Not reached by the report date", f"{episodes['first_contact_at'].null_count():,}", border=True)

curves = measure("first_contact_curve", database, filters).filter(pl.col("emergency") == emergency)
horizon = standard * 4
chart_with_definition(
    survival_curves(curves, {"standard": standard}, labels, "Share of referrals not yet reached", horizon),
    "share-not-yet-reached",
    curves.pipe(with_agency_names),
    "first_contact_curve.csv",
)

chart_with_definition(
    hours_histogram(episodes, standard, "How long first contact took (referrals reached)", horizon),
    "hours-to-first-contact",
    episodes.select(
        "episode_id",
        "agency_id",
        "service_level",
        "referred_at",
        "first_contact_at",
        "hours",
        "standard_hours",
        "due",
        "met",
    ),
    "first_contact_episodes.csv",
    key="histogram",
)

chart_with_definition(
    rate_with_intervals(
        agency.filter(pl.col("due") > 0),
        "agency_name",
        "pct_met",
        "Share reached within the standard",
        "reached in time (95% interval)",
    ),
    "time-to-first-contact",
    agency.select(
        "agency_name",
        "referrals",
        "due",
        "met",
        "pct_met",
        "ci_low",
        "ci_high",
        "median_hours",
        "p90_hours",
        "agency_id",
    ),
    "first_contact_agency.csv",
    key="rates",
)

chart_with_definition(
    funnel_plot(agency, "met", "due", "reached within the standard", "Agencies against the overall rate", labels),
    "comparing-agencies-fairly",
    agency.select("agency_name", "due", "met", "pct_met", "ci_low", "ci_high"),
    "first_contact_funnel.csv",
    key="funnel",
)

trend = measure("first_contact_trend", database, filters).filter(pl.col("emergency") == emergency)
monthly_p_chart(trend, "met", "due", "pct_met", "first_contact_monthly.csv")

st.subheader("Percentiles by agency")
table(
    agency.select("agency_name", "referrals", "median_hours", "p90_hours", "due", "met", "pct_met"),
    "first_contact_percentiles.csv",
    column_config={
        "agency_name": "Agency",
        "referrals": "Referrals",
        "median_hours": st.column_config.NumberColumn("Median hours", format="%.1f"),
        "p90_hours": st.column_config.NumberColumn("90th percentile hours", format="%.1f"),
        "due": "Due",
        "met": "Met",
        "pct_met": percent("Share met"),
    },
)

st.subheader("Assignment within one business day")
assignment = measure("assignment_timeliness", database, filters).pipe(with_agency_names)
table_with_definition(
    "assignment-within-one-business-day",
    assignment.select("agency_name", "due", "met", "pct_met", "ci_low", "ci_high"),
    "assignment_timeliness.csv",
    column_config={
        "agency_name": "Agency",
        "due": "Due",
        "met": "Assigned in time",
        "pct_met": percent("Share"),
        **INTERVAL_COLUMNS,
    },
)
