"""Plans of action and corrective action plans: status by agency, overdue first."""

import streamlit as st

import metrics.report.views.action_plans as view
from dashboard.components import chart_with_definition, metric_row, table
from dashboard.data import database_key, measure, provides
from dashboard.state import agency_labels, current_filters
from metrics.report.charts import status_bars
from metrics.report.labels import columns
from metrics.report.views import named

filters = current_filters()
database = database_key()
labels = agency_labels()

st.title("Plans of action and corrective actions")
st.caption(view.caption(filters.as_of))

if not provides(database, "action_plans"):
    st.warning("This extract does not provide plans of action.")
    st.stop()

plans = named(measure("action_plans", database, filters), labels)
by_agency = named(measure("action_plans_agency", database, filters), labels)

if plans.is_empty():
    st.info("No plan was issued for these filters.")
    st.stop()

metric_row(view.headlines(plans))

chart_with_definition(
    status_bars(plans, labels, "Plans by agency and status"),
    "plans-of-action",
    view.agency_table(by_agency),
    "action_plans_agency.csv",
    drill=labels,
)

st.subheader("Every plan, overdue first")
table(view.plans_table(plans), "action_plans.csv", column_config=columns("action_plans"))

escalations = view.escalations_table(plans)
if not escalations.is_empty():
    st.subheader("Escalations and corrective-action responses")
    table(escalations, "corrective_actions.csv", column_config=columns("corrective_actions"),
          definition="plans-of-action")
