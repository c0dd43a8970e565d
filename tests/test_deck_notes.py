"""The deck's data notes, worked out by hand on small extracts taken on 10 July 2026, for the
2026Q3 meeting: figures as of 30 June 2026 (the quarter from 1 April), against 31 March 2026 (the
quarter from 1 January).

The rates are Safety/Crisis Plans: each final care plan of an agency's one episode counts once.
The base extract's other rates count 2024 only, so they have nothing due in either quarter."""

from __future__ import annotations

import re
from dataclasses import replace

import duckdb
import pytest

from metrics.policy.filters import Filters
from metrics.policy.quarters import Quarter
from metrics.policy.settings import Settings, load_settings, settings
from metrics.policy.window import previous_quarter
from metrics.report.deck_notes import DataNote, data_notes, notes_text
from tests.conftest import BASE_TABLES, write_extract

QUARTER = Quarter.parse("2026Q3")
FILTERS = Filters(as_of=QUARTER.as_of)
EARLIER = replace(FILTERS, as_of=previous_quarter(FILTERS.as_of))
EARLIER_DAY, NOW_DAY = "2026-02-15", "2026-05-15"

AGENCIES = BASE_TABLES["agencies"] + "".join(
    f"A{n},{name} Recovery,BHD,Milwaukee,\n"
    for n, name in [(3, "Gamma"), (4, "Delta"), (5, "Epsilon"), (6, "Zeta"), (7, "Eta")]
)
# One episode for each agency but A1 (whose plans are its base episode E1's): EA2 at A2, ..., EA7
# at A7, referred in 2025, outside both quarters, so that no referral is due for first contact.
EPISODES = [f"EA{n},C1,A{n},RSC-I,2025-06-01 10:00,false,,,," for n in range(2, 8)]

# (agency's episode, plans with and without a Safety/Crisis Plan, earlier quarter, then this one)
PLANS = {
    "E1": ((20, 20), (36, 12)),  # Alpha: 50% to 75%, +25 points: more than 15
    "EA2": ((20, 20), (26, 14)),  # Beta: 50% to 65%, exactly 15 points: not more
    "EA3": ((24, 16), (12, 28)),  # Gamma: 60% to 30%, -30 points
    "EA4": ((20, 20), (18, 12)),  # Delta: 50% to 60%, +10 points; 30 plans, not fewer than 30
    "EA5": ((15, 5), (11, 29)),   # Epsilon: 75% leaving 5 out (suppressed) to 27.5%: no move written
    "EA6": ((0, 0), (12, 14)),    # Zeta: 26 plans this quarter, fewer than 30, none before
    "EA7": ((20, 20), (3, 2)),    # Eta: 50% to 3 of 5 (suppressed): no move; 5 plans, 1 to 10
}


def plan_rows(plans: dict[str, tuple[tuple[int, int], tuple[int, int]]]) -> list[str]:
    rows = ["episode_id,plan_kind,completed_on,safety_plan"]
    for episode, quarters in plans.items():
        for day, (met, not_met) in zip((EARLIER_DAY, NOW_DAY), quarters, strict=True):
            rows += [f"{episode},final,{day},true"] * met + [f"{episode},final,{day},false"] * not_met
    return rows


@pytest.fixture
def extract(tmp_path, cache):
    """A database of the base extract with ``extra`` rows and ``tables`` replaced, taken on 10 July 2026."""
    from metrics.extract.loader import database_path

    counter = iter(range(100))

    def _build(extra: dict[str, list[str]], tables: dict[str, str] | None = None) -> duckdb.DuckDBPyConnection:
        written = {**BASE_TABLES, **(tables or {})}
        for name, rows in extra.items():
            written[name] = written.get(name, "") + "".join(row + "\n" for row in rows)
        folder = write_extract(tmp_path / f"extract{next(counter)}", written)
        (folder / "extract.toml").write_text("taken_on = 2026-07-10\n", encoding="utf-8")
        return duckdb.connect(str(database_path(folder)), read_only=True)

    return _build


