"""Recovery Oversight: the router. Draws the shared filters, then runs the chosen page."""

import streamlit as st

from dashboard.auth import current_access
from dashboard.components import collect_offered_tables, workbook_download
from dashboard.data import database_key, empty_core_tables
from dashboard.navigation import PAGES
from dashboard.presenting import banner
from dashboard.state import sidebar_filters

st.set_page_config(page_title="Recovery Oversight", page_icon=":material/monitoring:", layout="wide")
# First, so that a visitor who may see nothing is shown why, and no pages to choose from.
current_access()

sections: dict[str, list] = {}
for entry in PAGES:
    sections.setdefault(entry.section, []).append(
        st.Page(entry.file, title=entry.title, icon=entry.icon, url_path=entry.url_path, default=entry.default)
    )

page = st.navigation(sections)
sidebar_filters()
banner()
empty = empty_core_tables(database_key())
if empty and page.url_path != "data-quality":
    # Zeros drawn from a core table without a single accepted row would look like real figures.
    st.title(page.title)
    st.error(
        f"The extract has no accepted rows in {', '.join(f'`{name}`' for name in empty)}: there is nothing to "
        "report on. The data-quality page shows what was rejected and why.",
        icon=":material/block:",
    )
    st.page_link("app_pages/data_quality.py", label="Data quality", icon=":material/fact_check:")
    st.stop()
collect_offered_tables()
page.run()
# Every table the page offered, in one workbook, at the bottom of the page.
workbook_download(page.url_path)
