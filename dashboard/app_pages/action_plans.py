"""Plans of action and corrective action plans: status by agency, overdue first."""

import polars as pl
import streamlit as st

from dashboard.components import chart_with_definition, table
from dashboard.data import database_key, measure, provides
from dashboard.state import agency_labels, current_filters, with_agency_names
from metrics.report.charts import status_bars

filters = current_filters()
database = database_key()
labels = agency_labels()

st.title("Plans of action and corrective actions")
st.caption(f"Plans issued by {filters.as_of:%d %B %Y}, with their status on that day.")

if not provides(database, "action_plans"):
    st.warning("This extract does not provide plans of action.")
    st.stop()

plans = measure("action_plans", database, filters).pipe(with_agency_names)
by_agency = measure("action_plans_agency", database, filters).pipe(with_agency_names)

if plans.is_empty():
    st.info("No plan was issued for these filters.")
    st.stop()

columns = st.columns(4)
columns[0].metric("Overdue", int((plans["status"] == "overdue").sum()), border=True)
columns[1].metric("Open (not yet due)", int((plans["status"] == "open").sum()), border=True)
columns[2].metric("Escalated to corrective action", int((plans["status"] == "escalated").sum()), border=True)
columns[3].metric("Responses missing", int((plans["response_status"] == "missing").sum()), border=True)

chart_with_definition(
    status_bars(plans, labels, "Plans by agency and status"),
    "plans-of-action",
    by_agency.select(
        "agency_name",
        "open_plans_of_action",
        "open_corrective_actions",
        "overdue",
        "escalated",
        "median_days_to_complete",
        "agency_id",
    ),
    "action_plans_agency.csv",
)

st.subheader("Every plan, overdue first")
table(
    plans.select(
        "agency_name",
        "plan_id",
        "kind",
        "source",
        "issued_on",
        "due_on",
        "status",
        "days_overdue",
        "completed_on",
        "response_status",
        "response_due_on",
        "response_on",
        "parent_plan_id",
        "agency_id",
    ),
    "action_plans.csv",
    column_config={
        "agency_name": "Agency",
        "plan_id": "Plan",
        "kind": "Kind",
        "source": "From",
        "issued_on": "Issued",
        "due_on": "Due",
        "status": "Status",
        "days_overdue": "Days overdue",
        "completed_on": "Completed",
        "response_status": "Response",
        "response_due_on": "Response due",
        "response_on": "Response received",
        "parent_plan_id": "Escalates plan",
    },
)

escalations = plans.filter(pl.col("parent_plan_id").is_not_null())
if not escalations.is_empty():
    st.subheader("Escalations and corrective-action responses")
    table(
        escalations.select(
            "agency_name",
            "plan_id",
            "parent_plan_id",
            "issued_on",
            "response_due_on",
            "response_on",
            "response_status",
            "status",
        ),
        "corrective_actions.csv",
        column_config={
            "agency_name": "Agency",
            "plan_id": "Corrective action",
            "parent_plan_id": "Plan of action",
            "issued_on": "Issued",
            "response_due_on": "Response due",
            "response_on": "Response received",
            "response_status": "Response",
            "status": "Status",
        },
    )
