"""The anonymizer: an identified export in, a contract extract out, nothing identifying left."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import re
import tempfile
import tomllib
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.cli import main
from metrics.extract.anonymize import (
    BIRTH_DATE_UNREADABLE,
    MISPLACED_QUOTE,
    AnonymizeError,
    anonymize,
    identifier_reason,
    pseudonym,
)
from metrics.extract.csvfile import UNMATCHED_QUOTE
from metrics.extract.loader import TYPE_REASONS, database_path
from metrics.policy.settings import Settings

# A synthetic identified export: every person is obviously fake.
RAW = {
    "agencies": """agency_id,agency_name,oversight,county,program_start_on,director_name,phone
A1,Alpha Recovery,BHD,Milwaukee,2019-05-01,Zebulon Fakename,414-555-0101
A2,Beta County CRS,DCTS,Dane,,Quintessa Madeup,608-555-0199
""",
    "staff": """staff_id,agency_id,first_name,last_name,email,role,fte,hired_on,separated_on
00123,A1,Testina,Nobodyson,testina.nobodyson@example.invalid,RSC-I,1.0,2024-01-01,
123,A2,Fauxbert,Imaginario,fauxbert@example.invalid,other,,2024-02-01,2025-06-30
""",
    "clients": """client_id,family_id,first_name,last_name,birth_date,ssn,mrn,street_address,city,zip,phone_home,notes
C-9001,FAM-77,Placeholdia,Fictitia,1980-07-14,900-11-2222,MRN-5550001,1 Imaginary Lane,Nowhereville,53299,414-555-0123,"Says ""hello""; relapse risk"
C-9002,,Mockington,Notreal,1975-12-03,900-33-4444,MRN-5550002,2 Pretend Road,Fakeburg,53298,414-555-0456,
""",
    "episodes": """episode_id,client_id,agency_id,service_level,referred_at,emergency,assigned_at,enrolled_on,discharged_on,discharge_type,referral_comment
EP-1,C-9001,A1,RSC-I,2024-03-01 10:00,false,2024-03-01 12:00,2024-03-02,2024-06-01,planned,Called from Mercy ward
EP-2,C-9002,A1,CM,2024-03-05T08:30:00,yes,,,,,
""",
    "assignments": """episode_id,staff_id,start_on,end_on
EP-1,00123,2024-03-02,2024-06-01
""",
    "contacts": """contact_id,episode_id,staff_id,contact_at,kind,mode,contact_notes
CT-1,EP-1,00123,2024-03-01 15:00,client,phone,Met Placeholdia at home
CT-2,EP-2,,2024-03-06 09:00,attempt,other,
""",
    "action_plans": """plan_id,agency_id,kind,source,issued_on,due_on,response_on,completed_on,parent_plan_id
PL-1,A2,plan_of_action,documentation_oversight,2024-04-01,2024-05-01,,,
PL-2,A2,corrective_action,documentation_oversight,2024-05-10,2024-06-10,,,PL-1
""",
}

IDENTIFYING = [
    "Zebulon", "Fakename", "414-555-0101", "Quintessa", "608-555-0199",
    "Testina", "Nobodyson", "example.invalid", "Fauxbert", "Imaginario",
    "Placeholdia", "Fictitia", "1980-07-14", "900-11-2222", "MRN-555", "Imaginary Lane", "Nowhereville", "53299",
    "414-555-0123", "relapse", "Mockington", "Notreal", "1975-12-03", "900-33-4444", "Pretend Road", "Fakeburg",
    "Mercy ward", "C-9001", "C-9002", "FAM-77", "EP-1", "EP-2", "CT-1", "CT-2", "PL-1", "PL-2", "00123",
]

# Identifiers planted where a column name does not give them away: inside contract columns
# (text, enums, dates, years), the manifest, a column name and a file name. Raw ids are
# spelt so that no pseudonym (prefix + hex) can contain them by chance.
PLANTED = {
    "agencies": """agency_id,agency_name,oversight,county,program_start_on,director_name,call 414-555-0188
A1,Alpha Recovery,BHD,Milwaukee,2019-05-01,Zebulon Fakename,x
A2,Beta CRS c/o Quintessa Madeup (608) 555-0199,DCTS,Dane,0000-01-01,,
A3,Gamma Services,DCTS,quintessa.madeup@example.invalid,9999-12-31,,
A4,Delta House 12 Elm St,BHD,www.deltahouse-example.org,,,
""",
    "staff": """staff_id,agency_id,first_name,email,role,fte,hired_on,separated_on
00123,A1,Testina,testina.nobodyson@example.invalid,RSC-I,1.0,2024-01-01,
123,A3,Fauxbert,fauxbert@example.invalid,Fauxbert Imaginario,,2024-02-01,2025-06-30
STF-3,A1,,,CM,414.555.0123,2024-01-01,
""",
    "clients": """client_id,family_id,first_name,last_name,birth_year,ssn,street_address,phone_home,notes
C-9001,FAM-77,Placeholdia,Fictitia,1982-02-11,900-11-2222,1 Imaginary Lane,414-555-0123,"Says ""hello""; relapse risk"
C-9002,,Mockington,Notreal,01/10/1980,900-33-4444,2 Pretend Road,+1 414 555 0456,
C-9003,FAM-77,,,1975,,,,
""",
    "episodes": """episode_id,client_id,agency_id,service_level,referred_at,emergency,assigned_at,enrolled_on,discharged_on,discharge_type,referral_comment
