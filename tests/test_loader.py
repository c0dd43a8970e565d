"""Every rule of the extract contract, on hand-made extracts of a few rows."""

from __future__ import annotations

import datetime as dt
import os
import re
import time

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from metrics.extract.csvfile import MAX_LINE_BYTES
from metrics.extract.loader import ExtractError, database_path
from tests.conftest import BAD_AGENCY_CASCADE, BASE_TABLES, PLAN_CHAIN, rejects, write_extract

# The base extract's first added row lands on this line of its file (header + rows).
NEXT_LINE = {name: text.count("\n") + 1 for name, text in BASE_TABLES.items()}


def test_valid_extract_is_accepted_whole_with_types(build):
    con = build()
    assert rejects(con) == []
    report = {r[0]: r[1:] for r in con.execute(
        'SELECT "table", rows_read, accepted, rejected FROM load_report').fetchall()}
    assert report["episodes"] == (2, 2, 0)
    assert report["care_plans"] == (0, 0, 0)
    # fte defaults to 1.0 when empty; a timestamp with T parses; yes/false are booleans.
    assert con.execute("SELECT fte FROM staff WHERE staff_id = 'S2'").fetchall() == [(1.0,)]
    assert con.execute("SELECT referred_at, emergency FROM episodes ORDER BY episode_id").fetchall() == [
        (dt.datetime(2024, 3, 1, 10, 0), False),
        (dt.datetime(2024, 3, 5, 8, 30), True),
    ]
    assert con.execute("SELECT line FROM contacts ORDER BY line").fetchall() == [(2,), (3,)]


def test_ids_are_trimmed_and_case_sensitive(build):
    con = build(extra_rows={"clients": ["  C3 ,,1990", "c1,,1990"]})
    assert rejects(con) == []
    ids = [r[0] for r in con.execute("SELECT client_id FROM clients ORDER BY line").fetchall()]
    assert ids == ["C1", "C2", "C3", "c1"]


@pytest.mark.parametrize("value", ["2024-03-01T10:00", "2024-03-01 10:00:59", "2024-03-01T10:00:00.250"])
def test_timestamp_forms_accepted(build, value):
    con = build(extra_rows={"contacts": [f"K9,E1,S1,{value},client,video"]})
    assert rejects(con) == []


@pytest.mark.parametrize("word,expected", [("T", True), ("Y", True), ("1", True), ("No", False),
                                           ("f", False), ("0", False), ("TRUE", True)])
def test_boolean_words(build, word, expected):
    con = build(extra_rows={"episodes": [f"E9,C1,A1,CM,2024-04-01 10:00,{word},,,,"]})
    assert rejects(con) == []
    assert con.execute("SELECT emergency FROM episodes WHERE episode_id = 'E9'").fetchall() == [(expected,)]


BAD_VALUES = [
    # (table, row, column, value, words in the reason)
    ("agencies", "A9,,BHD,,", "agency_name", None, "required value is empty"),
    ("agencies", "  ,Name,BHD,,", "agency_id", "  ", "required value is empty"),
    ("agencies", "A9,Name,bhd,,", "oversight", "bhd", "not one of: BHD, DCTS"),
    ("agencies", "A9,Name,BHD,,2024-02-30", "program_start_on", "2024-02-30", "not a date"),
    ("agencies", "A9,Name,BHD,,03/15/2024", "program_start_on", "03/15/2024", "not a date"),
    ("agencies", "A9,Name,BHD,,2024-3-5", "program_start_on", "2024-3-5", "not a date"),
    ("staff", "S9,A1,RSC,1.0,2024-01-01,", "role", "RSC", "not one of"),
    ("staff", "S9,A1,CM,0,2024-01-01,", "fte", "0", "must be greater than 0"),
    ("staff", "S9,A1,CM,1.5,2024-01-01,", "fte", "1.5", "must be at most 1"),
    ("staff", "S9,A1,CM,\"0,5\",2024-01-01,", "fte", "0,5", "not a decimal"),
    ("staff", "S9,A1,CM,0.5.1,2024-01-01,", "fte", "0.5.1", "not a decimal"),
    ("staff", "S9,A1,CM,1,,", "hired_on", None, "required value is empty"),
    ("clients", "C9,,1850", "birth_year", "1850", "must be at least 1900"),
    ("clients", "C9,,19x0", "birth_year", "19x0", "not a whole number"),
    ("episodes", "E9,C1,A1,rsc-i,2024-04-01 10:00,no,,,,", "service_level", "rsc-i", "not one of"),
    ("episodes", "E9,C1,A1,CM,2024-04-01T10:00:00-06:00,no,,,,", "referred_at",
     "2024-04-01T10:00:00-06:00", "no offset"),
    ("episodes", "E9,C1,A1,CM,2024-04-01 25:00,no,,,,", "referred_at", "2024-04-01 25:00", "not a timestamp"),
    ("episodes", "E9,C1,A1,CM,2024-04-01,no,,,,", "referred_at", "2024-04-01", "not a timestamp"),
    ("episodes", "E9,C1,A1,CM,2024-04-01 10:00,maybe,,,,", "emergency", "maybe", "not a boolean"),
    ("episodes", "E9,C1,A1,CM,2024-04-01 10:00,,,,,", "emergency", None, "required value is empty"),
    ("episodes", "E9,C1,A1,CM,2024-04-01 10:00,no,,2024-04-02,2024-05-01,transferred", "discharge_type",
     "transferred", "not one of: planned, unplanned"),
    ("contacts", "K9,E1,S1,2024-03-02 10:00,visit,phone", "kind", "visit", "not one of"),
    ("contacts", "K9,E1,S1,2024-03-02 10:00,client,email", "mode", "email", "not one of"),
]


