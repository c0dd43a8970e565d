"""The data-quality checks (metrics.extract.checks), what they find (metrics.extract.check_results)
and the reports sent back per agency (metrics.report.agency_reports), each on a small extract
built by hand, the rows that must and must not be flagged worked out below."""

from __future__ import annotations

import csv
import re
import string
from pathlib import Path

import duckdb
import polars as pl
import pytest

from metrics.extract.check_results import counts_by_agency, findings
from metrics.extract.checks import (
    CATALOGUE,
    CHECKS_BY_ID,
    FORMULA_STARTS,
    REJECTED,
    SEVERITIES,
    WARNING,
    rejection_checks,
)
from metrics.policy.settings import Settings, load_settings
from metrics.report import export
from metrics.report.agency_reports import NO_AGENCY_FILE, VALUE_MAX_CHARS, report_file_names, write_agency_reports
from metrics.store.db import QUERIES_DIR
from tests.conftest import write_extract

AGENCIES = "agency_id,agency_name,oversight,county,program_start_on\n"
STAFF = "staff_id,agency_id,role,fte,hired_on,separated_on\n"
CLIENTS = "client_id,family_id,birth_year\n"
EPISODES = ("episode_id,client_id,agency_id,service_level,referred_at,emergency,assigned_at,enrolled_on,"
            "discharged_on,discharge_type\n")
ASSIGNMENTS = "episode_id,staff_id,start_on,end_on\n"
CONTACTS = "contact_id,episode_id,staff_id,contact_at,kind,mode\n"
INCIDENTS = "incident_id,agency_id,occurred_on,reported_on,category\n"


def rows(header: str, *lines: str) -> str:
    return header + "".join(line + "\n" for line in lines)


def clients(count: int) -> str:
    return rows(CLIENTS, *(f"C{n},," for n in range(1, count + 1)))


@pytest.fixture
def load(tmp_path: Path, cache: Path):
    """Load an extract of these tables taken on ``taken_on``; an open connection to it."""
    from metrics.extract.loader import database_path

    counter = iter(range(100))

    def _load(tables: dict[str, str], taken_on: str) -> duckdb.DuckDBPyConnection:
        folder = write_extract(tmp_path / f"extract{next(counter)}", tables)
        (folder / "extract.toml").write_text(f"taken_on = {taken_on}\n", encoding="utf-8")
        return duckdb.connect(str(database_path(folder)), read_only=True)

    return _load


def found(con: duckdb.DuckDBPyConnection, check: str, settings: Settings | None = None) -> list[tuple]:
    """(table, line, agency_id, column, value, detail) of each finding of ``check``."""
    frame = findings(con, settings).filter(pl.col("check") == check)
    return frame.select("table", "line", "agency_id", "column", "value", "detail").rows()


# ---------------------------------------------------------------------------
# The catalogue


def test_every_check_has_a_unique_id_a_severity_a_rule_and_guidance():
    ids = [check.id for check in CATALOGUE]
    assert len(ids) == len(set(ids))
    for check in CATALOGUE:
        assert re.fullmatch(r"[a-z_]+", check.id)
        assert check.severity in SEVERITIES
        assert check.rule.strip() and check.guidance.strip(), check.id
        # A warning is computed by its query; a rejection by the loader.
        assert (check.query is not None) == (check.severity == WARNING), check.id
        if check.query:
            assert (QUERIES_DIR / f"{check.query}.sql").exists()


def test_rules_name_the_settings_they_depend_on():
    settings = Settings(quiet_caseload_days=45, volume_drop_share=0.6, unassigned_business_days=3)
    assert "45 days" in CHECKS_BY_ID["quiet_staff"].rule_text(settings)
    assert "45 days" in CHECKS_BY_ID["quiet_agency"].rule_text(settings)
    assert "more than 60%" in CHECKS_BY_ID["volume_drop"].rule_text(settings)
    assert "referred 3 or more business days" in CHECKS_BY_ID["unassigned_referral"].rule_text(settings)
    for check in CATALOGUE:
        text = check.rule_text(settings)
        assert not {name for _, name, _, _ in string.Formatter().parse(text) if name}, check.id


