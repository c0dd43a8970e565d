"""Every open DCTS oversight deadline: what is late and what falls due soon, by program."""

import datetime as dt

import polars as pl
import streamlit as st

from dashboard.components import table, table_with_definition
from dashboard.data import database_key, measure, provides
from dashboard.presenting import public_download
from dashboard.state import agency_labels, current_filters, with_agency_names
from metrics.measures.deadlines import to_ics
from metrics.policy.settings import settings

filters = current_filters()
database = database_key()
labels = agency_labels()
horizon = settings().deadlines_horizon_days

st.title("Deadlines")
st.caption(
    f"DCTS oversight deadlines still open at the end of {filters.as_of:%d %B %Y}: late, or due by "
    f"{filters.as_of + dt.timedelta(days=horizon):%d %B %Y}."
)

missing = [
    name
    for table_name, name in (("documentation_reviews", "documentation reviews"), ("action_plans", "plans of action"))
    if not provides(database, table_name)
]
if missing:
    st.warning(f"This extract does not provide {' or '.join(missing)}: their deadlines cannot be listed.")
if not provides(database, "monitoring_visits"):
    st.warning("This extract does not provide monitoring visits: visit due dates count from each program's start.")

found = measure("deadlines", database, filters).pipe(with_agency_names)
KIND_LABELS = {
    "materials": "Materials due",
    "review": "Review complete",
    "response": "Corrective-action response",
    "plan": "Plan due",
    "monitoring": "Monitoring visit",
}
STATUS_LABELS = {"late": "Late", "due_soon": f"Due within {horizon} days", "later": "Later"}
shown_all = found.with_columns(
    pl.col("kind").replace_strict(KIND_LABELS, default=pl.col("kind")).alias("deadline"),
    pl.col("status").replace_strict(STATUS_LABELS, default=pl.col("status")).alias("status_label"),
).select(
    "agency_name",
    "due_on",
    "status_label",
    "days_until_due",
    "deadline",
    "what",
    "kind",
    "status",
    "reference",
    "agency_id",
)

late = shown_all.filter(pl.col("status") == "late")
soon = shown_all.filter(pl.col("status") == "due_soon")
left, middle, right = st.columns(3)
left.metric("Late", late.height, border=True)
middle.metric(f"Due within {horizon} days", soon.height, border=True)
right.metric("Programs with a late deadline", late["agency_id"].n_unique(), border=True)

COLUMNS = {
    "agency_name": "Program",
    "due_on": "Due on",
    "status_label": "Status",
    "days_until_due": st.column_config.NumberColumn("Days until due", format="%d", help="Negative: days late."),
    "deadline": "Deadline",
    "what": "What is due",
    "kind": None,
    "status": None,
    "reference": "Reference",
    "agency_id": "Program id",
}

st.subheader(f"Late and due within {horizon} days, by program")
listed = pl.concat([late, soon]).sort("agency_name", "due_on", "deadline")
if not listed.is_empty():
    # Deadlines concern programs, not people: the public version is the same file, labelled as such.
    label, file_name = public_download("Add these deadlines to your calendar (.ics)", "deadlines.ics")
    st.download_button(
        label,
        to_ics(listed, dt.datetime.now(dt.UTC), labels),
        file_name=file_name,
        mime="text/calendar",
        on_click="ignore",
        icon=":material/event:",
        key="download-deadlines.ics",
        help="One all-day event per deadline below; importing a newer file updates the same events.",
    )
table_with_definition("deadlines", listed, "deadlines.csv", column_config=COLUMNS)

with st.expander(f"Later deadlines (after {horizon} days)"):
    table(shown_all.filter(pl.col("status") == "later"), "deadlines_later.csv", column_config=COLUMNS)