@pytest.mark.parametrize("table,row,column,value,reason", BAD_VALUES)
def test_bad_value_rejected_with_line_column_value_reason(build, table, row, column, value, reason):
    con = build(extra_rows={table: [row]})
    [(rejected_table, line, rejected_column, rejected_value, text)] = rejects(con)
    assert (rejected_table, line, rejected_column, rejected_value) == (table, NEXT_LINE[table], column, value)
    assert reason in text


def test_birth_year_after_the_current_year_rejected(build):
    next_year = dt.date.today().year + 1
    con = build(extra_rows={"clients": [f"C9,,{next_year}", f"C8,,{next_year - 1}"]})
    assert [(r[1], r[2]) for r in rejects(con)] == [(NEXT_LINE["clients"], "birth_year")]


ORDER_RULES = [
    ("staff", "S9,A1,CM,1,2024-01-10,2024-01-09", "separated_on", "is before hired_on (2024-01-10)"),
    ("episodes", "E9,C1,A1,CM,2024-04-01 10:00,no,2024-04-01 09:59,,,", "assigned_at",
     "is before referred_at"),
    ("episodes", "E9,C1,A1,CM,2024-04-01 10:00,no,,2024-03-31,,", "enrolled_on", "is before referred_at"),
    ("episodes", "E9,C1,A1,CM,2024-04-01 10:00,no,,,2024-05-01,planned", "discharged_on",
     "is set but enrolled_on is empty"),
    ("episodes", "E9,C1,A1,CM,2024-04-01 10:00,no,,2024-04-03,2024-04-02,planned", "discharged_on",
     "is before enrolled_on (2024-04-03)"),
    ("episodes", "E9,C1,A1,CM,2024-04-01 10:00,no,,2024-04-03,2024-04-20,", "discharge_type",
     "required when discharged_on is set"),
    ("episodes", "E9,C1,A1,CM,2024-04-01 10:00,no,,2024-04-03,,unplanned", "discharge_type",
     "must be empty when discharged_on is empty"),
    ("assignments", "E1,S1,2024-03-10,2024-03-09", "end_on", "is before start_on (2024-03-10)"),
]


@pytest.mark.parametrize("table,row,column,reason", ORDER_RULES)
def test_ordering_rules(build, table, row, column, reason):
    con = build(extra_rows={table: [row]})
    [(_, line, rejected_column, _, text)] = rejects(con)
    assert (line, rejected_column) == (NEXT_LINE[table], column)
    assert reason in text


def test_same_day_boundaries_are_accepted(build):
    # Enrolled on the referral's own date, assigned at the referral's instant,
    # discharged the day of enrolment, separated the day of hire: all allowed.
    con = build(extra_rows={
        "episodes": ["E9,C1,A1,CM,2024-04-01 23:00,no,2024-04-01 23:00,2024-04-01,2024-04-01,planned"],
        "staff": ["S9,A1,CM,1,2024-01-10,2024-01-10"],
    })
    assert rejects(con) == []


