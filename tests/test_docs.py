"""Every definition a page shows comes from docs/measures.md, and every measure is explained."""

from __future__ import annotations

import re
from pathlib import Path

from metrics.measures.docs import measure_text, sections
from metrics.measures.registry import MEASURES

PAGES = Path(__file__).resolve().parent.parent / "dashboard" / "app_pages"


def test_every_definition_a_page_asks_for_exists():
    asked = set()
    for page in PAGES.glob("*.py"):
        text = page.read_text(encoding="utf-8")
        # Section keys are the only hyphenated lower-case strings in the pages.
        asked |= set(re.findall(r'"([a-z0-9]+(?:-[a-z0-9]+)+)"', text))
    assert asked, "pages show definitions"
    assert asked <= set(sections()), asked - set(sections())


def test_each_measure_cites_the_rule_it_comes_from():
    for key in {measure.definition for measure in MEASURES}:
        assert re.search(r"\*Rules?:", measure_text(key)), key