def test_the_settings_default_and_are_overridden_by_toml(tmp_path):
    defaults = Settings()
    assert (defaults.quiet_caseload_days, defaults.volume_drop_share, defaults.unassigned_business_days) == (30, 0.5, 5)
    path = tmp_path / "settings.toml"
    path.write_text("quiet_caseload_days = 14\nvolume_drop_share = 0.4\nunassigned_business_days = 2\n")
    overridden = load_settings(path)
    assert (overridden.quiet_caseload_days, overridden.volume_drop_share, overridden.unassigned_business_days) == (
        14, 0.4, 2)


def test_formula_characters_are_those_the_csv_writer_neutralises():
    assert set(FORMULA_STARTS) == set(export.FORMULA_TRIGGERS)


# ---------------------------------------------------------------------------
# Rejections, each under its check


def test_each_kind_of_rejection_maps_to_its_check(load):
    con = load({
        "agencies": rows(AGENCIES, "A1,Alpha,BHD,,", "A2,Beta,BHD,,"),
        "staff": rows(
            STAFF,
            "S1,A1,RSC-I,1.5,2024-01-01,",        # 2: fte above 1
            "S2,A1,RSC-I,abc,2024-01-01,",        # 3: not a number
            "S3,A1,RSC,1.0,2024-01-01,",          # 4: unknown role
            "S4,A1,RSC-I,1.0,,",                  # 5: hired_on empty
            "S5,A1,RSC-I,1.0,2024-02-30,",        # 6: a day that does not exist
            "S6,A1,RSC-I,1.0,1899-12-31,",        # 7: before 1900
            "S7,A1,RSC-I,1.0,03/15/2024,",        # 8: a date written the local way
            "S8,A1,RSC-I,1.0,2024-03-01,2024-02-01",  # 9: separated before hired
            "S9,A9,RSC-I,1.0,2024-01-01,",        # 10: an agency the extract lacks
            "S10,A2,RSC-I,1.0,2024-01-01,",       # 11: accepted
            "S10,A2,RSC-I,1.0,2024-01-01,",       # 12: the same key again
        ),
        "clients": rows(CLIENTS, "C1,,", "C2,,1800"),  # 3: born before 1900
        "episodes": rows(
            EPISODES,
            "E1,C1,A2,CM,2024-03-01 10:00,false,,,2024-04-01,planned",   # 2: discharged, never enrolled
            "E2,C1,A2,CM,2024-03-01 10:00,false,,,,planned",             # 3: a type without a discharge
            "E3,C1,A2,CM,2024-03-01 24:00,false,,,,",                    # 4: hour 24
            "E4,C1,A2,CM,2024-03-01T10:00:00-06:00,false,,,,",          # 5: an offset
            "E5,C1,A2,CM,2024-03-01 10:00,false,,,,",                    # 6: accepted
        ),
        "assignments": rows(ASSIGNMENTS, "E5,S1,2024-03-02,"),            # 2: names rejected S1
        "contacts": rows(
            CONTACTS,
            "K1,E5,,2024-03-02 10:00,client,phone,extra",               # 2: a value too many
            'K2,E5,,"2024-03-02 10:00,client,phone',                     # 3: a quote never closed
        ),
    }, "2024-06-30")
    expected = {
        ("staff", 2): "out_of_range", ("staff", 3): "malformed_value", ("staff", 4): "unknown_code",
        ("staff", 5): "missing_value", ("staff", 6): "impossible_date", ("staff", 7): "impossible_date",
        ("staff", 8): "malformed_value", ("staff", 9): "dates_out_of_order", ("staff", 10): "unknown_reference",
        ("staff", 12): "duplicate_key", ("clients", 3): "out_of_range",
        ("episodes", 2): "inconsistent_values", ("episodes", 3): "inconsistent_values",
        ("episodes", 4): "impossible_date", ("episodes", 5): "malformed_value",
        ("assignments", 2): "rejected_reference",
        ("contacts", 2): "malformed_line", ("contacts", 3): "malformed_line",
    }
    rejected = findings(con).filter(pl.col("severity") == REJECTED)
    assert {(t, line): check for t, line, check in rejected.select("table", "line", "check").rows()} == expected
    # The agency each row belongs to: its own, else the one of the staff row it names; none for a
    # client, an agency the extract lacks, or a line that could not be read.
    agencies = {(t, line): agency for t, line, agency in rejected.select("table", "line", "agency_id").rows()}
    assert agencies[("staff", 2)] == "A1"
    assert agencies[("staff", 12)] == "A2"
    # An assignment names an episode before a staff member: E5's agency, though S1 caused it.
    assert agencies[("assignments", 2)] == "A2"
    assert agencies[("clients", 3)] is None
    assert agencies[("contacts", 2)] is None
    assert agencies[("staff", 10)] is None