def test_optional_tables_ordering_rules(build):
    con = build(replace={
        "action_plans": "plan_id,agency_id,kind,source,issued_on,due_on,response_on,completed_on,parent_plan_id\n"
                        "P1,A2,plan_of_action,biennial_monitoring,2024-05-01,2024-04-30,,,\n"
                        "P2,A2,plan_of_action,other,2024-05-01,2024-06-01,,2024-04-30,\n",
        "incidents": "incident_id,agency_id,occurred_on,reported_on,category\n"
                     "I1,A2,2024-05-02,2024-05-01,fall\n",
        "crs_enrollments": "client_id,agency_id,enrolled_on,recertified_on,discharged_on\n"
                           "C2,A2,2024-05-02,,2024-05-01\n",
        "trainings": "staff_id,completed_on,hours,exempt\nS2,2024-03-01,0,false\nS2,2024-03-01,2.5,maybe\n",
        "documentation_reviews": "agency_id,review_year,requested_on,materials_received_on,population_size,"
                                 "sample_size,completed_on,outcome\n"
                                 "A2,2025,2025-01-10,,-1,0,,\nA2,2025,2025-01-10,,10,2,,passed\n",
    })
    found = {(r[0], r[1], r[2]) for r in rejects(con)}
    assert found == {
        ("action_plans", 2, "due_on"), ("action_plans", 3, "completed_on"),
        ("incidents", 2, "reported_on"), ("crs_enrollments", 2, "discharged_on"),
        ("trainings", 2, "hours"), ("trainings", 3, "exempt"),
        ("documentation_reviews", 2, "population_size"), ("documentation_reviews", 3, "outcome"),
    }


def test_duplicate_key_rejects_later_rows_naming_the_first(build):
    con = build(extra_rows={"contacts": ["K1,E1,S1,2024-03-02 10:00,client,phone",
                                         "K1,E1,S1,2024-03-03 10:00,client,phone"]})
    assert [(r[1], r[2], r[4]) for r in rejects(con)] == [
        (4, "contact_id", "duplicate contact_id (first on line 2)"),
        (5, "contact_id", "duplicate contact_id (first on line 2)"),
    ]
    assert con.execute("SELECT contact_at FROM contacts WHERE contact_id = 'K1'").fetchall() == [
        (dt.datetime(2024, 3, 1, 15, 0),)]


def test_a_row_rejected_for_its_references_is_not_the_first_of_its_key(build):
    # S1 on line 2 names an agency that does not exist: the S1 of line 3 is the first kept.
    con = build(replace={"staff": "staff_id,agency_id,role,fte,hired_on,separated_on\n"
                                  "S1,A9,CM,1,2024-01-01,\n"
                                  "S1,A1,CM,1,2024-01-01,\n"
                                  "S2,A2,other,,2024-02-01,\n"})
    assert [(r[1], r[2], r[4]) for r in rejects(con, "staff")] == [(2, "agency_id", "agency_id 'A9' not found in agencies")]
    assert con.execute("SELECT staff_id, line FROM staff ORDER BY line").fetchall() == [("S1", 3), ("S2", 4)]


def test_a_plan_rejected_for_the_plan_it_names_is_not_the_first_of_its_key(build):
    # P1 on line 2 escalates a plan that does not exist; the P1 of line 3 is kept, and so
    # is P2, which names P1.
    con = build(extra_rows={}, replace={"action_plans": (
        "plan_id,agency_id,kind,source,issued_on,due_on,response_on,completed_on,parent_plan_id\n"
        "P1,A2,corrective_action,other,2024-01-01,2024-02-01,,,P9\n"
        "P1,A2,plan_of_action,other,2024-01-01,2024-02-01,,,\n"
        "P2,A2,corrective_action,other,2024-03-01,2024-04-01,,,P1\n")})
    assert [(r[1], r[2]) for r in rejects(con, "action_plans")] == [(2, "parent_plan_id")]
    assert con.execute("SELECT plan_id, line FROM action_plans ORDER BY line").fetchall() == [("P1", 3), ("P2", 4)]


