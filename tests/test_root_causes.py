"""Root causes: the rejected rows grouped by the row that caused them, worked out by hand on
small extracts (tests/conftest.py's base extract with rows added)."""

from __future__ import annotations

import polars as pl

from metrics.extract.root_causes import recovered_text, root_causes
from tests.conftest import BAD_AGENCY_CASCADE, PLAN_CHAIN


def causes(con) -> list[tuple]:
    """(table, line, column, rows_recovered, recovered as (table, rows), agencies) of each cause, in rank."""
    return [(r["table"], r["line"], r["column"], r["rows_recovered"],
             [(item["table"], item["rows"]) for item in r["recovered"]], r["agencies"])
            for r in root_causes(con).iter_rows(named=True)]


def test_a_clean_extract_has_no_cause(build):
    frame = root_causes(build())
    assert frame.is_empty()
    assert frame.columns == ["table", "line", "column", "value", "reason", "whole_line", "rows_recovered",
                             "recovered", "agencies"]


def test_a_staff_row_takes_its_assignments_and_contacts_with_it(build):
    # S4 (line 4 of staff) has fte 1.5; two assignments and three contacts name S4: fixing that one
    # cell recovers 1 + 2 + 3 = 6 rows, all of Alpha Recovery (A1): E1 and E2 are A1's episodes.
    con = build(extra_rows={
        "staff": ["S4,A1,CM,1.5,2024-01-01,"],
        "assignments": ["E1,S4,2024-03-02,", "E2,S4,2024-03-06,"],
        "contacts": ["K3,E1,S4,2024-03-05 10:00,client,phone", "K4,E2,S4,2024-03-07 10:00,client,phone",
                     "K5,E2,S4,2024-03-08 10:00,client,phone"],
    })
    [cause] = root_causes(con).iter_rows(named=True)
    assert (cause["table"], cause["line"], cause["column"], cause["value"]) == ("staff", 4, "fte", "1.5")
    assert cause["reason"] == "must be at most 1" and not cause["whole_line"]
    assert cause["rows_recovered"] == 6
    assert recovered_text(cause["recovered"]) == "1 staff, 2 assignments, 3 contacts"
    assert cause["agencies"] == ["A1"]


def test_independent_causes_are_ranked_by_rows_recovered_then_table_then_line(build):
    # Client C9 (clients line 4, birth year 1850) is named by episode E9, which two contacts name:
    # 1 + 1 + 2 = 4 rows. Staff S4 (staff line 4, role RSC) takes one assignment: 2 rows. Two contacts
    # of unknown kind (contacts lines 4 and 7) take only themselves: 1 row each, in line order.
    con = build(extra_rows={
        "staff": ["S4,A1,RSC,1,2024-01-01,"],
        "clients": ["C9,,1850"],
        "episodes": ["E9,C9,A1,CM,2024-04-01 10:00,no,,,,"],
        "assignments": ["E1,S4,2024-03-02,"],
        "contacts": ["K3,E1,S1,2024-03-05 10:00,visit,phone", "K4,E9,,2024-04-02 10:00,client,phone",
                     "K5,E9,,2024-04-03 10:00,client,phone", "K6,E1,S1,2024-03-06 10:00,visit,phone"],
    })
    assert causes(con) == [
        ("clients", 4, "birth_year", 4, [("clients", 1), ("episodes", 1), ("contacts", 2)], ["A1"]),
        ("staff", 4, "role", 2, [("staff", 1), ("assignments", 1)], ["A1"]),
        ("contacts", 4, "kind", 1, [("contacts", 1)], ["A1"]),
        ("contacts", 7, "kind", 1, [("contacts", 1)], ["A1"]),
    ]
    # Every rejected row is counted under exactly one cause.
    assert sum(c[3] for c in causes(con)) == con.execute("SELECT count(*) FROM rejects").fetchall()[0][0] == 8


def test_a_cause_reaches_every_generation_and_every_agency_it_touches(build):
    # Agency A3 (agencies line 4) is bad: its staff S3 and its episode E3 go with it; then the
    # assignment of E1 to S3 and the contact of E1 by S3 (both of A1, through episode E1), and the
    # assignment and contact of E3 (A3). 1 agency + 1 staff + 1 episode + 2 assignments + 2 contacts.
    con = build(extra_rows=BAD_AGENCY_CASCADE)
    assert causes(con) == [
        ("agencies", 4, "oversight", 7,
         [("agencies", 1), ("staff", 1), ("episodes", 1), ("assignments", 2), ("contacts", 2)], ["A1", "A3"]),
    ]