def test_what_the_loader_records_decides_before_the_reason_and_an_unknown_reason_falls_to_the_catch_all():
    rejected = pl.DataFrame(
        [
            ("staff", "fte", "1.5", "must be at most 1", None, False),
            ("staff", "fte", "x", "a rule nobody wrote yet", None, False),
            ("staff", None, "?", "a rule nobody wrote yet", None, False),
            # A line that could not be read, whatever its reason says.
            ("contacts", "mode", "K1,E1", "must be at most 1", None, True),
            # Parquet text that is not UTF-8 (its row is not a whole line of text).
            ("contacts", "mode", "\ufffd", "not UTF-8", None, False),
            # A row rejected for the rejected row it names.
            ("assignments", "staff_id", "S1", "staff_id 'S1' refers to a rejected row of staff (line 2)", 2, False),
            ("assignments", "staff_id", "S9", "staff_id 'S9' not found in staff", None, False),
        ],
        schema={"table": pl.String, "column": pl.String, "value": pl.String, "reason": pl.String,
                "cause_line": pl.Int64, "whole_line": pl.Boolean},
        orient="row",
    )
    assert rejection_checks(rejected)["check"].to_list() == [
        "out_of_range", "contract_rule", "contract_rule", "malformed_line", "malformed_line", "rejected_reference",
        "unknown_reference",
    ]


def test_the_demo_has_no_rejection_outside_the_catalogue(small_demo):
    con, _ = small_demo
    rejected = findings(con).filter(pl.col("severity") == REJECTED)
    assert rejected.height == con.execute("SELECT count(*) FROM rejects").fetchall()[0][0]
    assert "contract_rule" not in rejected["check"].to_list()


# ---------------------------------------------------------------------------
# Warnings

# Quiet caseloads, taken on Sunday 30 June 2024: the 30 days up to it run from 1 June.
QUIET = {
    "agencies": rows(AGENCIES, *(f"A{n},Agency {n},BHD,," for n in range(1, 7))),
    "staff": rows(STAFF, *(f"S{n},A1,RSC-I,1.0,2023-01-01," for n in range(1, 8))),
    "clients": clients(12),
    "episodes": rows(
        EPISODES,
        *(f"E{n},C{n},A1,RSC-I,2024-01-02 10:00,false,2024-01-02 12:00,2024-01-03,,"
          for n in (1, 2, 3, 4)),
        "E5,C5,A1,RSC-I,2024-01-02 10:00,false,2024-01-02 12:00,2024-01-03,2024-06-10,planned",
        "E6,C6,A1,RSC-I,2024-01-02 10:00,false,2024-01-02 12:00,2024-01-03,,",
        "E7,C7,A1,RSC-I,2024-01-02 10:00,false,2024-01-02 12:00,2024-01-03,,",
        "E8,C8,A2,CM,2024-01-09 10:00,false,2024-01-09 12:00,2024-01-10,,",
        "E9,C9,A3,CM,2024-06-04 10:00,false,2024-06-04 12:00,2024-06-05,,",
        "E10,C10,A4,CM,2024-01-09 10:00,false,2024-01-09 12:00,2024-01-10,2024-06-29,planned",
        "E11,C11,A5,CM,2024-01-02 10:00,false,2024-01-02 12:00,,,",
        "E12,C12,A6,CM,2024-01-09 10:00,false,2024-01-09 12:00,2024-01-10,,",
    ),
    "assignments": rows(
        ASSIGNMENTS,
        "E1,S1,2024-01-03,", "E2,S2,2024-01-03,", "E3,S3,2024-06-02,", "E4,S4,2024-01-03,2024-06-15",
        "E5,S5,2024-01-03,", "E6,S6,2024-01-03,", "E7,S7,2024-01-03,",
    ),
    "contacts": rows(
        CONTACTS,
        "K1,E1,S1,2024-05-31 09:00,client,phone",     # S1's last: 30 days before the 30th
        "K2,E1,S2,2024-06-15 09:00,client,phone",     # on S1's client, but by S2
        "K3,E2,S2,2024-06-01 09:00,client,phone",     # S2's: on the first of the 30 days
        "K4,E6,S6,2024-05-01 09:00,client,phone",
        "K5,E6,S6,2024-07-02 09:00,client,phone",     # after the extract was taken
        "K6,E8,,2024-05-31 10:00,attempt,phone",      # A2's last
        "K7,E12,,2024-06-01 10:00,attempt,phone",     # A6's: on the first of the 30 days
    ),
}