def test_a_row_rejected_for_its_values_does_not_make_the_good_one_a_duplicate(build):
    con = build(replace={"clients": "client_id,family_id,birth_year\nC1,,1850\nC1,,1980\nC2,,\n"})
    assert [(r[1], r[2]) for r in rejects(con)] == [(2, "birth_year")]
    assert con.execute("SELECT birth_year FROM clients WHERE client_id = 'C1'").fetchall() == [(1980,)]


def test_missing_parent_is_rejected(build):
    con = build(extra_rows={"staff": ["S9,A7,CM,1,2024-01-01,"]})
    assert rejects(con) == [("staff", NEXT_LINE["staff"], "agency_id", "A7",
                             "agency_id 'A7' not found in agencies")]


def test_rejected_parent_cascades_through_every_dependant(build):
    # Agency A3 is bad (oversight), so its staff S3 is rejected, and so are the
    # assignment and the contact that name S3, and the episode E3 at that agency
    # with its assignment and contacts.
    con = build(extra_rows=BAD_AGENCY_CASCADE)
    got = {(r[0], r[1]): r[4] for r in rejects(con)}
    assert got == {
        ("agencies", 4): "not one of: BHD, DCTS",
        ("staff", 4): "agency_id 'A3' refers to a rejected row of agencies (line 4)",
        ("episodes", 4): "agency_id 'A3' refers to a rejected row of agencies (line 4)",
        ("assignments", 3): "staff_id 'S3' refers to a rejected row of staff (line 4)",
        ("assignments", 4): "episode_id 'E3' refers to a rejected row of episodes (line 4)",
        ("contacts", 4): "staff_id 'S3' refers to a rejected row of staff (line 4)",
        ("contacts", 5): "episode_id 'E3' refers to a rejected row of episodes (line 4)",
    }


def test_a_row_rejected_in_cascade_records_the_row_it_names_and_its_agency(build):
    # Agency A3 is bad; S3 and E3 name it; the assignment E1/S3 names S3 (its agency is its episode
    # E1's, A1); E3/S4 names two rejected rows, E3 and S4, and records the first column's, E3;
    # S4 (fte 1.5) is a root cause of agency A1; a line that cannot be read has no agency.
    con = build(extra_rows={
        "agencies": ["A3,Gamma,NOPE,,"],
        "staff": ["S3,A3,CM,1,2024-01-01,", "S4,A1,CM,1.5,2024-01-01,"],
        "episodes": ["E3,C1,A3,CM,2024-04-01 10:00,no,,2024-04-02,,"],
        "assignments": ["E1,S3,2024-03-02,", "E3,S4,2024-04-02,"],
        "contacts": ['K5,"E1,S1', "K6,E1,S4,2024-03-05 10:00,client,phone"],
    })
    got = con.execute('SELECT "table", line, cause_table, cause_line, agency_id, whole_line FROM rejects '
                      'ORDER BY "table", line').fetchall()
    assert got == [
        ("agencies", 4, None, None, "A3", False),
        ("assignments", 3, "staff", 4, "A1", False),
        ("assignments", 4, "episodes", 4, "A3", False),
        ("contacts", 4, None, None, None, True),
        ("contacts", 5, "staff", 5, "A1", False),
        ("episodes", 4, "agencies", 4, "A3", False),
        ("staff", 4, "agencies", 4, "A3", False),
        ("staff", 5, None, None, "A1", False),
    ]


def test_a_row_naming_a_missing_agency_has_none(build):
    # A7 is in no row of agencies: the staff row is a root cause, and of no agency the extract knows.
    con = build(extra_rows={"staff": ["S9,A7,CM,1,2024-01-01,"]})
    assert con.execute("SELECT cause_table, cause_line, agency_id FROM rejects").fetchall() == [(None, None, None)]


def test_a_plan_rejected_through_the_plan_it_escalates_names_it_as_its_cause(build):
    con = build(replace={"action_plans": PLAN_CHAIN})
    assert con.execute("SELECT line, cause_table, cause_line, agency_id FROM rejects ORDER BY line").fetchall() == [
        (2, None, None, "A2"), (3, "action_plans", 2, "A2"), (4, "action_plans", 3, "A2"), (5, None, None, "A2")]


