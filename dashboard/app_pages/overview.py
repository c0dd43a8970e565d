"""The headline figures for the report date, each linking to its page, and the change since a quarter ago."""

from dataclasses import replace

import polars as pl
import streamlit as st

from dashboard.auth import session_access
from dashboard.components import download
from dashboard.data import database_key, date_range, measure
from dashboard.presenting import deck_download, presenting
from dashboard.state import current_filters
from metrics.measures.registry import HEADLINES, PAGE_OF_MEASURE
from metrics.policy.settings import settings
from metrics.report.headlines import (
    SUPPRESSED,
    change_text,
    format_value,
    headline_filters,
    headline_value,
    previous_quarter,
)

filters = current_filters()
database = database_key()
public = presenting()
earlier = replace(filters, as_of=previous_quarter(filters.as_of))

st.title("Recovery Oversight")
st.caption(
    f"As of {filters.as_of:%d %B %Y}. Counts are on that day and rates over the quarter up to it; "
    f"each change is against the same figure a quarter earlier ({earlier.as_of:%d %B %Y})."
)

rows = []
columns = st.columns(3)
for index, headline in enumerate(HEADLINES):
    counted_now, counted_before = headline_filters(filters, headline), headline_filters(earlier, headline)
    now = headline_value(headline, measure(headline.measure, database, counted_now), public)
    before = headline_value(headline, measure(headline.measure, database, counted_before), public)
    change = change_text(headline, now, before)
    rows.append(
        {
            "figure": headline.label,
            "as_of": filters.as_of,
            "counted_from": counted_now.period_start,
            "value": None if now == SUPPRESSED else now,
            "quarter_earlier": None if before == SUPPRESSED else before,
        }
        # A suppressed figure is left empty, and says why.
        | ({"suppressed": SUPPRESSED in (now, before)} if public else {})
    )
    with columns[index % 3], st.container(border=True):
        unchanged = now == before
        st.metric(
            headline.label,
            format_value(headline, now),
            delta=change,
            delta_color="off" if unchanged else "normal" if headline.higher_is_better else "inverse",
            delta_arrow="off" if unchanged else "auto",
            help=(
                f"Suppressed for presenting: it rests on, or leaves out, 1 to {settings().suppression_max_count} "
                "people."
                if SUPPRESSED in (now, before)
                else headline.help or None
            ),
        )
        if headline.windowed and counted_now.period_start is not None:
            st.caption(f"Over {counted_now.period_start:%d %b} – {counted_now.period_end:%d %b %Y}")
        else:
            st.caption(f"On {filters.as_of:%d %b %Y}")
        st.page_link(PAGE_OF_MEASURE[headline.measure], label="Details", icon=":material/arrow_forward:")

download(pl.DataFrame(rows), "overview.csv", "Download the headline figures (CSV)")

st.subheader("Deck for the quarterly CRS meeting")
st.caption(
    "A PDF with a slide per measure: its chart, headline figure, change from the previous quarter and "
    "definition. Small numbers are suppressed, and it covers only the agencies you may see."
)
deck_download(database, session_access(), *date_range(database))
