"""Caseload utilization by agency and role, staff in bands, and the month-end trend."""

import streamlit as st

import metrics.report.views.caseload as view
from dashboard.components import chart_with_definition, metric_row, table
from dashboard.data import database_key, measure
from dashboard.presenting import as_shown, presenting
from dashboard.state import agency_labels, current_filters
from metrics.policy.settings import settings
from metrics.report.charts import band_counts, trend_lines, utilization_bars
from metrics.report.labels import columns

filters = current_filters()
database = database_key()
labels = agency_labels()
public = presenting()

st.title("Caseload utilization")
st.caption(view.caption(filters.as_of))

agency = measure("caseload_agency", database, filters)
staff = measure("caseload_staff", database, filters)

if agency.is_empty():
    st.info("No active staff with a caseload standard match these filters.")
    st.stop()

figures = as_shown(view.linked(agency, measure("caseload_trend", database, filters)))
drawn = figures.rows("agency")
counted_staff = view.counted_staff(staff, drawn)
metric_row(view.headlines(figures, staff, public))

chart_with_definition(
    utilization_bars(drawn, labels),
    "caseload-utilization",
    view.agency_table(figures.table("agency"), labels),
    "caseload_agency.csv",
    drill=labels,
)
chart_with_definition(
    band_counts(counted_staff, labels),
    "caseload-bands",
    view.band_totals(counted_staff, labels),
    "caseload_bands.csv",
    key="bands",
    drill=labels,
)

chart_with_definition(
    trend_lines(
        figures.rows("month"),
        "month_end",
        "utilization",
        "agency_id",
        "Utilization at each month end",
        "utilization",
        labels,
        reference=settings().band_over_above,
    ),
    "caseload-trend",
    view.trend_table(figures.table("month"), labels),
    "caseload_trend.csv",
    key="trend",
)

st.subheader("Staff on the report date")
if public:
    # A staff member's capacity and band would narrow a hidden caseload of 1 to 10 down to one value.
    st.info("Caseloads by staff member are not shown while presenting.")
else:
    table(view.staff_table(staff, labels), "caseload_staff.csv", column_config=columns("caseload_staff"),
          opens_worklist=True)