def test_plan_chain_cascades_through_parent_plan_id(build):
    con = build(replace={"action_plans": (
        "plan_id,agency_id,kind,source,issued_on,due_on,response_on,completed_on,parent_plan_id\n"
        "P1,A2,plan_of_action,other,2024-05-01,2024-04-01,,,\n"       # bad: due before issue
        "P2,A2,corrective_action,other,2024-06-01,2024-07-01,,,P1\n"   # parent rejected
        "P3,A2,corrective_action,other,2024-06-01,2024-07-01,,,P2\n"   # grandparent rejected
        "P4,A2,corrective_action,other,2024-06-01,2024-07-01,,,P9\n"   # parent absent
        "P5,A2,plan_of_action,other,2024-05-01,2024-06-01,,,\n"
        "P6,A2,corrective_action,other,2024-06-01,2024-07-01,,,P5\n"   # fine
    )})
    assert [(r[1], r[4]) for r in rejects(con, "action_plans")] == [
        (2, "is before issued_on (2024-05-01)"),
        (3, "parent_plan_id 'P1' refers to a rejected row of action_plans (line 2)"),
        (4, "parent_plan_id 'P2' refers to a rejected row of action_plans (line 3)"),
        (5, "parent_plan_id 'P9' not found in action_plans"),
    ]
    assert con.execute("SELECT plan_id FROM action_plans ORDER BY line").fetchall() == [("P5",), ("P6",)]


def test_malformed_lines_keep_their_line_numbers(build):
    con = build(extra_rows={"contacts": [
        "K5,E1,S1,2024-03-02 10:00,client,phone,surplus",
        "K6,E1,S1",
        "K7,E1,S1,2024-03-04 10:00,client,phone",
    ]})
    assert [(r[1], r[2]) for r in rejects(con)] == [(4, None), (5, "contact_at")]
    assert all(r[4].startswith("malformed line") for r in rejects(con))
    assert con.execute("SELECT contact_id, line FROM contacts ORDER BY line").fetchall() == [
        ("K1", 2), ("K2", 3), ("K7", 6)]


def test_a_line_with_quotes_and_surplus_empty_values_is_malformed(build):
    # DuckDB drops empty values past the header's count without a word, so the byte pass
    # counts the values of lines with quotes too, commas inside quotes left out.
    con = build(extra_rows={"clients": ['"C3",,1990,', 'C4,"F,1",,""', '"C5","F,2",1990']})
    assert [(r[1], r[2], r[4]) for r in rejects(con)] == [(4, None, "malformed line: expected 3 values, found 4"),
                                                          (5, None, "malformed line: expected 3 values, found 4")]
    assert con.execute("SELECT client_id, family_id FROM clients WHERE line = 6").fetchall() == [("C5", "F,2")]


def test_line_numbers_count_blank_lines_and_values_spanning_lines(build):
    clients = 'client_id,family_id,birth_year\nC1,,1980\n\n"C2",,1975\nC3,"F\n1",x\nC4,,1960\n'
    con = build(replace={"clients": clients})
    assert [(r[1], r[2]) for r in rejects(con)] == [(5, "birth_year")]
    assert con.execute("SELECT client_id, line FROM clients ORDER BY line").fetchall() == [
        ("C1", 2), ("C2", 4), ("C4", 7)]


def test_accepted_plus_rejected_equals_rows_in_file(build):
    con = build(extra_rows={"contacts": ["K5,E1,S1,bad,client,phone", "K6,E9,S1,2024-03-02 10:00,client,phone",
                                         "broken"]})
    for table, read, accepted, rejected in con.execute(
            'SELECT "table", rows_read, accepted, rejected FROM load_report WHERE file IS NOT NULL').fetchall():
        assert accepted + rejected == read, table
        assert con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] == accepted
    assert con.execute("SELECT rows_read FROM load_report WHERE \"table\" = 'contacts'").fetchall() == [(5,)]


def test_extra_columns_are_ignored_and_reported(build):
    con = build(replace={"clients": "client_id,notes,birth_year,family_id\nC1,x,1980,F1\nC2,y,,\n"})
    assert con.execute("SELECT extra_columns FROM load_report WHERE \"table\" = 'clients'").fetchall() == [
        (["notes"],)]
    assert con.execute("SELECT client_id, family_id, birth_year FROM clients ORDER BY line").fetchall() == [
        ("C1", "F1", 1980), ("C2", None, None)]


def test_optional_column_may_be_absent(build):
    con = build(replace={"clients": "client_id\nC1\nC2\n"})
    assert rejects(con) == []


