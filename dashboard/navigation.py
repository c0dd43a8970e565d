"""The dashboard's pages, declared once: the router draws them, and the tests and the benchmark
visit each. Plain data, so that neither needs Streamlit to read it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageEntry:
    section: str  # the heading it is listed under; "" for none
    file: str  # relative to dashboard/
    title: str
    icon: str
    url_path: str
    default: bool = False


PAGES: tuple[PageEntry, ...] = (
    PageEntry("", "app_pages/overview.py", "Overview", ":material/dashboard:", "overview", default=True),
    PageEntry("", "app_pages/worklists.py", "Worklists", ":material/checklist:", "worklists"),
    PageEntry("", "app_pages/scorecard.py", "Agency scorecard", ":material/scoreboard:", "scorecard"),
    PageEntry("BHD care coordination", "app_pages/caseload.py", "Caseload", ":material/groups:", "caseload"),
    PageEntry("BHD care coordination", "app_pages/adherence.py", "Contact adherence", ":material/event_repeat:",
              "adherence"),
    PageEntry("BHD care coordination", "app_pages/first_contact.py", "Time to first contact", ":material/timer:",
              "first-contact"),
    PageEntry("DCTS oversight", "app_pages/monitoring.py", "Monitoring", ":material/calendar_month:", "monitoring"),
    PageEntry("DCTS oversight", "app_pages/action_plans.py", "Plans of action", ":material/assignment_late:",
              "plans"),
    PageEntry("DCTS oversight", "app_pages/deadlines.py", "Deadlines", ":material/event_upcoming:", "deadlines"),
    PageEntry("DCTS oversight", "app_pages/sample.py", "Documentation sample", ":material/shuffle:", "sample"),
    PageEntry("DCTS oversight", "app_pages/training.py", "Training and incidents", ":material/school:", "training"),
    PageEntry("Data", "app_pages/data_quality.py", "Data quality", ":material/fact_check:", "data-quality"),
)
PAGE_FILES: tuple[str, ...] = tuple(page.file for page in PAGES)
