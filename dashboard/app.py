"""Recovery Oversight: the router. Draws the shared filters, then runs the chosen page."""

import streamlit as st

from dashboard.auth import current_access
from dashboard.components import collect_offered_tables, workbook_download
from dashboard.data import database_key, empty_core_tables, pin_served
from dashboard.extract_status import extract_status
from dashboard.layout import use_layout
from dashboard.navigation import PAGES
from dashboard.presenting import banner, presenting
from dashboard.state import agency_labels, current_oversights, current_window, follow_switch, sidebar_filters
from metrics.report.views.context import context_line

APP_TITLE = "Recovery Oversight"

st.set_page_config(page_title=APP_TITLE, page_icon=":material/monitoring:", layout="wide")
# First, so that a visitor who may see nothing is shown why, and no pages to choose from.
current_access()


def leading_to(target: st.Page):
    """A page that only leads to ``target``, keeping the view the link carries (metrics.policy.link)."""

    def lead() -> None:
        st.switch_page(target, query_params=st.query_params.to_dict())

    return lead


sections: dict[str, list] = {}
aliases: set[str] = set()
for entry in PAGES:
    # The default page is served at the root; its own path, such as /overview, leads there too (a
    # hidden page without a file of its own, so that the file names one page only).
    listed = st.Page(entry.file, title=entry.title, icon=entry.icon, default=entry.default,
                     url_path="" if entry.default else entry.url_path)
    sections.setdefault(entry.section, []).append(listed)
    if entry.default:
        sections[entry.section].append(
            st.Page(leading_to(listed), title=entry.title, url_path=entry.url_path, visibility="hidden"))
        aliases.add(entry.url_path)

page = st.navigation(sections)
if page.url_path in aliases:
    page.run()  # leads away before anything is drawn
st.set_page_config(page_title=f"{page.title} · {APP_TITLE}")
use_layout()
# With a folder of extracts, the one served now, for the whole of this run.
switched_from = pin_served()
if switched_from is not None:
    follow_switch(switched_from)
filters = sidebar_filters()
extract_status()
banner()
# What every figure below is of, in one line above the page.
st.caption(context_line(filters, current_window(), sorted(current_oversights()), agency_labels(), presenting()))
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
