"""The headline figures for the report date, each linking to its page, and the change since a quarter ago."""

from dataclasses import replace

import polars as pl
import streamlit as st

from dashboard.components import download
from dashboard.data import database_key, measure
from dashboard.state import current_filters
from metrics.headlines import HEADLINES, format_value, previous_quarter

PAGE_OF_MEASURE = {
    "caseload_agency": "app_pages/caseload.py",
    "caseload_staff": "app_pages/caseload.py",
    "adherence_agency": "app_pages/adherence.py",
    "first_contact_agency": "app_pages/first_contact.py",
    "monitoring_status": "app_pages/monitoring.py",
    "action_plans": "app_pages/action_plans.py",
}

filters = current_filters()
database = database_key()
earlier = replace(filters, as_of=previous_quarter(filters.as_of))

st.title("Recovery Oversight")
st.caption(f"As of {filters.as_of:%d %B %Y}; changes are against {earlier.as_of:%d %B %Y}, a quarter earlier.")

rows = []
columns = st.columns(3)
for index, headline in enumerate(HEADLINES):
    now = headline.compute(measure(headline.measure, database, filters))
    before = headline.compute(measure(headline.measure, database, earlier))
    change = None if now is None or before is None else now - before
    rows.append(
        {"figure": headline.label, "as_of": filters.as_of, "value": now, "quarter_earlier": before, "change": change}
    )
    with columns[index % 3]:
        with st.container(border=True):
            delta = None
            if change is not None:
                delta = f"{change * 100:+.0f} points" if headline.percent else f"{change:+,}"
            st.metric(
                headline.label,
                format_value(headline, now),
                delta=delta,
                delta_color="normal" if headline.higher_is_better else "inverse",
                help=headline.help or None,
            )
            st.page_link(PAGE_OF_MEASURE[headline.measure], label="Details", icon=":material/arrow_forward:")

download(pl.DataFrame(rows), "overview.csv", "Download the headline figures (CSV)")
