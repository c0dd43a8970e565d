"""The anonymizer: an identified export in, a contract extract out, nothing identifying left."""

from __future__ import annotations

import csv
import hashlib
import hmac
import os
from pathlib import Path

import duckdb
import pytest

from metrics.anonymize import AnonymizeError, anonymize, identifier_reason, pseudonym
from metrics.loader import database_path

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


def write_raw(folder: Path, tables: dict[str, str] = RAW) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def make_key(path: Path, data: bytes | None = None, mode: int = 0o600) -> Path:
    path.write_bytes(os.urandom(32) if data is None else data)
    os.chmod(path, mode)
    return path


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def raw(tmp_path) -> Path:
    return write_raw(tmp_path / "raw")


@pytest.fixture
def key(tmp_path) -> Path:
    # A fixed key keeps the output fixed, so a chance match of a raw value in a digest cannot make a test flaky.
    return make_key(tmp_path / "oversight.key", bytes(range(32)))


def test_no_identifier_survives_anywhere(tmp_path, raw, key):
    out = tmp_path / "extract"
    report = anonymize(raw, out, key)
    written = list(out.iterdir()) + [report.report_path]
    assert report.report_path == tmp_path / "extract-anonymize-report.txt"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{name}.csv" for name in RAW)
    for path in written:
        text = path.read_text(encoding="utf-8")
        for value in IDENTIFYING:
            assert value not in text, f"{value} found in {path.name}"


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


def test_birth_year_and_kept_values(tmp_path, raw, key):
    anonymize(raw, tmp_path / "extract", key)
    clients = read(tmp_path / "extract" / "clients.csv")
    assert [c["birth_year"] for c in clients] == ["1980", "1975"]
    assert clients[1]["family_id"] == ""
    agencies = read(tmp_path / "extract" / "agencies.csv")
    assert [(a["agency_id"], a["agency_name"]) for a in agencies] == [("A1", "Alpha Recovery"),
                                                                     ("A2", "Beta County CRS")]


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


def test_refuses_an_export_without_a_core_table(tmp_path, key):
    tables = {k: v for k, v in RAW.items() if k != "contacts"}
    with pytest.raises(AnonymizeError, match="missing core table contacts.csv"):
        anonymize(write_raw(tmp_path / "raw", tables), tmp_path / "extract", key)


def test_files_that_are_not_tables_are_not_copied(tmp_path, raw, key):
    assert identifier_reason("favourite_colour") is None
    (raw / "client_names.csv").write_text("client_id,name\nC-9001,Placeholdia Fictitia\n")
    report = anonymize(raw, tmp_path / "extract", key)
    assert report.files_skipped == ["client_names.csv"]
    assert not (tmp_path / "extract" / "client_names.csv").exists()
