"""Presentation mode, for showing the dashboard to people outside the agency, and the
quarterly meeting's deck.

While presentation mode is on, every page says so in a banner; every table and download
shows counts of 1 to ``suppression_max_count`` people as "<11", with rates and
complementary cells suppressed (``metrics.disclosure.suppression``, by what the registry says
each measure counts); every chart draws only figures that may be shown; and every download is
that public version and says so. It is a toggle in the sidebar, kept for the session like the filters.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard.data import agencies, extract_dir
from metrics.disclosure.suppression import Linked, small_marker
from metrics.measures.docs import definition_text
from metrics.policy.access import Access
from metrics.policy.quarters import Quarter, meetings_between
from metrics.policy.settings import settings
from metrics.report import DeckFormat
from metrics.store import db
from metrics.store.cache import kept

PRESENTING_KEY = "presenting"
DECK_READY_KEY = "deck_ready"


def presentation_toggle(sidebar) -> bool:
    return sidebar.toggle(
        "Presentation mode",
        key=PRESENTING_KEY,
        persist_state="session",
        help=f"For showing these figures outside the agency: counts of 1 to {settings().suppression_max_count} "
        f"people show as {small_marker()}, rates resting on them are hidden, charts leave them out, and "
        "downloads are the public versions.",
    )


def presenting() -> bool:
    return bool(st.session_state.get(PRESENTING_KEY, False))


def banner() -> None:
    if presenting():
        st.warning(
            f"**Presentation mode: figures are suppressed for presenting.** Counts of 1 to "
            f"{settings().suppression_max_count} people show as {small_marker()}, a figure hidden so that "
            "another cannot be worked out shows as \\*, rates resting on them or leaving 1 to "
            f"{settings().suppression_max_count} out are blank, and charts leave them out. Downloads are the "
            "public versions.",
            icon=":material/co_present:",
        )
        with st.expander("How small numbers are suppressed"):
            st.markdown(definition_text("small-numbers", settings()))


def public_download(label: str, file_name: str) -> tuple[str, str]:
    """The label and file name of a download: while presenting, marked as the public version."""
    if not presenting():
        return label, file_name
    path = Path(file_name)
    words, bracket, kind = label.partition(" (")
    return f"{words}, public version with small numbers suppressed{bracket}{kind}", f"{path.stem}_public{path.suffix}"


class Shown:
    """A page's linked tables as shown: exact, or suppressed together while presenting."""

    def __init__(self, tables: dict[str, tuple[pl.DataFrame, pl.DataFrame, pl.Series]]) -> None:
        self._tables = tables

    def table(self, name: str) -> pl.DataFrame:
        """What tables, figures and downloads show: counts as text while presenting."""
        return self._tables[name][0]

    def rows(self, name: str) -> pl.DataFrame:
        """What charts draw: the exact rows, without those that have anything suppressed."""
        _, frame, hidden = self._tables[name]
        return frame.filter(~hidden)

    def hidden(self, name: str) -> pl.Series:
        """True for each row with anything suppressed."""
        return self._tables[name][2]


def as_shown(linked: Linked) -> Shown:
    return Shown(_shown(linked, presenting()))


# Keyed on the tables' contents, which only Streamlit's hasher reads: the one cache that is not
# metrics.store.cache's (whose keys are a database, filters and settings).
@st.cache_data(max_entries=256, show_spinner=False)
def _shown(linked: Linked, public: bool) -> dict[str, tuple[pl.DataFrame, pl.DataFrame, pl.Series]]:
    # The mode is part of the key: the same tables are cached once exact and once public.
    if not public:
        return {
            name: (frame, frame, pl.Series([False] * frame.height, dtype=pl.Boolean))
            for name, frame in linked.exact().items()
        }
    suppressed = linked.suppress()
    return {
        table.name: (suppressed[table.name].display, table.frame, suppressed[table.name].hidden_rows())
        for table in linked.tables
    }


@kept(maxsize=8)
def deck_file(quarter: str, database: str, allowed: tuple[str, ...] | None, format: DeckFormat) -> bytes:
    """The quarter's deck (metrics.report.deck) for the agencies ``allowed`` (None: every agency)."""
    from metrics.report.deck import build_deck

    listed = agencies(database)
    if allowed is not None:
        listed = listed.filter(pl.col("agency_id").is_in(list(allowed)))
    labels = dict(zip(listed["agency_id"], listed["agency_name"], strict=True))
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"deck.{format}"
        build_deck(
            db.connect_database(Path(database)), Quarter.parse(quarter), out, extract_dir().name, labels, allowed,
            format,
        )
        return out.read_bytes()


# What each format is called on a button, and its file's media type.
DECK_KINDS: dict[DeckFormat, tuple[str, str]] = {
    "pdf": ("PDF", "application/pdf"),
    "pptx": ("PowerPoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}


def deck_download(database: str, access: Access, first, last) -> None:
    """Choose a quarter and download its meeting deck, as PDF or PowerPoint, for the agencies this
    visitor may see."""
    quarters = meetings_between(first, last) if first and last else []
    if not quarters:
        st.caption("The extract does not yet cover a whole quarter: there is no meeting deck to prepare.")
        return
    quarter = st.selectbox(
        "Quarterly CRS meeting",
        quarters,
        format_func=lambda q: f"{q}: meeting of {q.meeting_date:%d %B %Y}, figures as of {q.as_of:%d %B %Y}",
        key="deck_quarter",
    )
    allowed = None if access.sees_everything else tuple(sorted(access.agencies))
    # Beside each other, under the quarter: full labels even on a projector's 1280 pixels.
    *buttons, _ = st.columns([1, 1, 1])
    for button, (format, (name, _)) in zip(buttons, DECK_KINDS.items(), strict=True):
        if button.button(f"Prepare the {name}", icon=":material/slideshow:", key=f"deck_build_{format}",
                         width="stretch"):
            st.session_state[DECK_READY_KEY] = (str(quarter), allowed, format)
    ready = st.session_state.get(DECK_READY_KEY)
    if ready is None or ready[:2] != (str(quarter), allowed):
        return
    format = ready[2]
    name, media_type = DECK_KINDS[format]
    with st.spinner(f"Drawing the charts for the meeting of {quarter.meeting_date:%d %B %Y}…"):
        data = deck_file(str(quarter), database, allowed, format)
    st.download_button(
        f"Download the deck for {quarter} ({name}, small numbers suppressed)",
        data,
        file_name=f"crs-meeting-{quarter}.{format}",
        mime=media_type,
        on_click="ignore",
        icon=":material/download:",
        key="deck_download",
    )