def test_staff_carrying_clients_without_a_contact_for_the_set_days(load):
    con = load(QUIET, "2024-06-30")
    # S1: last contact 31 May, exactly 30 days before; S2's client contact of S1's does not count.
    # S6: the contact of 2 July has not happened by the 30th. S7: no contact at all.
    # Not: S2 (1 June is within), S3 (carrying only from 2 June), S4 (assignment ended 15 June),
    # S5 (the episode was discharged on 10 June).
    span = "no contact recorded from 2024-06-01 to 2024-06-30"
    assert found(con, "quiet_staff") == [
        ("staff", 2, "A1", "staff_id", "S1", f"carrying 1 client(s) on 2024-06-30; {span} (last contact: 2024-05-31)"),
        ("staff", 7, "A1", "staff_id", "S6", f"carrying 1 client(s) on 2024-06-30; {span} (last contact: 2024-05-01)"),
        ("staff", 8, "A1", "staff_id", "S7", f"carrying 1 client(s) on 2024-06-30; {span} (last contact: none)"),
    ]
    # 31 days reach back to 31 May, S1's last contact.
    assert [row[4] for row in found(con, "quiet_staff", Settings(quiet_caseload_days=31))] == ["S6", "S7"]


def test_agencies_with_clients_without_a_contact_for_the_set_days(load):
    con = load(QUIET, "2024-06-30")
    # A2: enrolled client since January, last contact 31 May. Not: A1 (contacts in June), A3
    # (enrolled only on 5 June), A4 (discharged on the 29th), A5 (referred, never enrolled), A6
    # (contact on 1 June).
    assert found(con, "quiet_agency") == [
        ("agencies", 3, "A2", "agency_id", "A2",
         "1 client(s) enrolled from 2024-06-01 to 2024-06-30; no contact recorded in those days "
         "(last contact: 2024-05-31)"),
    ]
    assert found(con, "quiet_agency", Settings(quiet_caseload_days=31)) == []


def _monthly_contacts(episode: str, staff: str, counts: dict[int, int], prefix: str) -> list[str]:
    """``counts[month]`` contacts of 2024 on distinct days and hours (from the 15th in January)."""
    lines = []
    for month, count in counts.items():
        first = 15 if month == 1 else 1
        for i in range(count):
            lines.append(f"{prefix}{month}-{i},{episode},{staff},2024-{month:02d}-{first + i % 10:02d} "
                         f"{9 + i // 10:02d}:00,client,phone")
    return lines


def test_month_on_month_drops_beyond_the_set_share(load):
    # Taken on 20 June 2024: June is incomplete. The first contact is on 15 January: January is
    # incomplete too, so A1's fall from 30 to 10 in February is not compared.
    con = load({
        "agencies": rows(AGENCIES, "A1,Alpha,BHD,,", "A2,Beta,BHD,,"),
        "staff": rows(STAFF, "S1,A1,CM,1.0,2023-01-01,", "S2,A2,CM,1.0,2023-01-01,"),
        "clients": clients(2),
        "episodes": rows(EPISODES, "E1,C1,A1,CM,2024-01-02 10:00,false,2024-01-02 12:00,2024-01-03,,",
                         "E2,C2,A2,CM,2024-01-02 10:00,false,2024-01-02 12:00,2024-01-03,,"),
        "assignments": rows(ASSIGNMENTS, "E1,S1,2024-01-03,", "E2,S2,2024-01-03,"),
        "contacts": rows(CONTACTS,
                         *_monthly_contacts("E1", "S1", {1: 30, 2: 10, 3: 5, 4: 4, 5: 1, 6: 3}, "K1-"),
                         *_monthly_contacts("E2", "S2", {2: 3, 4: 2, 5: 2}, "K2-")),
    }, "2024-06-20")
    # A1: March is exactly half of February (not beyond), April a fifth fewer, May a quarter of
    # April (flagged). A2: none in March after 3 in February (flagged); June's none after May's 2
    # is not compared.
    assert found(con, "volume_drop") == [
        ("agencies", 2, "A1", None, None, "1 contact(s) in 2024-05, 4 in 2024-04"),
        ("agencies", 3, "A2", None, None, "0 contact(s) in 2024-03, 3 in 2024-02"),
    ]
    # Three quarters fewer is exactly the threshold of 0.75: only A2's fall to none is beyond it.
    assert [row[2] for row in found(con, "volume_drop", Settings(volume_drop_share=0.75))] == ["A2"]