EP-1,C-9001,A1,RSC-I,2024-03-01 10:00,false,2024-03-01 24:00,2024-03-02,2024-06-01,"client Placeholdia moved to 12 Elm St, call 414-555-0177",Called from Mercy ward
EP-2,C-9002,A1,CM,2024-03-05T08:30:00,yes,,,,,
EP-3,C-9003,A3,RSC-F,2024-04-01 09:00,no,,2024-04-02,,,
""",
    "assignments": """episode_id,staff_id,start_on,end_on
EP-2,00123,2024-03-05,
EP-3,STF-3,2024-04-02,2024-13-45
""",
    "contacts": """contact_id,episode_id,staff_id,contact_at,kind,mode,contact_notes
CT-1,EP-2,00123,2024-03-06 15:00,client,phone,Met Placeholdia at home
CT-2,EP-2,,2024-03-06 09:00,talked to Mockington's mother,other,
CT-3,EP-3,STF-3,2024-04-03 10:00,attempt,cell 608-555-0166,
CT-4,EP-1,00123,2024-03-01 15:00,client,in_person,
""",
    "incidents": """incident_id,agency_id,occurred_on,reported_on,category,description
INC-1,A1,2024-05-01,2024-05-02,Medication Error,Gave the wrong dose to Placeholdia
INC-2,A1,2024-05-03,2024-05-03,Placeholdia Fictitia fell at 414-555-0155,
INC-3,A3,2024-05-04,2024-05-06, fall ,
INC-4,A1,2024-05-07,2024-05-08,resident punched staff,
""",
    "action_plans": """plan_id,agency_id,kind,source,issued_on,due_on,response_on,completed_on,parent_plan_id