def labels_of(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT agency_id, agency_name FROM agencies").fetchall())


def notes(con: duckdb.DuckDBPyConnection, agencies: tuple[str, ...] | None = None) -> list[DataNote]:
    return data_notes(con, replace(FILTERS, agencies=agencies), replace(EARLIER, agencies=agencies),
                      labels_of(con), agencies)


def of_kind(found: list[DataNote], kind: str) -> list[tuple[str | None, str]]:
    return [(note.agency_id, note.text) for note in found if note.kind == kind]


# 12 contacts of Beta's episode and one care plan of Alpha's dated after 10 July 2026; 12 contacts
# of a kind the contract does not know and a care plan of an unknown kind, rejected.
LATER_CONTACTS = [f"L{n},EA2,,2026-08-01 10:00,client,phone" for n in range(1, 13)]
BAD_CONTACTS = [f"B{n},E1,S1,2026-05-01 10:00,visit,phone" for n in range(1, 13)]
LATER_PLAN, BAD_PLAN = "E1,final,2026-07-20,true", "E1,draft,2026-05-01,true"


@pytest.fixture
def full(extract):
    return extract(
        {"episodes": EPISODES, "care_plans": [*plan_rows(PLANS), LATER_PLAN, BAD_PLAN],
         "contacts": LATER_CONTACTS + BAD_CONTACTS},
        {"agencies": AGENCIES},
    )


SAFETY = "SCCPs with a Safety/Crisis Plan"
ABSENT = ["monitoring_visits", "documentation_reviews", "action_plans", "crs_enrollments", "incidents", "trainings"]


# The slides each optional table's absence leaves out.
LEFT_OUT = {"documentation_reviews": "the slide Documentation oversight is left out",
            "action_plans": "the slide Plans of action is left out",
            "trainings": "the slide Orientation training is left out",
            "incidents": "the slide Incidents is left out"}


def absent_text(table: str) -> str:
    consequence = LEFT_OUT.get(table, "any figure that draws on it is counted without it")
    return f"This extract has no {table} table (an optional one): {consequence}."


def test_every_kind_of_note_in_order(full):
    found = notes(full)
    assert [note.kind for note in found] == (
        ["moved"] * 2 + ["few_cases"] + ["dated_later"] * 2 + ["absent_table"] * 6 + ["rejected"])
    assert of_kind(found, "moved") == [
        # Alpha: 20 of 40 is 50%, 36 of 48 is 75%: 25 points. Gamma: 24 of 40 is 60%, 12 of 40 is 30%.
        ("A1", f"{SAFETY} at Alpha Recovery moved from 50% to 75% (+25.0 points) since 31 March 2026."),
        ("A3", f"{SAFETY} at Gamma Recovery moved from 60% to 30% (-30.0 points) since 31 March 2026."),
    ]
    assert of_kind(found, "few_cases") == [
        # Eta's 5 plans are 1 to 10: its rate is suppressed, and its slide says so. Zeta's 26 (12 met,
        # 14 not: its rate is shown).
        ("A6", f"{SAFETY} at Zeta Recovery rests on 26 final care plans: read it with care."),
    ]
    assert of_kind(found, "dated_later") == [
        # Contacts are loaded before care plans; 12 rows are shown, 1 is 1 to 10.
        ("A2", "12 rows of the contacts table at Beta County CRS are dated after the extract was taken "
               "(10 July 2026); they count from their own dates."),
        ("A1", "1 to 10 rows of the care_plans table at Alpha Recovery are dated after the extract was taken "
               "(10 July 2026); they count from their own dates."),
    ]
    assert of_kind(found, "absent_table") == [(None, absent_text(table)) for table in ABSENT]
    assert of_kind(found, "rejected") == [
        # 12 + 1 = 13, the total the deck's last page prints: the 1 is hidden (1 to 10), and 13 less 12
        # would give it away, so the 12 is hidden too; it is known to be more than 10.
        (None, "Rejected by the checks of the extract contract and left out of every figure: more than 10 rows "
               "of the contacts table; 1 to 10 rows of the care_plans table."),
    ]
    assert notes_text(found) == [note.text for note in found]


def test_no_identifier_is_written(full):
    for text in notes_text(notes(full)):
        assert not re.search(r"\b[A-Z]+\d+\b", text), text


def test_a_deck_for_one_agency_speaks_of_it_alone(full):
    found = notes(full, ("A1",))
    assert {note.agency_id for note in found} == {"A1", None}
    assert of_kind(found, "moved") == [
        ("A1", f"{SAFETY} at Alpha Recovery moved from 50% to 75% (+25.0 points) since 31 March 2026.")]
    assert of_kind(found, "few_cases") == []
    assert [agency for agency, _ in of_kind(found, "dated_later")] == ["A1"]
    # Rejected rows are not kept with their agency: an agency's deck leaves them out.
    assert of_kind(found, "rejected") == []
    assert len(of_kind(found, "absent_table")) == len(ABSENT)
    others = [name for agency, name in labels_of(full).items() if agency != "A1"]
    for text in notes_text(found):
        assert not any(name in text for name in others), text
        assert "12 rows" not in text and "contacts" not in text, text


def test_a_suppressed_rate_is_neither_written_nor_noted_for_its_few_cases(extract):
    # 11 of 12 leaves 1 out: the rate is suppressed, so no move is written, and its 12 plans are not
    # a note either (the slide already says the agency is not shown).
    con = extract({"care_plans": plan_rows({"E1": ((20, 20), (11, 1))})})
    assert of_kind(notes(con), "moved") == []
    assert of_kind(notes(con), "few_cases") == []


@pytest.mark.parametrize("contacts,plans,expected", [
    # Alone, 12 is shown (the total is 12 too).
    (12, 0, "12 rows of the contacts table."),
    # 11 + 1 = 12: the 1 is small; the 11 and the total 12 are hidden to protect it.
    (11, 1, "more than 10 rows of the contacts table; 1 to 10 rows of the care_plans table."),
])
def test_rejected_rows_per_table(extract, contacts, plans, expected):
    con = extract({"contacts": BAD_CONTACTS[:contacts], "care_plans": ["episode_id,plan_kind,completed_on"]
                   + [BAD_PLAN.rsplit(",", 1)[0]] * plans})
    assert of_kind(notes(con), "rejected") == [
        (None, f"Rejected by the checks of the extract contract and left out of every figure: {expected}")]


def test_a_move_of_more_than_the_setting(extract, tmp_path, monkeypatch):
    con = extract({"care_plans": plan_rows({"E1": ((20, 20), (18, 12))})})  # 50% to 60%, 10 points
    assert of_kind(notes(con), "moved") == []
    overridden = tmp_path / "settings.toml"
    overridden.write_text("deck_note_move_points = 9.5\ndeck_note_few_cases = 31\n", encoding="utf-8")
    monkeypatch.setenv("OVERSIGHT_SETTINGS", str(overridden))
    settings.cache_clear()
    try:
        found = notes(con)
    finally:
        monkeypatch.delenv("OVERSIGHT_SETTINGS")
        settings.cache_clear()
    assert of_kind(found, "moved") == [
        ("A1", f"{SAFETY} at Alpha Recovery moved from 50% to 60% (+10.0 points) since 31 March 2026.")]
    assert of_kind(found, "few_cases") == [
        ("A1", f"{SAFETY} at Alpha Recovery rests on 30 final care plans: read it with care.")]


def test_the_settings_and_their_defaults(tmp_path):
    assert (Settings().deck_note_move_points, Settings().deck_note_few_cases) == (15.0, 30)
    path = tmp_path / "settings.toml"
    path.write_text("deck_note_move_points = 10\n", encoding="utf-8")
    assert load_settings(path).deck_note_move_points == 10.0


def test_an_extract_without_notes(extract):
    # The base extract: every optional table absent, nothing else to say in 2026.
    assert [note.kind for note in notes(extract({}))] == ["absent_table"] * 7