def test_the_same_contact_twice(load):
    con = load({
        "agencies": rows(AGENCIES, "A1,Alpha,BHD,,"),
        "staff": rows(STAFF, "S1,A1,CM,1.0,2023-01-01,", "S2,A1,CM,1.0,2023-01-01,"),
        "clients": clients(2),
        "episodes": rows(EPISODES, "E1,C1,A1,CM,2024-01-02 10:00,false,2024-01-02 12:00,2024-01-03,,",
                         "E2,C2,A1,CM,2024-01-02 10:00,false,2024-01-02 12:00,2024-01-03,,"),
        "assignments": rows(ASSIGNMENTS, "E1,S1,2024-01-03,", "E2,S1,2024-01-03,"),
        "contacts": rows(
            CONTACTS,
            "K1,E1,S1,2024-05-01 10:00,client,phone",          # 2: the first
            "K2,E1,S2,2024-05-01T10:00:00,client,in_person",   # 3: the same instant, written otherwise
            "K3,E1,S1,2024-05-01 10:00,attempt,phone",         # 4: only the kind differs
            "K4,E2,S1,2024-05-01 10:00,client,phone",          # 5: another episode
            "K5,E1,S1,2024-05-01 10:01,client,phone",          # 6: a minute later
            "K6,E1,,2024-05-01 10:00,client,phone",            # 7: a third time
            "K1,E1,S1,2024-05-01 10:00,client,phone",          # 8: the same contact_id: rejected
        ),
    }, "2024-06-30")
    assert found(con, "duplicate_contact") == [
        ("contacts", 3, "A1", "contact_id", "K2", "same episode_id, contact_at and kind as line 2"),
        ("contacts", 7, "A1", "contact_id", "K6", "same episode_id, contact_at and kind as line 2"),
    ]
    assert found(con, "duplicate_key") == [
        ("contacts", 8, "A1", "contact_id", "K1", "duplicate contact_id (first on line 2)"),
    ]


FORMULAS = {
    "agencies": rows(
        AGENCIES,
        "A1,=SUM(1),BHD,Milwaukee,",     # 2
        "A2,Beta,DCTS,-East,",           # 3: the county
        "A3,@home,BHD,,",                # 4
        "A4, =x,BHD,,",                  # 5: a blank first
        "A5,Plus+One,BHD,,",             # 6: inside, not first
        "A6,\tTab,BHD,,",                # 7: a tab
        'A7,"\rReturn",BHD,,',           # 8: a carriage return, quoted
    ),
    "staff": rows(STAFF, "S1,A1,CM,1.5,2023-01-01,"),   # rejected: fte above 1
    "clients": rows(CLIENTS, "C1,,", "C2,,1800"),       # C2 rejected: no agency
    "episodes": rows(EPISODES, "E1,C1,A2,CM,2024-01-02 10:00,false,2024-01-02 12:00,2024-01-03,,"),
    "assignments": rows(ASSIGNMENTS),
    "contacts": rows(CONTACTS, "K1,E1,,2024-06-03 10:00,client,phone"),
    "incidents": rows(INCIDENTS, "I1,A2,2024-05-01,2024-05-02,+1 fall", "I2,A2,2024-05-01,2024-05-02,fall"),
}