PL-1,A3,plan_of_action,documentation_oversight,2024-04-01,2024-05-01,,,
PL-2,A3,corrective_action,complaint from mockington@example.invalid,2024-05-10,2024-06-10,,,PL-1
""",
}
PLANTED_MANIFEST = """taken_on = 2026-10-31
source = "BHD MIS, exported by Testina Nobodyson (414) 555-0144"
exported_by = "Testina Nobodyson"
"""
PLANTED_FILE = "Placeholdia Fictitia 414-555-0111.txt"

PLANTED_IDENTIFYING = [
    "Zebulon", "Fakename", "414-555-0188", "Quintessa", "Madeup", "(608) 555-0199", "example.invalid",
    "Delta House", "12 Elm", "deltahouse", "0000-01-01", "9999-12-31", "Testina", "Nobodyson", "Fauxbert",
    "Imaginario", "414.555.0123", "Placeholdia", "Fictitia", "1982-02-11", "01/10/1980", "900-11-2222",
    "Imaginary Lane", "414-555-0123", "relapse", "Mockington", "Notreal", "900-33-4444", "Pretend Road",
    "414 555 0456", "2024-03-01 24:00", "moved to", "414-555-0177", "Mercy ward", "2024-13-45", "talked to",
    "mother", "608-555-0166", "Gave the wrong dose", "fell at", "414-555-0155", "punched", "Medication Error",
    "complaint", "414) 555-0144", "414-555-0111", "C-9001", "C-9002", "C-9003", "FAM-77", "00123", "STF-3",
    "EP-1", "EP-2", "EP-3", "CT-1", "CT-2", "CT-3", "CT-4", "INC-1", "INC-2", "INC-3", "INC-4", "PL-1", "PL-2",
]

ENUM_REASON = "not one of: {}".format
RANGE_REASON = "outside 1900-01-01 to 2100-12-31"
CATEGORY_REASON = "not in the setting incident_categories"

# What the report must count for PLANTED: {table: {(column, reason): (count, first lines)}}.
PLANTED_WITHHELD = {
    "agencies": {
        ("agency_name", "contains a phone or other long number"): (1, [3]),
        ("agency_name", "contains a street address"): (1, [5]),
        ("county", "contains an e-mail address"): (1, [4]),
        ("county", "contains a web address"): (1, [5]),
        ("program_start_on", RANGE_REASON): (2, [3, 4]),
    },
    "staff": {
        ("role", ENUM_REASON("RSC-I, RSC-F, CM, other")): (1, [3]),
        ("fte", TYPE_REASONS["decimal"]): (1, [4]),
    },
    "clients": {("birth_year", TYPE_REASONS["integer"]): (2, [2, 3])},
    "episodes": {
        ("assigned_at", TYPE_REASONS["timestamp"]): (1, [2]),
        ("discharge_type", ENUM_REASON("planned, unplanned")): (1, [2]),
    },
    "assignments": {("end_on", TYPE_REASONS["date"]): (1, [3])},
    "contacts": {
        ("kind", ENUM_REASON("client, attempt, rst_meeting, collateral")): (1, [3]),
        ("mode", ENUM_REASON("in_person, phone, video, text, other")): (1, [4]),
    },
    "action_plans": {("source", ENUM_REASON("documentation_oversight, biennial_monitoring, other")): (1, [3])},
    "incidents": {("category", CATEGORY_REASON): (2, [3, 5])},
}
# Rows the loader will reject because a required value was withheld: {table: first lines}.
PLANTED_REQUIRED = {"agencies": [3, 5], "staff": [3], "contacts": [3, 4], "action_plans": [3], "incidents": [3, 5]}


def write_raw(folder: Path, tables: dict[str, str] = RAW, manifest: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    if manifest is not None:
        (folder / "extract.toml").write_text(manifest, encoding="utf-8")
    return folder


def make_key(path: Path, data: bytes | None = None, mode: int = 0o600) -> Path:
    path.write_bytes(os.urandom(32) if data is None else data)
    os.chmod(path, mode)
    return path


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def data_rows(text: str) -> int:
    return len(list(csv.reader(io.StringIO(text)))) - 1


def everything_written(out: Path, report_path: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in [*out.iterdir(), report_path]}


def withheld(report) -> dict[str, dict[tuple[str, str], tuple[int, list[int]]]]:
    return {t.table: {k: (o.count, o.first_lines) for k, o in t.withheld.items()}
            for t in report.tables if t.withheld}


@pytest.fixture
def raw(tmp_path) -> Path:
    return write_raw(tmp_path / "raw")


@pytest.fixture
def planted(tmp_path) -> Path:
    folder = write_raw(tmp_path / "planted", PLANTED, PLANTED_MANIFEST)
    (folder / PLANTED_FILE).write_text("notes\n", encoding="utf-8")
    return folder


@pytest.fixture
def key(tmp_path) -> Path:
    # A fixed key keeps the output fixed, so a chance match of a raw value in a digest cannot make a test flaky.
    return make_key(tmp_path / "oversight.key", bytes(range(32)))


def test_no_identifier_survives_anywhere(tmp_path, raw, key):
    out = tmp_path / "extract"
    report = anonymize(raw, out, key)
    assert report.report_path == tmp_path / "extract-anonymize-report.txt"
    assert sorted(p.name for p in out.iterdir()) == sorted([*(f"{name}.csv" for name in RAW), "extract.toml"])
    for name, text in everything_written(out, report.report_path).items():
        for value in IDENTIFYING:
            assert value not in text, f"{value} found in {name}"
    assert report.withheld == 0


def test_columns_kept_are_the_contracts_and_the_report_says_what_was_dropped(tmp_path, raw, key):
    report = anonymize(raw, tmp_path / "extract", key)
    clients = read(tmp_path / "extract" / "clients.csv")
    assert list(clients[0]) == ["client_id", "family_id", "birth_year"]
    assert list(read(tmp_path / "extract" / "staff.csv")[0]) == [
        "staff_id", "agency_id", "role", "fte", "hired_on", "separated_on"]
    by_table = {t.table: t for t in report.tables}
    dropped = dict(by_table["clients"].columns_dropped)
    assert dropped["first_name"] == dropped["last_name"] == "direct identifier (name)"
    assert dropped["ssn"] == "direct identifier (social security number)"
    assert dropped["mrn"] == "direct identifier (record or account number)"
    assert dropped["street_address"] == dropped["city"] == dropped["zip"] == "direct identifier (address)"
    assert dropped["phone_home"] == "direct identifier (phone number)"
    assert dropped["notes"] == "direct identifier (free text)"
    assert dropped["birth_date"] == "reduced to birth_year"
    assert by_table["clients"].birth_dates_reduced == 2
    assert by_table["clients"].pseudonymised == ["client_id", "family_id"]
    assert dict(by_table["episodes"].columns_dropped) == {"referral_comment": "direct identifier (free text)"}
    assert dict(by_table["agencies"].columns_dropped) == {
        "director_name": "direct identifier (name)", "phone": "direct identifier (phone number)"}
    assert by_table["action_plans"].pseudonymised == ["plan_id", "parent_plan_id"]
    text = report.report_path.read_text(encoding="utf-8")
    assert "dropped ssn: direct identifier (social security number)" in text
    assert "birth_date reduced to birth_year: 2 rows" in text
    assert text.endswith("nothing withheld.\n")


def test_birth_year_and_kept_values(tmp_path, raw, key):
    anonymize(raw, tmp_path / "extract", key)
    clients = read(tmp_path / "extract" / "clients.csv")
    assert [c["birth_year"] for c in clients] == ["1980", "1975"]
    assert clients[1]["family_id"] == ""
    agencies = read(tmp_path / "extract" / "agencies.csv")
    assert [(a["agency_id"], a["agency_name"]) for a in agencies] == [("A1", "Alpha Recovery"),
                                                                     ("A2", "Beta County CRS")]


def test_birth_dates_that_are_not_real_dates_are_withheld_and_counted(tmp_path, key):
    clients = """client_id,birth_date
