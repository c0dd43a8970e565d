"""Time from CIU referral to first contact: distribution, Kaplan–Meier curves, percentiles, assignment."""

import polars as pl
import streamlit as st

from dashboard.components import (
    INTERVAL_COLUMNS,
    chart_with_definition,
    monthly_p_chart,
    percent,
    table,
    table_with_definition,
)
from dashboard.data import database_key, measure
from dashboard.presenting import as_shown, count_text, presenting, rate_text
from dashboard.state import agency_labels, current_filters, with_agency_names
from metrics.measures.registry import COUNTED
from metrics.disclosure.suppression import Counted, Linked, complement
from metrics.measures.stats import with_rate
from metrics.policy.settings import settings
from metrics.report.charts import funnel_plot, hour_bins, hours_histogram, rate_with_intervals, survival_curves

filters = current_filters()
database = database_key()
labels = agency_labels()
public = presenting()
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

episodes = measure("first_contact_episodes", database, filters).filter(pl.col("emergency") == emergency)
horizon = standard * 4
bins = hour_bins(episodes, horizon)
monthly = with_rate(
    measure("first_contact_trend", database, filters)
    .filter(pl.col("emergency") == emergency)
    .group_by("month")
    .agg(pl.col("due").sum(), pl.col("met").sum())
    .sort("month"),
    "met",
    "due",
    "pct_met",
)
overall = with_rate(
    agency.select(pl.col("referrals").sum(), pl.col("due").sum(), pl.col("met").sum()).with_columns(
        pl.lit(episodes["hours"].count()).alias("reached")
    ),
    "met",
    "due",
    "pct_met",
)
# Agencies and months each add up to all shown agencies, and the spans of hours to the
# referrals reached among them: suppressed as one.
figures = as_shown(
    Linked()
    .add("agency", agency, ("agency_id",), COUNTED["first_contact_agency"])
    .add(
        "all",
        overall,
        (),
        Counted(
            ("referrals", "due", "met", "reached"),
            (("met", "due"), ("due", "referrals"), ("reached", "referrals")),
            ("pct_met", "ci_low", "ci_high"),
        ),
    )
    .add("month", monthly, ("month",), COUNTED["first_contact_trend"])
    .add("hours", bins, ("from_hours",), Counted(("reached",)))
    .add("assignment", measure("assignment_timeliness", database, filters), (), COUNTED["assignment_timeliness"])
    .sums("agency", "all")
    .sums("month", "all")
    .sums("hours", "all")
)
drawn = figures.rows("agency")

total = figures.table("all").row(0, named=True)
columns = st.columns(3)
columns[0].metric("Referrals", count_text(total["referrals"]), border=True)
columns[1].metric(
    "Reached within the standard",
    rate_text(total["pct_met"], figures.hidden("all").item()),
    help=f"{count_text(total['met'])} of {count_text(total['due'])} referrals due",
    border=True,
)
columns[2].metric("Not reached by the report date", count_text(total[complement("reached", "referrals")]), border=True)

curves = (
    measure("first_contact_curve", database, filters)
    .filter(pl.col("emergency") == emergency)
    .join(drawn.select("agency_id"), on="agency_id", how="semi")
)
chart_with_definition(
    survival_curves(curves, {"standard": standard}, labels, "Share of referrals not yet reached", horizon),
    "share-not-yet-reached",
    curves.pipe(with_agency_names),
    "first_contact_curve.csv",
)

chart_with_definition(
    hours_histogram(figures.table("hours"), standard, "How long first contact took (referrals reached)", horizon),
    "hours-to-first-contact",
    # One row per referral is for the agency's own use; presented, the counts per span of hours.
    figures.table("hours")
    if public
    else episodes.select(
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
    "first_contact_hours.csv" if public else "first_contact_episodes.csv",
    key="histogram",
)

shown_agency = figures.table("agency").pipe(with_agency_names)
chart_with_definition(
    rate_with_intervals(
        drawn.filter(pl.col("due") > 0).pipe(with_agency_names),
        "agency_name",
        "pct_met",
        "Share reached within the standard",
        "reached in time (95% interval)",
    ),
    "time-to-first-contact",
    shown_agency.select(
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
    funnel_plot(drawn, "met", "due", "reached within the standard", "Agencies against the overall rate", labels),
    "comparing-agencies-fairly",
    shown_agency.select("agency_name", "due", "met", "pct_met", "ci_low", "ci_high"),
    "first_contact_funnel.csv",
    key="funnel",
)

monthly_p_chart(
    figures.rows("month"),
    figures.table("month").select("month", "met", "due", "pct_met", "ci_low", "ci_high"),
    "met",
    "due",
    "first_contact_monthly.csv",
)

st.subheader("Percentiles by agency")
table(
    shown_agency.select("agency_name", "referrals", "median_hours", "p90_hours", "due", "met", "pct_met"),
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
table_with_definition(
    "assignment-within-one-business-day",
    figures.table("assignment")
    .pipe(with_agency_names)
    .select("agency_name", "due", "met", "pct_met", "ci_low", "ci_high"),
    "assignment_timeliness.csv",
    column_config={
        "agency_name": "Agency",
        "due": "Due",
        "met": "Assigned in time",
        "pct_met": percent("Share"),
        **INTERVAL_COLUMNS,
    },
)