def test_a_chain_of_plans_goes_back_to_the_first(build):
    # P1 (line 2) is due before it was issued; P2 escalates P1 and P3 escalates P2: fixing P1 recovers
    # all three. P4 escalates a plan that does not exist: a cause of its own.
    con = build(replace={"action_plans": PLAN_CHAIN})
    assert causes(con) == [
        ("action_plans", 2, "due_on", 3, [("action_plans", 3)], ["A2"]),
        ("action_plans", 5, "parent_plan_id", 1, [("action_plans", 1)], ["A2"]),
    ]


def test_a_row_naming_two_rejected_rows_is_counted_under_its_first_column(build):
    # The assignment E3/S4 names episode E3 (rejected: referred_at is no timestamp) and staff S4
    # (rejected: fte 0). episode_id comes first in assignments: the row goes under E3's cause, with
    # the contact of E3; S4 takes only itself and the contact naming it on episode E1.
    con = build(extra_rows={
        "staff": ["S4,A1,CM,0,2024-01-01,"],
        "episodes": ["E3,C1,A1,CM,yesterday,no,,,,"],
        "assignments": ["E3,S4,2024-04-02,"],
        "contacts": ["K3,E3,,2024-04-02 10:00,client,phone", "K4,E1,S4,2024-03-05 10:00,client,phone"],
    })
    assert causes(con) == [
        ("episodes", 4, "referred_at", 3, [("episodes", 1), ("assignments", 1), ("contacts", 1)], ["A1"]),
        ("staff", 4, "fte", 2, [("staff", 1), ("contacts", 1)], ["A1"]),
    ]


def test_a_line_that_cannot_be_read_is_a_cause_of_no_agency(build):
    con = build(extra_rows={"contacts": ['K3,"E1,S1']})
    [cause] = root_causes(con).iter_rows(named=True)
    assert (cause["table"], cause["line"], cause["whole_line"], cause["rows_recovered"], cause["agencies"]) == (
        "contacts", 4, True, 1, [])


def test_recovered_text_reads_thousands_with_separators():
    assert recovered_text([{"table": "staff", "rows": 1}, {"table": "contacts", "rows": 12_345}]) == (
        "1 staff, 12,345 contacts")


# ---------------------------------------------------------------------------
# In words for the data supplier, and on the data-quality page

FTE_CASCADE = {
    "staff": ["S4,A1,CM,1.5,2024-01-01,"],
    "assignments": ["E1,S4,2024-03-02,", "E2,S4,2024-03-06,"],
    "contacts": ["K3,E1,S4,2024-03-05 10:00,client,phone", "K4,E2,S4,2024-03-07 10:00,client,phone",
                 "K5,E2,S4,2024-03-08 10:00,client,phone"],
}
NAMES = {"A1": "Alpha Recovery", "A2": "Beta County CRS"}
IDENTIFIERS = ("S4", "S9", "E1", "E2", "K3", "K4", "K5", "C1")


def test_a_cause_in_words_for_the_supplier(build):
    from metrics.report.views.data_quality import cause_sentence

    [cause] = root_causes(build(extra_rows=FTE_CASCADE)).iter_rows(named=True)
    # Staff is read by caseload utilization and orientation training, assignments by caseload and contact
    # adherence, contacts by contact adherence, the milestones and time to first contact: in the
    # registry's order, each definition once.
    sentence = cause_sentence(cause, NAMES)
    assert sentence == (
        "staff line 4, fte 1.5: must be at most 1 — fixing it recovers 6 rows (1 staff, 2 assignments, "
        "3 contacts) of Alpha Recovery; caseload utilization, contact adherence, care-coordination milestones, "
        "time to first contact and orientation training are counted without them.")
    assert not any(identifier in sentence for identifier in IDENTIFIERS)


def test_no_identifier_is_quoted_in_a_cause(build):
    from metrics.report.views.data_quality import cause_sentence

    # An assignment names staff S9, who is nowhere; a contact's line has an unmatched quote (its text
    # holds ids); an agency's row is bad, and names no agency the extract accepted.
    con = build(extra_rows={"assignments": ["E1,S9,2024-03-02,"], "contacts": ['K3,"E1,S1'],
                            "agencies": ["A3,Gamma,NOPE,,"]})
    sentences = [cause_sentence(cause, NAMES) for cause in root_causes(con).iter_rows(named=True)]
    assert sentences == [
        "agencies line 4, oversight NOPE: not one of: BHD, DCTS — fixing it recovers 1 row of A3; biennial "
        "monitoring, documentation oversight, deadlines and orientation training are counted without it.",
        "assignments line 3: staff_id not found in staff — fixing it recovers 1 row of Alpha Recovery; caseload "
        "utilization and contact adherence are counted without it.",
        'contacts line 4: unmatched quote (") — fixing it recovers 1 row; contact adherence, care-coordination '
        "milestones and time to first contact are counted without it.",
    ]
    assert not any(identifier in sentence for sentence in sentences for identifier in IDENTIFIERS)