C1,1980-07-14 00:00:00
C2,7/4/1976
C3,1980-02-30
C4,0000-01-01
C5,14/07/1980
C6,1850-01-01
C7,
"""
    report = anonymize(write_raw(tmp_path / "raw", {**RAW, "clients": clients}), tmp_path / "extract", key)
    assert [c["birth_year"] for c in read(tmp_path / "extract" / "clients.csv")] == [
        "1980", "1976", "", "", "", "", ""]
    table = next(t for t in report.tables if t.table == "clients")
    assert table.birth_dates_reduced == 3
    assert withheld(report) == {"clients": {
        ("birth_year", BIRTH_DATE_UNREADABLE): (3, [4, 5, 6]),
        ("birth_year", "must be at least 1900"): (1, [7]),
    }}


def test_pseudonyms_are_keyed_hmacs_stable_for_a_key_and_different_for_another(tmp_path, raw, key):
    anonymize(raw, tmp_path / "one", key)
    anonymize(raw, tmp_path / "two", key)
    anonymize(raw, tmp_path / "three", make_key(tmp_path / "other.key", bytes(range(1, 33))))
    one, two, three = (read(tmp_path / name / "clients.csv") for name in ("one", "two", "three"))
    assert one == two
    assert [c["client_id"] for c in one] != [c["client_id"] for c in three]
    expected = "C-" + hmac.new(key.read_bytes(), b"client_id:C-9001", hashlib.sha256).hexdigest()[:16]
    assert one[0]["client_id"] == expected == pseudonym(key.read_bytes(), "client_id", "C-9001")


def test_foreign_keys_still_match_and_the_extract_loads_without_rejects(tmp_path, raw, key, cache):
    out = tmp_path / "extract"
    anonymize(raw, out, key)
    con = duckdb.connect(str(database_path(out)), read_only=True)
    assert con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("agencies", "staff", "clients", "episodes", "assignments", "contacts", "action_plans")}
    assert counts == {"agencies": 2, "staff": 2, "clients": 2, "episodes": 2, "assignments": 1, "contacts": 2,
                      "action_plans": 2}
    joined = con.execute("""
        SELECT count(*) FROM contacts k JOIN episodes e USING (episode_id) JOIN clients c USING (client_id)
        JOIN assignments a ON a.episode_id = e.episode_id AND a.staff_id = k.staff_id""").fetchone()[0]
    assert joined == 1
    parent = con.execute("SELECT count(*) FROM action_plans a JOIN action_plans p ON a.parent_plan_id = p.plan_id"
                         ).fetchone()[0]
    assert parent == 1


def test_leading_zeros_are_kept_before_hashing(tmp_path, raw, key):
    anonymize(raw, tmp_path / "extract", key)
    staff = read(tmp_path / "extract" / "staff.csv")
    k = key.read_bytes()
    assert [s["staff_id"] for s in staff] == [pseudonym(k, "staff_id", "00123"), pseudonym(k, "staff_id", "123")]
    assert staff[0]["staff_id"] != staff[1]["staff_id"]


def test_same_value_in_two_families_gets_two_pseudonyms(key):
    k = key.read_bytes()
    assert pseudonym(k, "client_id", "7")[2:] != pseudonym(k, "staff_id", "7")[2:]


# ---------------------------------------------------------------------------
# Identifiers inside values


def test_planted_identifiers_reach_no_output(tmp_path, planted, key, capsys):
    out = tmp_path / "extract"
    status = main(["anonymize", "--in", str(planted), "--out", str(out), "--key-file", str(key)])
    captured = capsys.readouterr()
    assert status == 1
    written = everything_written(out, tmp_path / "extract-anonymize-report.txt")
    written |= {"stdout": captured.out, "stderr": captured.err}
    for name, text in written.items():
        for value in PLANTED_IDENTIFYING:
            assert value not in text, f"{value} found in {name}"


def test_withheld_values_are_counted_by_table_column_and_reason_and_the_rows_kept(tmp_path, planted, key):
    out = tmp_path / "extract"
    report = anonymize(planted, out, key)
    assert withheld(report) == PLANTED_WITHHELD
    assert {t.table: t.required_withheld.first_lines for t in report.tables if t.required_withheld.count} == \
        PLANTED_REQUIRED
    assert report.withheld == sum(count for table in PLANTED_WITHHELD.values() for count, _ in table.values()) + 1
    for name, text in PLANTED.items():
        assert len(read(out / f"{name}.csv")) == data_rows(text), name
    assert [t.rows for t in report.tables] == [data_rows(PLANTED[t.table]) for t in report.tables]
    agencies = read(out / "agencies.csv")
    assert [(a["agency_name"], a["county"], a["program_start_on"]) for a in agencies] == [
        ("Alpha Recovery", "Milwaukee", "2019-05-01"), ("", "Dane", ""), ("Gamma Services", "", ""), ("", "", "")]
    assert [c["birth_year"] for c in read(out / "clients.csv")] == ["", "", "1975"]
    # Compared ignoring case and blanks, written as the setting spells it.
    assert [i["category"] for i in read(out / "incidents.csv")] == ["medication error", "", "fall", ""]
    text = report.report_path.read_text(encoding="utf-8")
    assert "withheld agency_name, contains a street address: 1 (line 5)" in text
    assert "withheld program_start_on, outside 1900-01-01 to 2100-12-31: 2 (lines 3, 4)" in text
    assert "rows the loader will reject, a required value being withheld: 2 (lines 3, 5)" in text
    assert "source withheld: contains a phone or other long number; not carried over: exported_by" in text
    assert "dropped (name withheld, it contains a phone or other long number): not in the contract" in text
    assert "files not copied (not a table of the contract): (name withheld, it contains a phone" in text


def test_the_extract_of_planted_values_loads_with_the_rows_the_report_announced_rejected(tmp_path, planted, key,
                                                                                            cache):
    out = tmp_path / "extract"
    anonymize(planted, out, key)
    con = duckdb.connect(str(database_path(out)), read_only=True)
    tables = list(PLANTED)
    accepted = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    rejected = dict(con.execute('SELECT "table", count(*) FROM rejects GROUP BY ALL').fetchall())
    # agencies: A2 and A4 lost agency_name. staff: 123 lost its role (STF-3 lost fte, which
    # defaults). episodes: EP-1 lost discharge_type, required with discharged_on. contacts:
    # CT-2 and CT-3 lost kind and mode, CT-4 refers to EP-1. incidents: INC-2 and INC-4 lost
    # their category. action_plans: PL-2 lost its source.
    assert accepted == {"agencies": 2, "staff": 2, "clients": 3, "episodes": 2, "assignments": 2, "contacts": 1,
                        "incidents": 2, "action_plans": 1}
    assert rejected == {"agencies": 2, "staff": 1, "episodes": 1, "contacts": 3, "incidents": 2, "action_plans": 1}
    assert con.execute("SELECT fte FROM staff ORDER BY line").fetchall() == [(1.0,), (1.0,)]


def test_incident_categories_come_from_the_setting(tmp_path, key):
    incidents = """incident_id,agency_id,occurred_on,reported_on,category
