"""Who needs what on the morning after the report date: referrals waiting, contacts to make,
milestones and plans due, by agency and staff member."""

import streamlit as st

import metrics.report.views.worklists as view
from dashboard.components import WORKLIST_STAFF_KEY, metric_row, table
from dashboard.data import database_key, worklist
from dashboard.presenting import presenting
from dashboard.state import current_filters, with_agency_names
from metrics.report.labels import columns

filters = current_filters()
database = database_key()

st.title("Worklists")
st.caption(view.caption(filters.as_of))

if presenting():
    st.info("Worklists name individual episodes and workers: they are not shown while presenting.")
    st.stop()

referrals = with_agency_names(worklist("referrals_waiting", database, filters))
contacts = with_agency_names(view.contacts_this_week(worklist("contacts_due", database, filters)))
milestones = with_agency_names(worklist("milestones_due", database, filters))
plans = with_agency_names(worklist("plans_due", database, filters))

# A staff member chosen on another page (their row in a table) is offered even with nothing listed.
choices = view.staff_choices(referrals, contacts, milestones, also=st.session_state.get(WORKLIST_STAFF_KEY))
staff = st.columns([1, 2])[0].selectbox(
    "Staff member", choices, key=WORKLIST_STAFF_KEY, persist_state="session",
    help="The worker assigned to each episode on the report date; the sidebar chooses the agencies.")
referrals, contacts, milestones = (view.of_staff(frame, staff) for frame in (referrals, contacts, milestones))
metric_row(view.headlines(referrals, contacts, milestones, plans))

titles = view.titles()
for name, shown in (("referrals_waiting", view.referrals_table(referrals)),
                    # Of contacts_due, those still to make in the current period within the horizon.
                    ("contacts_to_make", view.contacts_table(contacts)),
                    ("milestones_due", view.milestones_table(milestones)),
                    ("plans_due", view.plans_table(plans))):
    st.subheader(titles[name])
    table(shown, f"{name}.csv", column_config=columns(name), definition="worklists")
