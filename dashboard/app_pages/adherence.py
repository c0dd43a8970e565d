"""Contact-frequency adherence by agency, level and requirement, with intervals, by staff, over time."""

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
from dashboard.presenting import as_shown, count_text, rate_text
from dashboard.state import agency_labels, current_filters, with_agency_names
from metrics.measures.registry import COUNTED
from metrics.disclosure.suppression import Linked
from metrics.measures.stats import with_rate
from metrics.report.charts import funnel_plot, rate_with_intervals, trend_lines

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


def periods(frame: pl.DataFrame, *by: str) -> pl.DataFrame:
    """Periods due and met summed by ``by`` (all rows into one without it), with their rate and interval."""
    sums = (pl.col("periods_met").sum(), pl.col("periods_due").sum())
    totals = frame.group_by(*by).agg(*sums) if by else frame.select(*sums)
    return with_rate(totals, "periods_met", "periods_due", "adherence")


trend = measure("adherence_trend", database, filters).filter(pl.col("requirement") == requirement)
staff = (
    measure("adherence_staff", database, filters)
    .filter(pl.col("requirement") == requirement)
    .with_columns(pl.col("staff_id").fill_null("unassigned"))
)
milestones = measure("milestones", database, filters)
# Staff add up to agency and level, levels to agencies, agencies by month to agencies and to
# months, and agencies and months each to all shown agencies: suppressed as one.
figures = as_shown(
    Linked()
    .add("level", agency, ("agency_id", "service_level"), COUNTED["adherence_agency"])
    .add("staff", staff, ("agency_id", "service_level", "staff_id"), COUNTED["adherence_staff"])
    .add("agency", periods(agency, "agency_id").sort("agency_id"), ("agency_id",), COUNTED["adherence_agency"])
    .add(
        "agency_month",
        periods(trend, "month", "agency_id").sort("month", "agency_id"),
        ("month", "agency_id"),
        COUNTED["adherence_trend"],
    )
    .add("month", periods(trend, "month").sort("month"), ("month",), COUNTED["adherence_trend"])
    .add("all", periods(agency), (), COUNTED["adherence_agency"])
    .add("milestones", milestones, (), COUNTED["milestones"])
    .sums("staff", "level")
    .sums("level", "agency")
    .sums("agency_month", "agency")
    .sums("agency_month", "month")
    .sums("agency", "all")
    .sums("month", "all")
)

overall = figures.table("all").row(0, named=True)
st.metric(
    f"{REQUIREMENTS[requirement]} periods met, all shown agencies",
    rate_text(overall["adherence"], figures.hidden("all").item()),
    help=f"{count_text(overall['periods_met'])} of {count_text(overall['periods_due'])} periods",
    border=True,
)


def named(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.pipe(with_agency_names).with_columns(
        (pl.col("agency_name") + " · " + pl.col("service_level")).alias("label")
    )


chart_with_definition(
    rate_with_intervals(
        named(figures.rows("level")),
        "label",
        "adherence",
        f"{REQUIREMENTS[requirement]}: share of periods met",
        "periods met (95% interval)",
    ),
    "contact-adherence",
    named(figures.table("level")).select(
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

chart_with_definition(
    funnel_plot(
        figures.rows("agency"), "periods_met", "periods_due", "periods met", "Agencies against the overall rate", labels
    ),
    "comparing-agencies-fairly",
    figures.table("agency")
    .pipe(with_agency_names)
    .select("agency_name", "periods_met", "periods_due", "adherence", "ci_low", "ci_high", "agency_id"),
    "adherence_funnel.csv",
    key="funnel",
)

monthly_p_chart(
    figures.rows("month"),
    figures.table("month").select("month", "periods_met", "periods_due", "adherence", "ci_low", "ci_high"),
    "periods_met",
    "periods_due",
    "adherence_monthly.csv",
)

chart_with_definition(
    trend_lines(
        figures.rows("agency_month"),
        "month",
        "adherence",
        "agency_id",
        "By agency, by month of the period's end",
        "share of periods met",
        labels,
    ),
    "adherence-over-time",
    figures.table("agency_month")
    .pipe(with_agency_names)
    .select("month", "agency_id", "periods_met", "periods_due", "adherence", "agency_name"),
    "adherence_trend.csv",
    key="trend",
)

st.subheader("By staff member, lowest first")
table(
    figures.table("staff")
    .pipe(with_agency_names)
    .sort("adherence", "periods_due", descending=[False, True], nulls_last=True)
    .select("agency_name", "staff_id", "service_level", "periods_due", "periods_met", "adherence", "ci_low", "ci_high"),
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
table_with_definition(
    "care-coordination-milestones",
    figures.table("milestones")
    .pipe(with_agency_names)
    .select("agency_name", "service_level", "milestone", "due", "met", "rate", "ci_low", "ci_high"),
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
