"""Recovery Oversight: the router. Draws the shared filters, then runs the chosen page."""

import streamlit as st

from dashboard.auth import current_access
from dashboard.data import database_key, empty_core_tables
from dashboard.presenting import banner
from dashboard.state import sidebar_filters

st.set_page_config(page_title="Recovery Oversight", page_icon=":material/monitoring:", layout="wide")
# First, so that a visitor who may see nothing is shown why, and no pages to choose from.
current_access()

PAGES = {
    "": [
        st.Page(
            "app_pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview", default=True
        ),
    ],
    "BHD care coordination": [
        st.Page("app_pages/caseload.py", title="Caseload", icon=":material/groups:", url_path="caseload"),
        st.Page(
            "app_pages/adherence.py", title="Contact adherence", icon=":material/event_repeat:", url_path="adherence"
        ),
        st.Page(
            "app_pages/first_contact.py",
            title="Time to first contact",
            icon=":material/timer:",
            url_path="first-contact",
        ),
    ],
    "DCTS oversight": [
        st.Page("app_pages/monitoring.py", title="Monitoring", icon=":material/calendar_month:", url_path="monitoring"),
        st.Page(
            "app_pages/action_plans.py", title="Plans of action", icon=":material/assignment_late:", url_path="plans"
        ),
        st.Page("app_pages/deadlines.py", title="Deadlines", icon=":material/event_upcoming:", url_path="deadlines"),
        st.Page("app_pages/sample.py", title="Documentation sample", icon=":material/shuffle:", url_path="sample"),
        st.Page("app_pages/training.py", title="Training and incidents", icon=":material/school:", url_path="training"),
    ],
    "Data": [
        st.Page(
            "app_pages/data_quality.py", title="Data quality", icon=":material/fact_check:", url_path="data-quality"
        ),
    ],
}

page = st.navigation(PAGES)
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
page.run()
