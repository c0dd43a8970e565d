"""One agency's scorecard: every headline figure of its oversight now and at the end of each of the
last four quarters, against its contract target, with the rule that gives each status."""

import streamlit as st

import metrics.report.scorecard as view
from dashboard.auth import session_access
from dashboard.components import download, report_dated
from dashboard.data import database_key, extract_dir, measure
from dashboard.presenting import presenting, public_download
from dashboard.state import agency_labels, current_filters, current_window, visible_agencies
from metrics.policy.settings import settings

filters = current_filters()
database = database_key()
labels = agency_labels()

st.title("Agency scorecard")
listed = visible_agencies(session_access())
if filters.agencies is not None:
    listed = listed.filter(listed["agency_id"].is_in(list(filters.agencies)))
if listed.is_empty():
    st.info("No agency matches these filters.")
    st.stop()
oversight_of = dict(zip(listed["agency_id"], listed["oversight"], strict=True))
agency_id = st.columns([1, 2])[0].selectbox("Agency", list(oversight_of), format_func=lambda a: labels.get(a, a),
                                            key="scorecard_agency")
st.caption(f"{labels.get(agency_id, agency_id)} on {filters.as_of:%d %B %Y}, over the counting window, and at the "
           "end of each of the last four quarters, over that quarter. The targets are the dashboard's settings "
           "(`contract_targets`).")

rows = view.scorecard(agency_id, oversight_of[agency_id], filters,
                      lambda name, counted: measure(name, database, counted), presenting(), settings())
st.markdown(view.as_markdown(rows))
download(view.download_rows(rows), f"scorecard_{agency_id}.csv", "Download the scorecard (CSV)")
label, file_name = public_download("Download the scorecard for a contract meeting (PDF, one page)",
                                   report_dated(f"scorecard_{agency_id}.pdf"))
st.download_button(
    label,
    view.scorecard_pdf(rows, labels.get(agency_id, agency_id), filters.as_of, current_window().describe(filters),
                       extract_dir().name),
    file_name=file_name, mime="application/pdf", on_click="ignore", icon=":material/picture_as_pdf:",
    key="scorecard_pdf",
)
