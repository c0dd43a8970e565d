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


def test_the_tables_a_measure_needs_are_among_those_it_reads():
    for measure in MEASURES:
        assert measure.reads, f"{measure.name}: declare the tables it is counted from"
        assert set(measure.needs) <= set(measure.reads), measure.name


# Where a measure's queries read a table for columns the measure does not use, and why: the one
# stored table of each episode's firsts holds its first contact and its care-plan milestones, and
# time to first contact reads only the first contact.
READ_BUT_NOT_COUNTED = {
    name: {"care_plans"}
    for name in ("first_contact_episodes", "first_contact_agency", "first_contact_curve", "first_contact_trend")
}


def _sql_tables(query: str, seen: set[str]) -> set[str]:
    """The extract's tables ``queries/<query>.sql`` reads (FROM, JOIN), following the tables stored
    at load and the macros made at load to the queries that make them; a CTE is not a table."""
    from metrics.extract.schema import TABLES_BY_NAME
    from metrics.store.db import QUERIES_DIR, sql_text
    from metrics.store.derived import DERIVED_TABLES

    if query in seen:
        return set()
    seen.add(query)
    stored = {derived.table: derived.query for derived in DERIVED_TABLES}
    code = re.sub(r"--[^\n]*", "", sql_text(query)[0])
    ctes = set(re.findall(r"\b(\w+)\s*(?:\([^()]*\))?\s+AS\s+(?:NOT\s+)?(?:MATERIALIZED\s+)?\(", code, re.I))
    named = set(re.findall(r"\b(?:FROM|JOIN)\s+(\w+)", code, re.I)) | set(re.findall(r"\b(\w+)\s*\(", code))
    found = set()
    for name in named - ctes:
        if name in TABLES_BY_NAME:
            found.add(name)
        elif name in stored:
            found |= _sql_tables(stored[name], seen)
        elif name != query and (QUERIES_DIR / f"{name}.sql").exists():  # a macro made at load
            found |= _sql_tables(name, seen)
    return found


def test_the_tables_a_measure_reads_are_those_its_queries_read(tmp_path, cache, monkeypatch):
    # Each measure is computed on a database of its own connection (so that nothing kept from
    # another measure spares it a query), and every query it runs is recorded.
    import datetime as dt

    import duckdb

    from metrics.extract.loader import database_path
    from metrics.policy.filters import Filters
    from metrics.store import db
    from tests.conftest import BASE_TABLES, write_extract

    path = database_path(write_extract(tmp_path / "extract", BASE_TABLES))
    ran: list[str] = []
    statement = db._statement

    def recorded(name: str, params: dict[str, object]):
        ran.append(name)
        return statement(name, params)

    monkeypatch.setattr(db, "_statement", recorded)
    for measure in MEASURES:
        ran.clear()
        con = duckdb.connect(str(path), read_only=True)
        measure.compute(con, Filters(as_of=dt.date(2024, 6, 30)))
        con.close()
        assert ran, measure.name
        read = set().union(*(_sql_tables(query, set()) for query in ran))
        assert set(measure.reads) <= read, (measure.name, set(measure.reads) - read)
        assert read - set(measure.reads) == READ_BUT_NOT_COUNTED.get(measure.name, set()), measure.name


def test_the_tables_read_are_found_through_stored_tables_macros_and_not_ctes():
    # Hand-read: adherence_months.sql reads the stored adherence_grid, made by adherence_periods.sql
    # from episodes, assignments and contacts; contacts_due.sql calls the macro assigned_on
    # (assignments); root_causes.sql names a CTE agencies_taken and reads no table of the extract.
    assert _sql_tables("adherence_months", set()) == {"episodes", "assignments", "contacts"}
    assert "assignments" in _sql_tables("contacts_due", set())
    assert _sql_tables("root_causes", set()) == set()
