"""Rows accepted and rejected per table, and every rejected row with its reason."""

import streamlit as st

from dashboard.data import connection, extract_dir
from metrics.quality import load_summary, rejects_frame

st.title("Data quality")
st.caption(f"Extract: `{extract_dir()}`")

con = connection()
summary = load_summary(con)
rejects = rejects_frame(con)

left, middle, right = st.columns(3)
left.metric("Rows read", f"{summary['rows_read'].sum():,}")
middle.metric("Rows accepted", f"{summary['accepted'].sum():,}")
right.metric("Rows rejected", f"{summary['rejected'].sum():,}")

st.subheader("Per table")
st.dataframe(summary.drop("file"), hide_index=True, width="stretch")

st.subheader("Rejected rows")
st.caption("Each rejected row is left out of every measure. Line numbers count the header as line 1.")
st.dataframe(rejects, hide_index=True, width="stretch")