INC-1,A1,2024-05-01,2024-05-02,FALL
INC-2,A1,2024-05-01,2024-05-02,Slip  And Trip
INC-3,A1,2024-05-01,2024-05-02,medication error
"""
    report = anonymize(write_raw(tmp_path / "raw", {**RAW, "incidents": incidents}), tmp_path / "extract", key,
                       settings=Settings(incident_categories=("fall", "slip and trip")))
    assert [i["category"] for i in read(tmp_path / "extract" / "incidents.csv")] == ["fall", "slip and trip", ""]
    assert withheld(report) == {"incidents": {("category", CATEGORY_REASON): (1, [4])}}


def test_the_extract_holds_the_values_as_checked_without_spreadsheet_apostrophes(tmp_path, key):
    agencies = """agency_id,agency_name,oversight,county,program_start_on
A1,"=Alpha, ""The"" Recovery",BHD,-Milwaukee,2019-05-01
A2,+Beta CRS,DCTS,@Dane,
"""
    out = tmp_path / "extract"
    anonymize(write_raw(tmp_path / "raw", {**RAW, "agencies": agencies}), out, key)
    assert (out / "agencies.csv").read_bytes() == (
        b'agency_id,agency_name,oversight,county,program_start_on\n'
        b'A1,"=Alpha, ""The"" Recovery",BHD,-Milwaukee,2019-05-01\n'
        b'A2,+Beta CRS,DCTS,@Dane,\n')


# ---------------------------------------------------------------------------
# Lines that cannot be read


def test_a_stray_quote_costs_its_line_only_and_bad_lines_are_counted(tmp_path, key):
    assignments = (
        b"episode_id,staff_id,start_on,end_on,note\r\n"
        b"EP-1,00123,2024-03-02,2024-06-01,ok\r\n"
        b'EP-1,"00123,2024-03-03,,Placeholdia\r\n'  # line 3: a quote never closed as a value
        b"\r\n"
        b"EP-1,00123,2024-03-04,,\xffPlaceholdia\r\n"  # line 5: not UTF-8
        b"EP-1,00123,2024-03-05,\r\n"  # line 6: a cell short
        b'EP-1,0"0"123,2024-03-06,,ok\r\n'  # line 7: quotes inside a value are characters
        b'EP-1,00123,2024-03-07,,"two\r\nlines"\r\n'  # lines 8-9: one record
        b'EP-1,"001"23,2024-03-08,,\r\n'  # line 10: text after a closing quote
        b"   \r\n"  # line 11: spaces only, a blank line
        b'EP-1,00123,2024-03-09,,"Placeholdia\r\n'  # line 12: the last quote, never closed
        b"EP-1,00123,2024-03-10,,\r\n"
    )
    raw = write_raw(tmp_path / "raw", {k: v for k, v in RAW.items() if k != "assignments"})
    (raw / "assignments.csv").write_bytes(assignments)
    out = tmp_path / "extract"
    report = anonymize(raw, out, key)
    rows = read(out / "assignments.csv")
    assert [r["start_on"] for r in rows] == ["2024-03-02", "2024-03-06", "2024-03-07", "2024-03-10"]
    assert rows[1]["staff_id"] == pseudonym(key.read_bytes(), "staff_id", '0"0"123')
    table = next(t for t in report.tables if t.table == "assignments")
    assert {reason: (o.count, o.first_lines) for reason, o in table.lines_not_copied.items()} == {
        UNMATCHED_QUOTE: (2, [3, 12]), "not UTF-8 (byte 0xFF)": (1, [5]),
        "malformed line: expected 5 values, found 4": (1, [6]), MISPLACED_QUOTE: (1, [10])}
    assert table.blank_lines == 2
    assert (table.multiline_records.count, table.multiline_records.first_lines) == (1, [8])
    assert report.withheld == 5
    text = report.report_path.read_text(encoding="utf-8")
    assert 'line not copied, unmatched quote ("): 2 (lines 3, 12)' in text
    assert "blank lines skipped: 2" in text
    assert "Placeholdia" not in text + (out / "assignments.csv").read_text(encoding="utf-8")


def test_two_stray_quotes_do_not_swallow_the_lines_between_them(tmp_path, key):
    assignments = """episode_id,staff_id,start_on,end_on
