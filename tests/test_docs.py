"""Every definition a page shows comes from docs/measures.md, and every measure is explained."""

from __future__ import annotations

import re
from pathlib import Path

from metrics.measures.docs import changed_settings, definition_text, measure_text, sections
from metrics.measures.registry import MEASURES
from metrics.policy.settings import Settings

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


def test_a_definition_names_the_settings_that_differ_from_the_numbers_it_states():
    assert definition_text("caseload-utilization", Settings()) == measure_text("caseload-utilization")
    rules = Settings(caseload_standard={"RSC-I": 18, "RSC-F": 15, "CM": 50}, suppression_max_count=5,
                     contact_requirements=Settings().contact_requirements[:2])
    assert changed_settings(rules) == [
        "caseload standard RSC-I: 18 (default 20)",
        "contact requirements (the contact-adherence page states them)",
        "suppression max count: 5 (default 10)",
    ]
    assert definition_text("caseload-utilization", rules).endswith(
        "*The numbers above are the policy's defaults; this dashboard's settings differ: caseload standard RSC-I: "
        "18 (default 20); contact requirements (the contact-adherence page states them); suppression max count: 5 "
        "(default 10).*")
