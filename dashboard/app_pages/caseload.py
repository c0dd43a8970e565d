"""Caseload utilization by agency and role, staff in bands, and the month-end trend."""

import polars as pl
import streamlit as st

from dashboard.charts import band_counts, trend_lines, utilization_bars
from dashboard.components import chart_with_definition, table
from dashboard.data import database_key, measure
from dashboard.state import agency_labels, current_filters, with_agency_names
from metrics.settings import settings

filters = current_filters()
database = database_key()
labels = agency_labels()

st.title("Caseload utilization")
st.caption(f"Caseloads on {filters.as_of:%d %B %Y} against the policy standards (per 1.0 FTE).")

agency = measure("caseload_agency", database, filters).pipe(with_agency_names)
staff = measure("caseload_staff", database, filters).pipe(with_agency_names)

if agency.is_empty():
    st.info("No active staff with a caseload standard match these filters.")
    st.stop()

columns = st.columns(3)
columns[0].metric("Overall utilization", f"{agency['caseload'].sum() / agency['capacity'].sum():.0%}", border=True)
columns[1].metric(
    "Agency roles over standard", int((agency["utilization"] > settings().band_over_above).sum()), border=True
)
columns[2].metric("Staff over standard", int((staff["band"] == "over").sum()), border=True)

chart_with_definition(
    utilization_bars(agency, labels),
    "caseload-utilization",
    agency.select("agency_name", "role", "staff", "caseload", "capacity", "utilization", "staff_over", "agency_id"),
    "caseload_agency.csv",
)
band_totals = staff.group_by("agency_name", "band").len("staff").sort("agency_name", "band")
chart_with_definition(band_counts(staff, labels), "caseload-bands", band_totals, "caseload_bands.csv", key="bands")

trend = measure("caseload_trend", database, filters)
by_agency = (
    trend.group_by("month_end", "agency_id")
    .agg(pl.col("caseload").sum(), pl.col("capacity").sum())
    .with_columns((pl.col("caseload") / pl.col("capacity")).alias("utilization"))
    .pipe(with_agency_names)
    .sort("month_end", "agency_id")
)
chart_with_definition(
    trend_lines(
        by_agency,
        "month_end",
        "utilization",
        "agency_id",
        "Utilization at each month end",
        "utilization",
        labels,
        reference=settings().band_over_above,
    ),
    "caseload-trend",
    by_agency.select("month_end", "agency_name", "caseload", "capacity", "utilization", "agency_id"),
    "caseload_trend.csv",
    key="trend",
)

st.subheader("Staff on the report date")
table(
    staff.sort("utilization", descending=True).select(
        "agency_name", "staff_id", "role", "fte", "caseload", "capacity", "utilization", "band", "agency_id"
    ),
    "caseload_staff.csv",
    column_config={
        "agency_name": "Agency",
        "staff_id": "Staff",
        "role": "Role",
        "fte": "FTE",
        "caseload": "Caseload",
        "capacity": "Capacity",
        "utilization": st.column_config.ProgressColumn("Utilization", format="percent", min_value=0, max_value=1.5),
        "band": "Band",
    },
)