def test_text_starting_with_a_formula_character(load):
    con = load(FORMULAS, "2024-06-30")
    detail = "{} starts with a character a spreadsheet reads as a formula"
    assert found(con, "formula_text") == [
        ("agencies", 2, "A1", "agency_name", "=SUM(1)", detail.format("agency_name")),
        ("agencies", 3, "A2", "county", "-East", detail.format("county")),
        ("agencies", 4, "A3", "agency_name", "@home", detail.format("agency_name")),
        ("agencies", 7, "A6", "agency_name", "\tTab", detail.format("agency_name")),
        ("agencies", 8, "A7", "agency_name", "\rReturn", detail.format("agency_name")),
        ("incidents", 2, "A2", "category", "+1 fall", detail.format("category")),
    ]


def test_referrals_never_assigned_after_the_set_business_days(load):
    # Taken on Tuesday 9 July 2024; Independence Day, Thursday 4 July, is no business day.
    con = load({
        "agencies": rows(AGENCIES, "A1,Alpha,BHD,,"),
        "staff": rows(STAFF, "S1,A1,CM,1.0,2023-01-01,"),
        "clients": clients(7),
        "episodes": rows(
            EPISODES,
            "E1,C1,A1,CM,2024-07-01 09:00,false,,,,",                  # 2: 2, 3, 5, 8, 9 July: 5
            "E2,C2,A1,CM,2024-07-02 09:00,false,,,,",                  # 3: 3, 5, 8, 9 July: 4
            "E3,C3,A1,CM,2024-06-03 09:00,false,,,,",                  # 4: an assignment of staff
            "E4,C4,A1,CM,2024-06-03 09:00,false,2024-07-10 09:00,,,",  # 5: assigned after the 9th
            "E5,C5,A1,CM,2024-06-03 09:00,false,2024-06-03 11:00,,,",  # 6: assigned
            "E6,C6,A1,CM,2024-06-03 09:00,true,,,,",                   # 7: its staff only from the 10th
            "E7,C7,A1,CM,2024-07-10 09:00,false,,,,",                  # 8: referred after the 9th
        ),
        "assignments": rows(ASSIGNMENTS, "E3,S1,2024-06-04,", "E6,S1,2024-07-10,"),
        "contacts": rows(CONTACTS),
    }, "2024-07-09")
    # From 3 June: 4 + 5 + 4 (Juneteenth) + 5 business days in June, then 1, 2, 3, 5, 8 and 9 July.
    assert found(con, "unassigned_referral") == [
        ("episodes", 2, "A1", "assigned_at", None,
         "referred 2024-07-01 09:00; not assigned by the end of 2024-07-09, 5 business days later"),
        ("episodes", 5, "A1", "assigned_at", "2024-07-10 09:00:00",
         "referred 2024-06-03 09:00; not assigned by the end of 2024-07-09, 24 business days later"),
        ("episodes", 7, "A1", "assigned_at", None,
         "referred 2024-06-03 09:00; not assigned by the end of 2024-07-09, 24 business days later"),
    ]
    assert [row[1] for row in found(con, "unassigned_referral", Settings(unassigned_business_days=6))] == [5, 7]


DATED_LATER = {
    "agencies": rows(AGENCIES, "A1,Alpha,BHD,,", "A2,Beta,BHD,,"),
    "staff": rows(STAFF, "S1,A1,CM,1.0,2023-01-01,",
                  "S2,A2,CM,1.0,2024-07-01,",          # 3: hired after the extract was taken
                  "S3,A1,CM,1.5,2023-01-01,"),         # 4: rejected, fte above 1
    "clients": rows(CLIENTS, "C1,,", "C2,,", "C3,,1800"),    # C3 (line 4) rejected
    "episodes": rows(EPISODES,
                     "E1,C1,A1,CM,2024-01-02 10:00,false,2024-01-02 12:00,2024-01-03,,",
                     "E2,C2,A1,CM,2024-07-02 10:00,false,2024-07-02 12:00,,,"),   # 3: two columns later
    "assignments": rows(ASSIGNMENTS, "E1,S1,2024-01-03,", "E1,S3,2024-01-03,"),   # 3: names rejected S3
    "contacts": rows(CONTACTS, "K1,E1,S1,2024-06-03 10:00,client,phone",
                     "K2,E1,S1,2024-07-03 10:00,client,phone"),                    # 3: later
}


