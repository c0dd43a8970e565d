"""The measure registry is complete: every measure says what it counts, where it is defined,
where it is shown and which file row describes it; and what is derived from it is whole."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from dashboard.navigation import PAGE_FILES
from metrics.measures.docs import sections
from metrics.measures.measure import Counts, Measure, Organisations, People, PerPerson, ShownWith, StackedBars
from metrics.measures.registry import (
    BY_NAME,
    COUNTED,
    HEADLINE_BY_KEY,
    HEADLINES,
    MEASURES,
    PAGE_OF_MEASURE,
    SLIDES,
)

README = Path(__file__).resolve().parent.parent / "README.md"
NAMES = [measure.name for measure in MEASURES]


def readme_rows() -> list[str]:
    """The files listed in the README's table of what `oversight metrics` writes."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| file | one row per |"):]
    table = table[:table.index("\n\n")]
    return re.findall(r"^\| `([a-z_]+)\.csv` \|", table, flags=re.M)


def test_names_and_headline_keys_are_unique():
    assert len(set(NAMES)) == len(NAMES)
    assert len(HEADLINE_BY_KEY) == len(HEADLINES)


def test_what_a_measure_counts_is_an_explicit_choice():
    # No default: leaving it out of a new measure is a TypeError, not a measure shown unsuppressed.
    field = next(f for f in dataclasses.fields(Measure) if f.name == "counts")
    assert field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
    with pytest.raises(TypeError):
        Measure("new", MEASURES[0].compute, definition="x", page=None, description="x")  # type: ignore[call-arg]
    for measure in MEASURES:
        assert isinstance(measure.counts, Counts), measure.name
        if isinstance(measure.counts, Organisations | PerPerson):
            assert measure.counts.why.strip(), f"{measure.name}: say why it is not suppressed"


def test_a_curve_follows_a_measure_that_counts_people_on_keys_they_share():
    for measure in MEASURES:
        if isinstance(measure.counts, ShownWith):
            followed = BY_NAME[measure.counts.measure]
            assert isinstance(followed.counts, People), measure.name


def test_every_measure_has_a_definition_a_page_and_a_readme_row():
    for measure in MEASURES:
        assert measure.definition in sections(), f"{measure.name}: no section {measure.definition!r}"
        assert measure.page in PAGE_FILES, f"{measure.name}: no page {measure.page!r}"
        assert measure.description.strip(), measure.name
    rows = readme_rows()
    assert sorted(rows) == sorted(NAMES), {"no README row": set(NAMES) - set(rows), "no measure": set(rows) - set(NAMES)}


def test_a_rate_headline_or_slide_rests_on_a_measure_that_is_suppressed():
    # A rate of people shown in the deck or while presenting must be one the suppression covers.
    for headline in HEADLINES:
        if headline.counts is not None:
            assert headline.measure in COUNTED, headline.key
        # So is a count of people, and what it adds up is one of the counts suppressed.
        if headline.people is not None:
            assert headline.people in COUNTED[headline.measure].counts, headline.key
    for slide in SLIDES:
        assert slide.headline in HEADLINE_BY_KEY, slide.title
        if isinstance(BY_NAME[slide.measure].counts, PerPerson):
            # The deck shows no one: rows about one person each are only counted, per agency.
            assert isinstance(slide.chart, StackedBars) and slide.chart.value is None, slide.title


def test_every_measure_with_a_headline_has_a_slide():
    on_slides = {slide.measure for slide in SLIDES} | {HEADLINE_BY_KEY[slide.headline].measure for slide in SLIDES}
    explained = {BY_NAME[name].definition for name in on_slides}
    for measure in MEASURES:
        if measure.headlines and measure.name not in on_slides:
            # A staff member's caseload is shown in the deck as its agency's, on the same definition.
            assert isinstance(measure.counts, PerPerson) and measure.definition in explained, measure.name


def test_the_tables_a_measure_needs_are_optional_ones_of_the_contract():
    from metrics.extract.schema import TABLES_BY_NAME

    for measure in MEASURES:
        for table in measure.needs:
            assert not TABLES_BY_NAME[table].core, (measure.name, table)
    assert BY_NAME["incidents"].needs == ("incidents",)


def test_what_is_derived_is_whole():
    # Hand-listed from the declarations: the tables whose figures rest on people.
    assert set(COUNTED) == {
        "caseload_agency", "caseload_trend", "adherence_agency", "adherence_staff", "adherence_trend", "milestones",
        "first_contact_agency", "first_contact_trend", "assignment_timeliness", "incidents", "documentation_status",
        "safety_plans",
    }
    assert [h.key for h in HEADLINES] == [
        "agencies_over", "staff_over", "client_contact", "rst_meeting", "milestones_met", "safety_plans",
        "reached_24h", "reached_30min", "programs_overdue", "reviews_due", "plans_open", "plans_overdue",
        "deadlines_late", "orientation_missed", "incidents_reported",
    ]
    assert [(s.title, s.measure) for s in SLIDES] == [
        ("Caseload utilization", "caseload_agency"), ("Contact with clients", "adherence_agency"),
        ("Recovery Support Team meetings", "adherence_agency"), ("Care-coordination milestones", "milestones"),
        ("Safety/Crisis Plans", "safety_plans"), ("Time to first contact", "first_contact_curve"),
        ("Emergencies: time to first contact", "first_contact_curve"), ("Biennial monitoring", "monitoring_status"),
        ("Documentation oversight", "documentation_status"), ("Plans of action", "action_plans"),
        ("DCTS deadlines", "deadlines"), ("Orientation training", "orientation_staff"), ("Incidents", "incidents"),
    ]
    assert all(PAGE_OF_MEASURE[h.measure] in PAGE_FILES for h in HEADLINES)
