"""Time from CIU referral to first contact: distribution, Kaplan–Meier curves, percentiles, assignment."""

import streamlit as st

import metrics.report.views.first_contact as view
from dashboard.components import chart_with_definition, metric_row, monthly_p_chart, table, table_with_definition
from dashboard.data import database_key, measure
from dashboard.presenting import as_shown, presenting
from dashboard.state import agency_labels, current_filters
from metrics.report.charts import funnel_plot, hours_histogram, rate_with_intervals, survival_curves
from metrics.report.labels import columns
from metrics.report.views import for_choice, overall_rate

filters = current_filters()
database = database_key()
labels = agency_labels()
public = presenting()
GROUPS = view.groups()

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
standard = view.standard_hours(emergency)
# The kind of referral names the files of its tables (non-emergency is the page's default).
chosen = "emergency" if emergency else None
horizon = view.horizon(standard)
st.caption(view.caption(filters.as_of))

agency = view.of_group(measure("first_contact_agency", database, filters), emergency)
if agency.is_empty():
    st.info("No referral matches these filters.")
    st.stop()

episodes = view.of_group(measure("first_contact_episodes", database, filters), emergency)
figures = as_shown(
    view.linked(
        agency,
        episodes,
        view.of_group(measure("first_contact_trend", database, filters), emergency),
        measure("assignment_timeliness", database, filters),
        standard,
    )
)
drawn = figures.rows("agency")
metric_row(view.headlines(figures))

curves = view.curves(measure("first_contact_curve", database, filters), emergency, drawn)
chart_with_definition(
    survival_curves(curves, {"standard": standard}, labels, "Share of referrals not yet reached", horizon),
    "share-not-yet-reached",
    view.named(curves, labels),
    for_choice("first_contact_curve.csv", chosen),
    drill=labels,
)

chart_with_definition(
    hours_histogram(figures.table("hours"), standard, "How long first contact took (referrals reached)", horizon),
    "hours-to-first-contact",
    *view.hours_download(figures.table("hours"), episodes, public, chosen),
    key="histogram",
)

chart_with_definition(
    rate_with_intervals(
        view.rates_rows(drawn, labels),
        "agency_name",
        "pct_met",
        "Share reached within the standard",
        view.axis_title(),
    ),
    "time-to-first-contact",
    view.agency_table(figures.table("agency"), labels),
    for_choice("first_contact_agency.csv", chosen),
    key="rates",
    drill=labels,
)

chart_with_definition(
    funnel_plot(drawn, "met", "due", "reached within the standard", "Agencies against the overall rate", labels),
    "comparing-agencies-fairly",
    view.funnel_table(figures.table("agency"), labels),
    for_choice("first_contact_funnel.csv", chosen),
    key="funnel",
    drill=labels,
)

monthly_p_chart(
    figures.rows("month"), view.month_table(figures.table("month")), "met", "due",
    for_choice("first_contact_monthly.csv", chosen), overall_rate(figures, "pct_met"),
)

st.subheader("Percentiles by agency")
table(
    view.percentiles_table(figures.table("agency"), labels),
    for_choice("first_contact_percentiles.csv", chosen),
    column_config=columns("first_contact_percentiles"),
    definition="share-not-yet-reached",  # where the median and 90th percentile are defined
)

st.subheader(view.assignment_title())
table_with_definition(
    "assignment-within-one-business-day",
    view.assignment_table(figures.table("assignment"), labels),
    "assignment_timeliness.csv",
    column_config=columns("assignment_timeliness"),
)
