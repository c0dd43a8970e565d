"""CRS orientation training of DCTS program staff, and incidents reported by the programs."""

import polars as pl
import streamlit as st

from dashboard.components import table, table_with_definition
from dashboard.data import database_key, measure, provides
from dashboard.presenting import as_shown, count_text, presenting
from dashboard.state import current_filters, with_agency_names
from metrics.measures.registry import COUNTED
from metrics.disclosure.suppression import Linked
from metrics.measures.training import orientation_agency
from metrics.policy.settings import settings

filters = current_filters()
database = database_key()
policy = settings()
hours, months = policy.orientation_hours, policy.orientation_months

st.title("Training and incidents")
st.caption(
    f"DCTS programs as of {filters.as_of:%d %B %Y}. Orientation: {hours:g} hours within {months} months "
    "of hire, exemptions counted."
)

st.header("Orientation training")
if not provides(database, "trainings"):
    st.warning("This extract does not provide trainings: orientation hours cannot be checked.")
else:
    staff = measure("orientation_staff", database, filters).pipe(with_agency_names)
    if staff.is_empty():
        st.info("No staff member of a DCTS program employed on this date matches these filters.")
    else:
        STATUS = {
            "not_met": f"Not met: under {hours:g} hours",
            "in_window": f"Within the {months} months",
            "met": "Met",
        }
        left, middle, right = st.columns(3)
        left.metric(
            f"Under {hours:g} hours after {months} months", int((staff["status"] == "not_met").sum()), border=True
        )
        middle.metric(f"Still within their {months} months", int((staff["status"] == "in_window").sum()), border=True)
        right.metric("Met", int((staff["status"] == "met").sum()), border=True)
        st.subheader("By program")
        table_with_definition(
            "orientation-training",
            orientation_agency(staff)
            .pipe(with_agency_names)
            .select("agency_name", "staff", "not_met", "in_window", "met", "agency_id"),
            "orientation_agency.csv",
            column_config={
                "agency_name": "Program",
                "staff": "Staff",
                "not_met": "Not met",
                "in_window": "Within window",
                "met": "Met",
                "agency_id": "Program id",
            },
        )
        st.subheader("Staff, those who missed the requirement first")
        table(
            staff.with_columns(pl.col("status").replace_strict(STATUS, default=pl.col("status")).alias("state")).select(
                "agency_name",
                "staff_id",
                "role",
                "hired_on",
                "deadline_on",
                "hours",
                "exempt_hours",
                "hours_short",
                "state",
                "status",
                "agency_id",
            ),
            "orientation_staff.csv",
            column_config={
                "agency_name": "Program",
                "staff_id": "Staff id",
                "role": "Role",
                "hired_on": "Hired",
                "deadline_on": f"{months} months end",
                "hours": st.column_config.NumberColumn(
                    "Hours by then",
                    format="%.1f",
                    help="Hours completed by the end of the window (or by the "
                    "report date while it is open), exempt hours included.",
                ),
                "exempt_hours": st.column_config.NumberColumn("Of which exempt", format="%.1f"),
                "hours_short": st.column_config.NumberColumn("Hours short", format="%.1f"),
                "state": "Status",
                "status": None,
                "agency_id": "Program id",
            },
        )

st.header("Incidents")
if not provides(database, "incidents"):
    st.warning("This extract does not provide incidents.")
else:
    summary = measure("incidents", database, filters)
    # The programs' incidents by category add up to the total reported: suppressed as one.
    figures = as_shown(
        Linked()
        .add("incidents", summary, ("agency_id", "category"), COUNTED["incidents"])
        .add("all", summary.select(pl.col("incidents").sum()), (), COUNTED["incidents"])
        .sums("incidents", "all")
    )
    if not summary.is_empty():
        left, right = st.columns(2)
        left.metric("Incidents reported", count_text(figures.table("all")["incidents"].item()), border=True)
        # The longest wait of all may be that of one incident whose count is suppressed.
        if not presenting():
            right.metric(
                "Longest days from occurrence to report", int(summary["max_days_to_report"].max()), border=True
            )
    table_with_definition(
        "incidents",
        figures.table("incidents")
        .pipe(with_agency_names)
        .select(
            "agency_name",
            "category",
            "incidents",
            "median_days_to_report",
            "max_days_to_report",
            "first_occurred_on",
            "last_occurred_on",
            "agency_id",
        ),
        "incidents.csv",
        column_config={
            "agency_name": "Program",
            "category": "Category",
            "incidents": "Incidents",
            "median_days_to_report": st.column_config.NumberColumn("Median days to report", format="%.1f"),
            "max_days_to_report": st.column_config.NumberColumn("Longest days to report", format="%d"),
            "first_occurred_on": "First occurred",
            "last_occurred_on": "Last occurred",
            "agency_id": "Program id",
        },
    )
