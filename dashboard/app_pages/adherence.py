"""Contact-frequency adherence by agency, level and requirement, with intervals, by staff, over time."""

import polars as pl
import streamlit as st

from dashboard.charts import funnel_plot, rate_with_intervals, trend_lines
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
from metrics.stats import with_rate

REQUIREMENTS = {"client_contact": "Client contact", "rst_meeting": "RST meetings"}

filters = current_filters()
database = database_key()
labels = agency_labels()

st.title("Contact adherence")
requirement = st.segmented_control(
    "Requirement",
    list(REQUIREMENTS),
    format_func=REQUIREMENTS.get,
    default="client_contact",
    required=True,
    key="adherence_requirement",
    persist_state="session",
)
st.caption(
    "Client contact: weekly for RSC, every 14 days for CM. RST meetings: every 30 days for RSC, every 90 "
    f"days for CM. Complete periods up to {filters.as_of:%d %B %Y}."
)

agency = measure("adherence_agency", database, filters).filter(pl.col("requirement") == requirement)
if agency.is_empty():
    st.info("No complete contact period matches these filters.")
    st.stop()

agency = agency.pipe(with_agency_names).with_columns(
    (pl.col("agency_name") + " · " + pl.col("service_level")).alias("label")
)
st.metric(
    f"{REQUIREMENTS[requirement]} periods met, all shown agencies",
    f"{agency['periods_met'].sum() / agency['periods_due'].sum():.0%}",
    help=f"{agency['periods_met'].sum():,} of {agency['periods_due'].sum():,} periods",
    border=True,
)

chart_with_definition(
    rate_with_intervals(
        agency,
        "label",
        "adherence",
        f"{REQUIREMENTS[requirement]}: share of periods met",
        "periods met (95% interval)",
    ),
    "contact-adherence",
    agency.select(
        "agency_name",
        "service_level",
        "requirement",
        "periods_due",
        "periods_met",
        "adherence",
        "ci_low",
        "ci_high",
        "agency_id",
    ),
    "adherence_agency.csv",
)

per_agency = agency.group_by("agency_id", "agency_name").agg(pl.col("periods_met").sum(), pl.col("periods_due").sum())
chart_with_definition(
    funnel_plot(per_agency, "periods_met", "periods_due", "periods met", "Agencies against the overall rate", labels),
    "comparing-agencies-fairly",
    with_rate(per_agency, "periods_met", "periods_due", "adherence"),
    "adherence_funnel.csv",
    key="funnel",
)

trend = measure("adherence_trend", database, filters).filter(pl.col("requirement") == requirement)
monthly_p_chart(trend, "periods_met", "periods_due", "adherence", "adherence_monthly.csv")

by_agency_month = (
    trend.group_by("month", "agency_id")
    .agg(pl.col("periods_met").sum(), pl.col("periods_due").sum())
    .with_columns((pl.col("periods_met") / pl.col("periods_due")).alias("adherence"))
    .pipe(with_agency_names)
    .sort("month", "agency_id")
)
chart_with_definition(
    trend_lines(
        by_agency_month,
        "month",
        "adherence",
        "agency_id",
        "By agency, by month of the period's end",
        "share of periods met",
        labels,
    ),
    "adherence-over-time",
    by_agency_month,
    "adherence_trend.csv",
    key="trend",
)

st.subheader("By staff member, lowest first")
staff = (
    measure("adherence_staff", database, filters)
    .filter(pl.col("requirement") == requirement)
    .pipe(with_agency_names)
    .with_columns(pl.col("staff_id").fill_null("unassigned"))
    .sort("adherence", "periods_due", descending=[False, True])
)
table(
    staff.select(
        "agency_name", "staff_id", "service_level", "periods_due", "periods_met", "adherence", "ci_low", "ci_high"
    ),
    "adherence_staff.csv",
    column_config={
        "agency_name": "Agency",
        "staff_id": "Staff",
        "service_level": "Level",
        "periods_due": "Periods due",
        "periods_met": "Periods met",
        "adherence": percent("Adherence"),
        **INTERVAL_COLUMNS,
    },
)

st.subheader("Care-coordination milestones")
milestones = measure("milestones", database, filters).pipe(with_agency_names)
table_with_definition(
    "care-coordination-milestones",
    milestones.select("agency_name", "service_level", "milestone", "due", "met", "rate", "ci_low", "ci_high"),
    "milestones.csv",
    column_config={
        "agency_name": "Agency",
        "service_level": "Level",
        "milestone": "Milestone",
        "due": "Due",
        "met": "Met",
        "rate": percent("Rate"),
        **INTERVAL_COLUMNS,
    },
)
