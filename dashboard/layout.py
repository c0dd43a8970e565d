"""A figure and its definition side by side where the screen has room for both, the definition
under the figure where it has not (a projector at 1280×720, a narrow window): the figure always
gets the width it needs first.

Streamlit's columns keep their shares at any width; a figure's pair is therefore drawn in a keyed
container whose columns may wrap, each with the least width it can be read at.
"""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

# The least widths, in CSS pixels, a figure and a definition beside it are read at.
FIGURE_MIN_PX = 640
NOTE_MIN_PX = 240
_PAIR = "beside-"

_CSS = f"""<style>
/* A figure's label wraps rather than ending in "…" on a narrow tile. */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}}
/* Less room above the page's first line: on a projector every line counts. */
[data-testid="stMainBlockContainer"] {{ padding-top: 3rem; }}
div[class*="st-key-{_PAIR}"] div[data-testid="stHorizontalBlock"] {{ flex-wrap: wrap; }}
div[class*="st-key-{_PAIR}"] div[data-testid="stHorizontalBlock"] > div[data-testid="stColumn"]:first-child {{
  flex: 3 1 {FIGURE_MIN_PX}px !important; min-width: min(100%, {FIGURE_MIN_PX}px) !important;
}}
div[class*="st-key-{_PAIR}"] div[data-testid="stHorizontalBlock"] > div[data-testid="stColumn"]:last-child {{
  flex: 1 1 {NOTE_MIN_PX}px !important; min-width: {NOTE_MIN_PX}px !important;
}}
</style>"""


def use_layout() -> None:
    """Put the layout's rules on the page (the router does, once per run)."""
    st.html(_CSS)


def beside(key: str) -> tuple[DeltaGenerator, DeltaGenerator]:
    """The places of a figure and of its definition: side by side, or the definition under the figure."""
    with st.container(key=f"{_PAIR}{key}"):
        figure, note = st.columns([3, 1], gap="medium")
    return figure, note
