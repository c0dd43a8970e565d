"""Recovery Oversight: the router. Each page is a short script in app_pages/."""

import streamlit as st

st.set_page_config(page_title="Recovery Oversight", page_icon=":material/monitoring:", layout="wide")

pages = [
    st.Page("app_pages/data_quality.py", title="Data quality", icon=":material/fact_check:",
            url_path="data-quality", default=True),
]
st.navigation(pages).run()