def test_rows_dated_after_the_extract_was_taken_are_the_loaders_warnings(load):
    con = load(DATED_LATER, "2024-06-30")
    reason = "dated after the extract was taken (2024-06-30)"
    assert sorted(found(con, "dated_later")) == [
        ("contacts", 3, "A1", "contact_at", "2024-07-03 10:00:00", reason),
        ("episodes", 3, "A1", "assigned_at", "2024-07-02 12:00:00", reason),
        ("episodes", 3, "A1", "referred_at", "2024-07-02 10:00:00", reason),
        ("staff", 3, "A2", "hired_on", "2024-07-01", reason),
    ]


def test_rows_are_counted_per_agency_and_check(load):
    con = load(DATED_LATER, "2024-06-30")
    counts = {(agency, check): n for agency, check, _, n in counts_by_agency(con).rows()}
    # A1: the later contact and the later episode (two columns, one row); S3 and the assignment
    # naming it. A2: the staff member hired later. No agency: client C3. Nothing else: E1 and S1
    # have a contact in June, E2 is referred after the extract's date, no month is complete.
    assert counts == {
        ("A1", "out_of_range"): 1,
        ("A1", "rejected_reference"): 1,
        ("A1", "dated_later"): 2,
        ("A2", "dated_later"): 1,
        (None, "out_of_range"): 1,
    }
    severities = dict(counts_by_agency(con).select("check", "severity").unique().rows())
    assert severities == {"out_of_range": REJECTED, "rejected_reference": REJECTED, "dated_later": WARNING}


# ---------------------------------------------------------------------------
# The reports sent back


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_report_per_agency_and_one_for_rows_of_none(load, tmp_path):
    tables = dict(FORMULAS)
    long_line = "K9,E1,,2024-06-03 10:00,client,phone," + "x" * 600
    tables["contacts"] = tables["contacts"] + long_line + "\n"     # line 3: a value too many
    con = load(tables, "2024-06-30")
    paths = write_agency_reports(con, tmp_path / "reports")
    assert [p.name for p in paths] == [f"agency_A{n}.csv" for n in range(1, 8)] + [NO_AGENCY_FILE]
    header = ["agency_id", "severity", "check", "table", "line", "column", "value", "reason", "rule", "guidance"]
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            assert next(csv.reader(handle)) == header

    a1 = _read(tmp_path / "reports" / "agency_A1.csv")
    # Rejected rows first: S1 (fte 1.5); then its name, shown as text.
    assert [(r["severity"], r["check"], r["table"], r["line"], r["column"], r["value"]) for r in a1] == [
        ("rejected", "out_of_range", "staff", "2", "fte", "1.5"),
        ("warning", "formula_text", "agencies", "2", "agency_name", "'=SUM(1)"),
    ]
    assert a1[0]["reason"] == "must be at most 1"
    assert a1[0]["rule"] == CHECKS_BY_ID["out_of_range"].rule
    assert a1[1]["guidance"] == CHECKS_BY_ID["formula_text"].guidance

    a2 = _read(tmp_path / "reports" / "agency_A2.csv")
    assert [(r["check"], r["table"], r["line"], r["value"]) for r in a2] == [
        ("formula_text", "agencies", "3", "'-East"),
        ("formula_text", "incidents", "2", "'+1 fall"),
    ]
    a6 = _read(tmp_path / "reports" / "agency_A6.csv")
    assert [r["value"] for r in a6] == ["'\tTab"]
    assert _read(tmp_path / "reports" / "agency_A5.csv") == []     # nothing found

    none = _read(tmp_path / "reports" / NO_AGENCY_FILE)
    assert [(r["check"], r["table"], r["line"]) for r in none] == [
        ("malformed_line", "contacts", "3"), ("out_of_range", "clients", "3"),
    ]
    assert none[0]["value"] == long_line[:VALUE_MAX_CHARS] + f" ... (cut: {len(long_line)} characters in all)"
    # No cell of any file starts with a formula character.
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            for record in csv.reader(handle):
                assert not any(cell.startswith(FORMULA_STARTS) for cell in record), (path.name, record)


def test_report_files_are_named_safely_and_uniquely():
    names = report_file_names(["A1", "../etc/passwd", "a b", "a_b", "X", "x", None])
    assert names == {
        "A1": "agency_A1.csv", "../etc/passwd": "agency_.._etc_passwd.csv", "a b": "agency_a_b.csv",
        "a_b": "agency_a_b~2.csv", "X": "agency_X.csv", "x": "agency_x~2.csv", None: NO_AGENCY_FILE,
    }