@pytest.mark.parametrize("change,message", [
    (lambda f: (f / "contacts.csv").unlink(), "missing core table contacts.csv"),
    (lambda f: (f / "staff.csv").write_text("staff_id,agency_id,role,fte\nS1,A1,CM,1\n"),
     "staff.csv: missing required column hired_on"),
    (lambda f: (f / "visits.csv").write_text("a\n1\n"), "visits.csv: unknown table name 'visits'"),
    (lambda f: (f / "clients.csv").write_text(""), "clients.csv: the file is empty"),
    (lambda f: (f / "clients.csv").write_bytes(b"client_id,\xff\xfe\n"),
     "clients.csv: line 1 (the header), column 2: not UTF-8 (byte 0xFF)"),
    (lambda f: (f / "clients.csv").write_text("client_id,client_id\nC1,C1\n"), "appears twice"),
    # After a byte order mark, the column and the byte are those of the header itself.
    (lambda f: (f / "clients.csv").write_bytes(b"\xef\xbb\xbfclient_id,family_id,birth\xffyear\n"),
     "clients.csv: line 1 (the header), column 3: not UTF-8 (byte 0xFF)"),
    # The first line too long is named, where reading stops, not the longest.
    (lambda f: (f / "clients.csv").write_bytes(b"client_id,family_id\nC1,\n,F" + b"x" * MAX_LINE_BYTES
                                               + b"\n" + b"y" * (MAX_LINE_BYTES + 9) + b"\n"),
     "clients.csv: line 3, column 2 (family_id): the line is longer than"),
])
def test_unloadable_extracts_stop_with_one_clear_message(tmp_path, cache, change, message):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    change(folder)
    with pytest.raises(ExtractError, match=re.escape(message)):
        database_path(folder)


def test_csv_and_parquet_for_one_table_is_an_error(tmp_path, cache):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    duckdb.execute(f"COPY (FROM read_csv('{folder}/clients.csv')) TO '{folder}/clients.parquet'")
    with pytest.raises(ExtractError, match="table 'clients' is given twice"):
        database_path(folder)


def test_parquet_tables_load_like_csv(tmp_path, cache):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    # Typed Parquet columns (DATE, TIMESTAMP, BOOLEAN) as another system would write them,
    # plus one bad row whose position (row 3) is its "line".
    duckdb.execute(f"""
        COPY (SELECT * FROM read_csv('{folder}/episodes.csv', header = true,
                types = {{'referred_at': 'TIMESTAMP', 'emergency': 'BOOLEAN', 'enrolled_on': 'DATE'}})
              UNION ALL SELECT 'E9', 'C1', 'A1', 'CM', TIMESTAMP '2024-04-01 10:00', false, NULL,
                               NULL, NULL, 'planned')
        TO '{folder}/episodes.parquet'""")
    (folder / "episodes.csv").unlink()
    con = duckdb.connect(str(database_path(folder)), read_only=True)
    assert rejects(con) == [("episodes", 3, "discharge_type", "planned",
                             "must be empty when discharged_on is empty")]
    assert con.execute("SELECT episode_id, referred_at, emergency FROM episodes ORDER BY line").fetchall() == [
        ("E1", dt.datetime(2024, 3, 1, 10, 0), False), ("E2", dt.datetime(2024, 3, 5, 8, 30), True)]
    assert con.execute("SELECT count(*) FROM contacts").fetchall() == [(2,)]


def _clients_as_parquet(folder, table: pa.Table) -> None:
    pq.write_table(table, folder / "clients.parquet")
    (folder / "clients.csv").unlink(missing_ok=True)


def test_parquet_text_stored_as_bytes_is_read_as_utf8(tmp_path, cache):
    # Not as DuckDB's escaped rendering of the bytes ('Caf\xC3\xA9'); bytes that are not
    # UTF-8 are rejected at their row.
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    _clients_as_parquet(folder, pa.table({"client_id": pa.array([b"C1", "Café".encode(), b"C\xff3", b"C2"])}))
    con = duckdb.connect(str(database_path(folder)), read_only=True)
    assert rejects(con) == [("clients", 3, "client_id", "C\\xFF3", "not UTF-8")]
    assert con.execute("SELECT client_id FROM clients ORDER BY line").fetchall() == [("C1",), ("Café",), ("C2",)]