def test_the_measures_a_table_is_counted_in():
    from metrics.report.views.data_quality import measures_counted_from

    # Hand-read from the registry's declarations (Measure.reads).
    assert measures_counted_from(["incidents"]) == ["incidents"]
    assert measures_counted_from(["crs_enrollments"]) == []
    assert measures_counted_from(["care_plans"]) == ["care-coordination milestones", "Safety/Crisis Plans"]
    assert measures_counted_from(["action_plans", "monitoring_visits"]) == [
        "biennial monitoring", "plans of action", "deadlines"]


def _figures(linked, public: bool):
    from metrics.disclosure.suppression import Linked

    assert isinstance(linked, Linked)
    shown = {name: s.display for name, s in linked.suppress().items()} if public else linked.exact()

    class Shown:
        def table(self, name: str) -> pl.DataFrame:
            return shown[name]

    return Shown()


def test_the_page_lists_the_first_causes_and_the_others_together(build, monkeypatch):
    import metrics.report.views.data_quality as view
    from metrics.extract.quality import load_summary, rejects_frame

    # The staff row takes 6 rows; three contacts of an unknown kind (lines 7, 8, 9 after the three
    # that name S4) take one each. With two causes listed, the last two share a row.
    extra = dict(FTE_CASCADE)
    extra["contacts"] = FTE_CASCADE["contacts"] + [f"K{n},E1,S1,2024-03-0{n} 10:00,visit,phone" for n in (6, 7, 8)]
    con = build(extra_rows=extra)
    monkeypatch.setattr(view, "CAUSES_SHOWN", 2)
    causes = root_causes(con)
    linked = view.linked(load_summary(con), rejects_frame(con), causes)
    exact = view.root_causes_table(_figures(linked, False), causes, NAMES, public=False)
    assert exact.rows() == [
        ("staff line 4, fte 1.5: must be at most 1", 6, "Alpha Recovery",
         "caseload utilization, contact adherence, care-coordination milestones, time to first contact and "
         "orientation training", "1 staff, 2 assignments, 3 contacts"),
        ("contacts line 7, kind visit: not one of: client, attempt, rst_meeting, collateral", 1, "Alpha Recovery",
         "contact adherence, care-coordination milestones and time to first contact", "1 contacts"),
        ("2 other causes, each recovering at most 1 row", 2, "Alpha Recovery",
         "contact adherence, care-coordination milestones and time to first contact", "2 contacts"),
    ]
    # While presenting: every count of rows is from 1 to 10, and shown as such; no line, value or
    # reason, nor how many causes the last row stands for.
    public = view.root_causes_table(_figures(linked, True), causes, NAMES, public=True)
    assert public.select("cause", "rows", "tables").rows() == [
        ("staff, fte", "<11", "<11 staff, <11 assignments, <11 contacts"),
        ("contacts, kind", "<11", "<11 contacts"),
        ("the other causes", "<11", "<11 contacts"),
    ]


def test_the_data_quality_page_opens_with_the_root_causes(tmp_path, cache, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import BASE_TABLES, write_extract
    from tests.test_app import APP, visit

    tables = dict(BASE_TABLES)
    for name, rows in FTE_CASCADE.items():
        tables[name] += "".join(row + "\n" for row in rows)
    monkeypatch.setenv("OVERSIGHT_EXTRACT", str(write_extract(tmp_path / "extract", tables)))
    at = visit(AppTest.from_file(APP, default_timeout=120), "app_pages/data_quality.py")
    assert at.subheader[0].value == "Root causes"
    first = at.dataframe[0].value
    assert list(first.columns) == ["cause", "rows", "agencies", "measures", "tables"]
    row = first.iloc[0].tolist()
    assert row[:3] + row[4:] == ["staff line 4, fte 1.5: must be at most 1", 6, "Alpha Recovery",
                                 "1 staff, 2 assignments, 3 contacts"]
    at.sidebar.toggle(key="presenting").set_value(True)
    at.run()
    row = at.dataframe[0].value.iloc[0].tolist()
    assert row[:2] + row[4:] == ["staff, fte", "<11", "<11 staff, <11 assignments, <11 contacts"]
