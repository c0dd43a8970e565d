"""Caseload utilization by agency and role, staff in bands, and the month-end trend."""

import polars as pl
import streamlit as st

from dashboard.components import chart_with_definition, table
from dashboard.data import database_key, measure
from dashboard.presenting import as_shown, presenting, rate_text
from dashboard.state import agency_labels, current_filters, with_agency_names
from metrics.measures.registry import COUNTED
from metrics.disclosure.suppression import Linked
from metrics.policy.settings import settings
from metrics.report.charts import band_counts, trend_lines, utilization_bars

filters = current_filters()
database = database_key()
labels = agency_labels()
public = presenting()
over = settings().band_over_above

st.title("Caseload utilization")
st.caption(f"Caseloads on {filters.as_of:%d %B %Y} against the policy standards (per 1.0 FTE).")

agency = measure("caseload_agency", database, filters)
staff = measure("caseload_staff", database, filters)

if agency.is_empty():
    st.info("No active staff with a caseload standard match these filters.")
    st.stop()


def utilization(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns((pl.col("caseload") / pl.col("capacity")).alias("utilization"))


by_agency = (
    measure("caseload_trend", database, filters)
    .group_by("month_end", "agency_id")
    .agg(pl.col("caseload").sum(), pl.col("capacity").sum())
    .pipe(utilization)
    .sort("month_end", "agency_id")
)
# The agencies' caseloads on the report date add up to the overall figure, and, when the
# report date is a month end, to each agency's point of the trend: suppressed as one.
figures = as_shown(
    Linked()
    .add(
        "agency",
        agency.with_columns(pl.col("as_of").alias("month_end")),
        ("agency_id", "role"),
        COUNTED["caseload_agency"],
    )
    .add("month", by_agency, ("month_end", "agency_id"), COUNTED["caseload_trend"])
    .add(
        "all",
        agency.select(pl.col("caseload").sum(), pl.col("capacity").sum()).pipe(utilization),
        (),
        COUNTED["caseload_agency"],
    )
    .sums("agency", "all")
    .sums("agency", "month")
)
drawn = figures.rows("agency")
# While presenting, staff are counted only in the roles whose caseload is shown: a count over
# every role, less those shown, would tell whether a hidden caseload is over its standard.
counted_staff = staff.join(drawn.select("agency_id", "role"), on=["agency_id", "role"], how="semi")

columns = st.columns(3)
columns[0].metric(
    "Overall utilization",
    rate_text(figures.table("all")["utilization"].item(), figures.hidden("all").item()),
    border=True,
)
roles_shown = " (of the roles shown)" if public else ""
columns[1].metric(f"Agency roles over standard{roles_shown}", int((drawn["utilization"] > over).sum()), border=True)
columns[2].metric(f"Staff over standard{roles_shown}", int((counted_staff["band"] == "over").sum()), border=True)

chart_with_definition(
    utilization_bars(drawn, labels),
    "caseload-utilization",
    figures.table("agency")
    .pipe(with_agency_names)
    .select("agency_name", "role", "staff", "caseload", "capacity", "utilization", "staff_over", "agency_id"),
    "caseload_agency.csv",
)
band_totals = (
    counted_staff.pipe(with_agency_names).group_by("agency_name", "band").len("staff").sort("agency_name", "band")
)
chart_with_definition(
    band_counts(counted_staff, labels), "caseload-bands", band_totals, "caseload_bands.csv", key="bands"
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
        reference=over,
    ),
    "caseload-trend",
    figures.table("month")
    .pipe(with_agency_names)
    .select("month_end", "agency_name", "caseload", "capacity", "utilization", "agency_id"),
    "caseload_trend.csv",
    key="trend",
)

st.subheader("Staff on the report date")
if public:
    # A staff member's capacity and band would narrow a hidden caseload of 1 to 10 down to one value.
    st.info("Caseloads by staff member are not shown while presenting.")
    st.stop()
table(
    staff.pipe(with_agency_names)
    .sort("utilization", descending=True)
    .select("agency_name", "staff_id", "role", "fte", "caseload", "capacity", "utilization", "band", "agency_id"),
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