EP-1,"00123,2024-03-02,
EP-1,00123,2024-03-03,
EP-1,00123,2024-03-04,
EP-1,00123,2024-03-05",
EP-1,00123,2024-03-06,
"""
    # Lines 2 to 5 would make a record of 3 cells, not 4: each stray quote costs its own line.
    report = anonymize(write_raw(tmp_path / "raw", {**RAW, "assignments": assignments}), tmp_path / "extract", key)
    assert [r["start_on"] for r in read(tmp_path / "extract" / "assignments.csv")] == [
        "2024-03-03", "2024-03-04", "2024-03-06"]
    table = next(t for t in report.tables if t.table == "assignments")
    assert {reason: o.first_lines for reason, o in table.lines_not_copied.items()} == {UNMATCHED_QUOTE: [2, 5]}


# ---------------------------------------------------------------------------
# Parquet, the manifest, refusals


def test_parquet_tables_are_read_and_written_as_csv(tmp_path, key):
    raw = write_raw(tmp_path / "raw", {k: v for k, v in RAW.items() if k != "clients"})
    pl.DataFrame({
        "client_id": ["C-9001", "C-9002", "C-9003"],
        "first_name": ["Placeholdia", "Mockington", None],
        "birth_date": [date(1980, 7, 14), date(1975, 12, 3), None],
    }).write_parquet(raw / "clients.parquet")
    pl.DataFrame({
        "episode_id": ["EP-1", "EP-1"],
        "plan_kind": ["final", "Placeholdia at 414-555-0123"],
        "completed_on": [date(2024, 3, 20), date(2024, 3, 21)],
        "safety_plan": [True, None],
    }).write_parquet(raw / "care_plans.parquet")
    out = tmp_path / "extract"
    report = anonymize(raw, out, key)
    k = key.read_bytes()
    assert read(out / "clients.csv") == [
        {"client_id": pseudonym(k, "client_id", "C-9001"), "birth_year": "1980"},
        {"client_id": pseudonym(k, "client_id", "C-9002"), "birth_year": "1975"},
        {"client_id": pseudonym(k, "client_id", "C-9003"), "birth_year": ""}]
    assert read(out / "care_plans.csv") == [
        {"episode_id": pseudonym(k, "episode_id", "EP-1"), "plan_kind": "final", "completed_on": "2024-03-20",
         "safety_plan": "true"},
        {"episode_id": pseudonym(k, "episode_id", "EP-1"), "plan_kind": "", "completed_on": "2024-03-21",
         "safety_plan": ""}]
    # A Parquet row's line is its position, the first row being 1.
    assert withheld(report) == {"care_plans": {
        ("plan_kind", ENUM_REASON("preliminary, final, review")): (1, [2])}}
    assert "care_plans (care_plans.parquet): 2 rows written" in report.report_path.read_text(encoding="utf-8")
    assert not (out / "clients.parquet").exists()
    for name, text in everything_written(out, report.report_path).items():
        for value in ("Placeholdia", "Mockington", "414-555-0123", "1980-07-14", "C-9001", "EP-1"):
            assert value not in text, f"{value} found in {name}"


def test_parquet_text_stored_as_bytes_is_read_as_utf8_and_a_row_that_is_not_is_not_copied(tmp_path, key):
    raw = write_raw(tmp_path / "raw", {k: v for k, v in RAW.items() if k != "agencies"})
    pa_table = pa.table({
        "agency_id": pa.array([b"A1", b"A2", b"A3"], pa.binary()),
        "agency_name": pa.array(["Caf\u00e9 Recovery".encode(), b"Beta County CRS", b"Gamma \xff CRS"], pa.binary()),
        "oversight": ["BHD", "DCTS", "DCTS"],
    })
    pq.write_table(pa_table, raw / "agencies.parquet")
    report = anonymize(raw, tmp_path / "extract", key)
    # Read as text, not as DuckDB's rendering of bytes (Caf\xC3\xA9); row 3 cannot be read.
    assert read(tmp_path / "extract" / "agencies.csv") == [
        {"agency_id": "A1", "agency_name": "Caf\u00e9 Recovery", "oversight": "BHD"},
        {"agency_id": "A2", "agency_name": "Beta County CRS", "oversight": "DCTS"}]
    (table,) = [t for t in report.tables if t.table == "agencies"]
    assert {reason: (o.count, o.first_lines) for reason, o in table.lines_not_copied.items()} == {"not UTF-8": (1, [3])}


def test_a_table_given_as_csv_and_parquet_is_refused(tmp_path, raw, key):
    pl.read_csv(raw / "staff.csv", infer_schema=False).write_parquet(raw / "staff.parquet")
    with pytest.raises(AnonymizeError, match=r"table staff is given twice \(staff.csv and staff.parquet\)"):
        anonymize(raw, tmp_path / "extract", key)
    assert not (tmp_path / "extract").exists()


@pytest.mark.parametrize(("manifest", "taken_on", "expected", "origin"), [
    ("taken_on = 2026-10-31\n", date(2026, 11, 2), date(2026, 11, 2), "given with --taken-on"),
    ("taken_on = 2026-10-31\n", None, date(2026, 10, 31), "from the export's extract.toml"),
    ('taken_on = "2026-10-30"\n', None, date(2026, 10, 30), "from the export's extract.toml"),
    (None, None, date.today(), "the day of anonymizing"),
])
def test_the_manifest_takes_its_date_from_the_option_the_export_or_today(tmp_path, key, manifest, taken_on,
                                                                         expected, origin):
    raw = write_raw(tmp_path / "raw", RAW, manifest)
    report = anonymize(raw, tmp_path / "extract", key, taken_on=taken_on)
    assert tomllib.loads((tmp_path / "extract" / "extract.toml").read_text(encoding="utf-8")) == {
        "taken_on": expected}
    assert (report.manifest.taken_on, report.manifest.taken_on_from) == (expected, origin)


def test_the_manifest_carries_a_source_without_contact_details(tmp_path, key):
    raw = write_raw(tmp_path / "raw", RAW, 'taken_on = 2026-10-31\nsource = "BHD \\"MIS\\" \\\\ nightly"\n')
    report = anonymize(raw, tmp_path / "extract", key)
    assert tomllib.loads((tmp_path / "extract" / "extract.toml").read_text(encoding="utf-8")) == {
        "taken_on": date(2026, 10, 31), "source": 'BHD "MIS" \\ nightly'}
    assert report.manifest.source == "carried over"
    assert report.withheld == 0


def test_cli_exit_status_says_what_happened(tmp_path, raw, planted, key, capsys):
    run = ["anonymize", "--key-file", str(key), "--taken-on", "2026-10-31"]
    assert main([*run, "--in", str(raw), "--out", str(tmp_path / "clean")]) == 0
    assert "nothing withheld." in capsys.readouterr().out
    assert tomllib.loads((tmp_path / "clean" / "extract.toml").read_text(encoding="utf-8")) == {
        "taken_on": date(2026, 10, 31)}
    assert main([*run, "--in", str(planted), "--out", str(tmp_path / "planted-extract")]) == 1
    assert "withheld: 18 values, 0 lines, the source in extract.toml" in capsys.readouterr().out
    assert main([*run, "--in", str(tmp_path / "absent"), "--out", str(tmp_path / "none")]) == 2
    assert "absent: not a folder" in capsys.readouterr().err


@pytest.mark.parametrize(("file", "content", "message"), [
    # The first line is data, not a header: the names it would give are not repeated.
    ("clients.csv", "C-9001,Placeholdia Fictitia,414-555-0123\n",
     "clients.csv: missing required column client_id"),
    ("clients.csv", '"Placeholdia,client_id\n', r"clients.csv: line 1 \(the header\), column 1: unmatched quote"),
    ("clients.csv", "client_id,client_id\nC-9001,Placeholdia\n", "clients.csv: column given twice: client_id"),
    ("clients.csv", "", "clients.csv: the file is empty"),
    ("clients.csv", b"client_id,\xff\n", r"clients.csv: line 1 \(the header\), column 2: not UTF-8"),
    ("extract.toml", 'source = "Placeholdia 414-555-0123\n', r"extract.toml: not a readable TOML file \(line 1, column \d+\)"),
    ("extract.toml", 'taken_on = "Placeholdia"\n', "extract.toml: taken_on is not a date"),
    ("extract.toml", "taken_on = 1899-12-31\n", "outside 1900-01-01 to 2100-12-31"),
    ("care_plans.parquet", "Placeholdia 414-555-0123\n", "care_plans.parquet: cannot be read as Parquet"),
])
def test_what_cannot_be_anonymized_stops_with_one_message_and_no_value(tmp_path, raw, key, capsys, file, content,
                                                                       message):
    (raw / file).write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / "extract"
    assert main(["anonymize", "--in", str(raw), "--out", str(out), "--key-file", str(key)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1
    assert captured.err.startswith("error: ")
    assert re.search(message, captured.err)
    for value in ("Placeholdia", "Fictitia", "414-555-0123", "C-9001"):
        assert value not in captured.err
    assert not out.exists()


def test_refuses_without_a_key(tmp_path, raw):
    with pytest.raises(AnonymizeError, match="no key file.*head -c 32 /dev/urandom"):
        anonymize(raw, tmp_path / "extract", tmp_path / "missing.key")
    assert not (tmp_path / "extract").exists()


def test_refuses_an_empty_key(tmp_path, raw):
    with pytest.raises(AnonymizeError, match="empty"):
        anonymize(raw, tmp_path / "extract", make_key(tmp_path / "k", b""))


def test_refuses_a_short_key(tmp_path, raw):
    with pytest.raises(AnonymizeError, match="at least 32 bytes"):
        anonymize(raw, tmp_path / "extract", make_key(tmp_path / "k", b"x" * 31))


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_refuses_a_key_others_can_read(tmp_path, raw, mode):
    with pytest.raises(AnonymizeError, match="chmod 600"):
        anonymize(raw, tmp_path / "extract", make_key(tmp_path / "k", mode=mode))
    assert not (tmp_path / "extract").exists()


def test_refuses_a_folder_that_is_not_empty(tmp_path, raw, key):
    out = tmp_path / "extract"
    out.mkdir()
    (out / "clients.csv").write_text("stale\n")
    with pytest.raises(AnonymizeError, match="new or empty"):
        anonymize(raw, out, key)


def test_writes_into_an_empty_folder(tmp_path, raw, key):
    out = tmp_path / "extract"
    out.mkdir()
    anonymize(raw, out, key)
    assert (out / "clients.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["extract", "extract-anonymize-report.txt", "oversight.key",
                                                          "raw"]


def test_refuses_an_export_without_a_core_table(tmp_path, key):
    tables = {k: v for k, v in RAW.items() if k != "contacts"}
    with pytest.raises(AnonymizeError, match="missing core table contacts.csv"):
        anonymize(write_raw(tmp_path / "raw", tables), tmp_path / "extract", key)


def test_files_that_are_not_tables_are_not_copied(tmp_path, raw, key):
    assert identifier_reason("favourite_colour") is None
    (raw / "client_names.csv").write_text("client_id,name\nC-9001,Placeholdia Fictitia\n")
    (raw / "clients.xlsx").write_bytes(b"PK")
    report = anonymize(raw, tmp_path / "extract", key)
    assert report.files_skipped == ["client_names.csv", "clients.xlsx"]
    assert not (tmp_path / "extract" / "client_names.csv").exists()


# ---------------------------------------------------------------------------
# Whatever is planted, wherever: nothing of it comes out

NAMES = st.from_regex(r"[A-Z][a-z]{5,9}", fullmatch=True)


def _digits(count: int):
    return st.text("0123456789", min_size=count, max_size=count)


PHONES = st.one_of(
    st.builds("({}) {}-{}".format, _digits(3), _digits(3), _digits(4)),
    st.builds("{}-{}-{}".format, _digits(3), _digits(3), _digits(4)),
    st.builds("{}.{}.{}".format, _digits(3), _digits(3), _digits(4)),
    st.builds("+1 {} {} {}".format, _digits(3), _digits(3), _digits(4)),
    st.builds("{}-{}".format, _digits(3), _digits(4)),
)
EMAILS = st.builds("{}.{}@{}.{}".format, NAMES, NAMES, NAMES, st.sampled_from(["org", "com", "example", "net"]))
STREETS = st.builds("{} {} {}".format, st.integers(1, 99999), NAMES,
                    st.sampled_from(["St", "Street", "Ave", "Road", "Rd", "Lane", "Blvd", "Drive", "Ct"]))
US_BIRTH_DATES = st.dates(date(1900, 1, 1), date(2020, 12, 31)).map(lambda d: d.strftime("%m/%d/%Y"))
IDENTIFIERS = st.one_of(PHONES, EMAILS, STREETS, US_BIRTH_DATES)


# The raw export the property plants into: RAW and an incidents table, so that every text
# column of the contract is there.
PROPERTY_RAW = {**RAW, "incidents": """incident_id,agency_id,occurred_on,reported_on,category,description
INC-1,A1,2024-05-01,2024-05-02,fall,
INC-2,A2,2024-05-03,2024-05-04,Medication error,
"""}
# (table, column): the manifest's source counts as a column of its own. agency_id is kept as
# given (an organisation's code), so it is no place to plant.
EVERY_COLUMN = [("manifest", "source")] + [
    (table, column) for table, text in PROPERTY_RAW.items() for column in text.partition("\n")[0].split(",")
    if column != "agency_id"]
FREE_WORDS = [("manifest", "source"), ("agencies", "agency_name"), ("agencies", "county"), ("incidents", "category")]


@st.composite
def plantings(draw):
    """(what is planted, the parts that must not come out, where: table, row, column)."""
    identifier = draw(IDENTIFIERS)
    name = draw(NAMES)
    planted = draw(st.sampled_from([identifier, f"{name} {identifier}", f"call {name} at {identifier} today"]))
    parts = [identifier] + ([name] if name in planted else [])
    # Half the time a column that takes free words, where only the contact details give a value away.
    table, column = draw(st.one_of(st.sampled_from(FREE_WORDS), st.sampled_from(EVERY_COLUMN)))
    rows = 1 if table == "manifest" else data_rows(PROPERTY_RAW[table])
    return planted, parts, (table, draw(st.integers(0, rows - 1)), column)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(plantings(), min_size=1, max_size=3))
def test_property_nothing_planted_ever_comes_out(plantings_made):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        tables = {name: list(csv.reader(io.StringIO(text))) for name, text in PROPERTY_RAW.items()}
        source = "BHD MIS"
        for planted, _, (table, row, column) in plantings_made:
            if table == "manifest":
                source = planted
                continue
            header = tables[table][0]
            tables[table][row + 1][header.index(column)] = planted
        texts = {}
        for name, rows in tables.items():
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(rows)
            texts[name] = buffer.getvalue()
        escaped = source.replace("\\", "\\\\").replace('"', '\\"')
        raw = write_raw(root / "raw", texts, f'taken_on = 2026-10-31\nsource = "{escaped}"\n')
        key = make_key(root / "key", bytes(range(32)))
        report = anonymize(raw, root / "extract", key)
        written = everything_written(root / "extract", report.report_path)
        written["report returned"] = report.text()
        for _, parts, where in plantings_made:
            for part in parts:
                for name, text in written.items():
                    assert part not in text, f"{part!r} planted in {where} found in {name}"