def test_parquet_columns_are_known_by_the_names_in_the_file(tmp_path, cache):
    # DuckDB renames a column whose name repeats another's, even but for case.
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    _clients_as_parquet(folder, pa.table({"Client_ID": ["old-1", "old-2"], "client_id": ["C1", "C2"]}))
    con = duckdb.connect(str(database_path(folder)), read_only=True)
    assert con.execute("SELECT client_id FROM clients ORDER BY line").fetchall() == [("C1",), ("C2",)]
    assert con.execute("SELECT extra_columns FROM load_report WHERE \"table\" = 'clients'").fetchall() == [
        (["Client_ID"],)]
    con.close()
    _clients_as_parquet(folder, pa.Table.from_arrays([pa.array(["C1"]), pa.array(["C2"])], ["client_id", "client_id"]))
    with pytest.raises(ExtractError, match="clients.parquet: column 'client_id' appears twice"):
        database_path(folder)


def test_parquet_file_that_cannot_be_read_stops_with_a_one_line_message(tmp_path, cache):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    buffer = pa.BufferOutputStream()
    pq.write_table(pa.table({"client_id": ["C1", "C2"] * 500}), buffer, compression="none")
    written = buffer.getvalue().to_pybytes()
    # Its description readable but not its data; then without its footer.
    for damaged in (written[:100] + b"\xff" * 300 + written[400:], written[:-10]):
        (folder / "clients.parquet").write_bytes(damaged)
        (folder / "clients.csv").unlink(missing_ok=True)
        with pytest.raises(ExtractError, match="clients.parquet: cannot be read as Parquet") as stop:
            database_path(folder)
        assert "\n" not in str(stop.value)


def test_database_is_reused_until_the_extract_changes(tmp_path, cache):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    first = database_path(folder)
    built_at = first.stat().st_mtime_ns
    assert database_path(folder) == first and first.stat().st_mtime_ns == built_at
    time.sleep(0.01)
    (folder / "clients.csv").write_text(BASE_TABLES["clients"] + "C3,,1999\n")
    second = database_path(folder)
    assert second != first and not first.exists()
    con = duckdb.connect(str(second), read_only=True)
    assert con.execute("SELECT count(*) FROM clients").fetchall() == [(3,)]
    # Nothing but the database and the lock that keeps two builds of the extract apart.
    assert sorted(os.listdir(cache)) == sorted([second.name, second.name.rsplit("-", 1)[0] + ".lock"])


def _contacts_over_many_blocks(spanning: bool) -> tuple[str, list[int], list[int]]:
    """A contacts file of a few thousand records whose ids name their own line, with
    malformed lines around block boundaries (and, when ``spanning``, blank lines and notes
    spanning lines); returns the text, the malformed lines and a late duplicate's line."""
    header = "contact_id,episode_id,staff_id,contact_at,kind,mode" + (",note" if spanning else "")
    lines, line, malformed, duplicate = [header], 2, [], []
    for index in range(5000):
        if index in (3, 1020, 1021, 2049, 4000):
            lines.append(f"X{line},E1,S1")
            malformed.append(line)
            line += 1
        if spanning and index % 700 == 5:
            lines.append("")
            line += 1
        note = ',"first\nsecond"' if spanning and index % 333 == 7 else ("," if spanning else "")
        identifier = "K2" if index == 4500 else f"K{line}"
        if index == 4500:
            duplicate.append(line)
        lines.append(f"{identifier},E1,S1,2024-03-02 10:00,client,phone{note}")
        line += 1 + note.count("\n")
    return "\n".join(lines) + "\n", malformed, duplicate


@pytest.mark.parametrize("spanning", [False, True], ids=["one-record-per-line", "values-spanning-lines"])
def test_line_numbers_stay_right_across_thousands_of_rows(build, spanning):
    text, malformed, duplicate = _contacts_over_many_blocks(spanning)
    con = build(replace={"contacts": text})
    found = rejects(con, "contacts")
    assert [r[1] for r in found if r[4].startswith("malformed line")] == malformed
    assert [(r[1], r[4]) for r in found if not r[4].startswith("malformed line")] == [
        (duplicate[0], "duplicate contact_id (first on line 2)")]
    rows = con.execute("SELECT contact_id, line FROM contacts").fetchall()
    assert len(rows) == 5000 - 1
    assert all(contact_id == f"K{line}" for contact_id, line in rows)
