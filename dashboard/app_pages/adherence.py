"""Contact-frequency adherence by agency, level and requirement, with intervals, by staff, over time."""

import streamlit as st

import metrics.report.views.adherence as view
from dashboard.components import chart_with_definition, monthly_p_chart, table, table_with_definition
from dashboard.data import database_key, measure
from dashboard.presenting import as_shown, presenting
from dashboard.state import agency_labels, current_filters
from metrics.report.charts import funnel_plot, rate_with_intervals, trend_lines
from metrics.report.labels import REQUIREMENTS, columns
from metrics.report.views import for_choice, overall_rate

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
st.caption(view.caption(filters.as_of))
# The requirement chosen names the files of its tables (the first is the page's default).
chosen = None if requirement == next(iter(REQUIREMENTS)) else requirement

agency = measure("adherence_agency", database, filters)
if view.of_requirement(agency, requirement).is_empty():
    st.info("No complete contact period matches these filters.")
    st.stop()

figures = as_shown(
    view.linked(
        requirement,
        agency,
        measure("adherence_trend", database, filters),
        measure("adherence_staff", database, filters),
        measure("milestones", database, filters),
        measure("safety_plans", database, filters),
    )
)
headline = view.headline(figures, requirement)
st.metric(headline.label, headline.value, help=headline.help, border=True)

chart_with_definition(
    rate_with_intervals(
        view.with_level_labels(figures.rows("level"), labels),
        "label",
        "adherence",
        view.chart_title(requirement),
        view.axis_title(),
    ),
    "contact-adherence",
    view.level_table(figures.table("level"), labels),
    for_choice("adherence_agency.csv", chosen),
    drill=labels,
)

chart_with_definition(
    funnel_plot(
        figures.rows("agency"), "periods_met", "periods_due", "periods met", "Agencies against the overall rate", labels
    ),
    "comparing-agencies-fairly",
    view.agency_table(figures.table("agency"), labels),
    for_choice("adherence_funnel.csv", chosen),
    key="funnel",
    drill=labels,
)

monthly_p_chart(
    figures.rows("month"), view.month_table(figures.table("month")), "periods_met", "periods_due",
    for_choice("adherence_monthly.csv", chosen), overall_rate(figures, "adherence"),
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
    view.trend_table(figures.table("agency_month"), labels),
    for_choice("adherence_trend.csv", chosen),
    key="trend",
    drill=labels,
)

st.subheader("By staff member, lowest first")
if presenting():
    st.info("Adherence by staff member is not shown while presenting: it names staff one by one.")
else:
    table(view.staff_table(figures.table("staff"), labels), for_choice("adherence_staff.csv", chosen),
          column_config=columns("adherence_staff"), opens_worklist=True)

st.subheader("Care-coordination milestones")
table_with_definition(
    "care-coordination-milestones",
    view.milestones_table(figures.table("milestones"), labels),
    "milestones.csv",
    column_config=columns("milestones"),
)

safety = view.safety_chart()
st.subheader("Safety/Crisis Plans in final care plans")
chart_with_definition(
    rate_with_intervals(
        view.with_level_labels(figures.rows("safety"), labels),
        "label",
        safety.value,
        safety.title,
        view.axis_title(noun=safety.axis_noun),
    ),
    "safety-crisis-plans",
    view.safety_table(figures.table("safety"), labels),
    "safety_plans.csv",
    key="safety",
    drill=labels,
)
