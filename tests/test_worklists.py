"""Worklists (metric definitions, section 6), worked by hand on small extracts: every edge the
definitions name (a period's first and last day, a period that starts on D, discharge on D,
enrolled on D, no assignment, a transfer on D, an emergency referral waiting 31 minutes)."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from metrics.cli import main
from metrics.extract.loader import database_path
from metrics.measures.worklists import WORKLISTS, contacts_due, milestones_due, plans_due, referrals_waiting, worklists
from metrics.policy.filters import Filters
from tests.conftest import BASE_TABLES, write_extract
from tests.test_oversight import AGENCIES as OVERSIGHT_AGENCIES
from tests.test_oversight import PLANS
from tests.test_oversight import D as OVERSIGHT_D

EPISODES = "episode_id,client_id,agency_id,service_level,referred_at,emergency,assigned_at,enrolled_on,discharged_on,discharge_type"
STAFF = """staff_id,agency_id,role,fte,hired_on,separated_on
S1,A1,RSC-I,1.0,2023-01-01,
S2,A2,other,,2024-02-01,2025-06-30
S3,A1,CM,1.0,2023-01-01,
"""

# D = 10 March 2024, the day the clocks go forward in Wisconsin: from 02:00 it is 03:00, so the
# night of the 9th to the 11th holds 47 hours, not 48.
REFERRALS = {
    "staff": STAFF,
    "episodes": f"""{EPISODES}
E1,C1,A1,RSC-I,2024-03-01 10:00,false,,2024-03-02,,
E2,C2,A1,CM,2024-03-05 08:30,true,,,,
R1,C1,A1,RSC-I,2024-03-10 09:00,false,,,,
R2,C1,A1,RSC-I,2024-03-10 23:29,true,,,,
R3,C1,A1,RSC-I,2024-03-10 23:30,true,,,,
R4,C1,A1,RSC-I,2024-03-09 10:00,false,,,,
R5,C2,A1,CM,2024-03-09 10:00,false,,,,
R6,C2,A1,CM,2024-03-08 10:00,false,,2024-03-08,2024-03-10,planned
R7,C2,A1,CM,2024-03-11 08:00,false,,,,
R8,C2,A1,CM,2024-03-09 12:00,false,,,,
""",
    "assignments": """episode_id,staff_id,start_on,end_on
E1,S1,2024-03-02,
R5,S1,2024-03-09,2024-03-10
R5,S3,2024-03-10,
R8,S1,2024-03-01,2024-03-09
""",
    "contacts": """contact_id,episode_id,staff_id,contact_at,kind,mode
K1,E1,S1,2024-03-01 15:00,client,phone
K2,E2,,2024-03-06 09:00,attempt,other
K3,R4,S1,2024-03-10 08:00,client,in_person
K4,R5,S1,2024-03-10 08:00,attempt,phone
K5,R8,S1,2024-03-11 09:00,client,phone
""",
}


def test_referrals_waiting_at_the_end_of_d(build):
    con = build(replace=REFERRALS)
    frame = referrals_waiting(con, Filters(as_of=dt.date(2024, 3, 10)))
    got = {row["episode_id"]: (row["staff_id"], round(row["hours_waiting"], 4), row["standard_hours"], row["overdue"])
           for row in frame.iter_rows(named=True)}
    assert got == {
        # Referred 5 March 08:30, only an attempt since: 5 days 15.5 hours on the clock to the end of D,
        # less the hour the clocks skipped: 134.5 hours against the emergency standard.
        "E2": (None, 134.5, 0.5, True),
        "R1": (None, 15.0, 24.0, False),           # referred on D at 09:00, after the change
        "R2": (None, round(31 / 60, 4), 0.5, True),  # an emergency waiting 31 minutes
        "R3": (None, 0.5, 0.5, False),             # 30 minutes exactly: not over the standard
        # An attempt is not a first contact; S1 handed over to S3 on D (both active that day):
        # the one that started last. 38 hours on the clock, 37 elapsed.
        "R5": ("S3", 37.0, 24.0, True),
        # Reached only after D; its assignment ended the day before D: nobody assigned.
        "R8": (None, 35.0, 24.0, True),
    }
    # R4 was reached, R6 discharged on D, R7 referred after D, E1 reached.
    assert frame["episode_id"].to_list() == ["E2", "R5", "R8", "R2", "R1", "R3"], "overdue first, longest waiting"
    assert frame.columns[:9] == list(WORKLISTS[0].columns)


CONTACTS = {
    "staff": STAFF,
    "episodes": f"""{EPISODES}
E1,C1,A1,RSC-I,2024-03-01 10:00,false,,2024-03-02,,
E2,C2,A1,CM,2024-03-05 08:30,true,,,,
P1,C1,A1,RSC-I,2024-01-31 09:00,false,,2024-02-01,,
P2,C1,A1,RSC-I,2024-02-06 09:00,false,,2024-02-07,,
P3,C2,A1,CM,2024-02-14 08:00,false,,2024-02-14,,
P4,C1,A1,RSC-I,2023-12-31 09:00,false,,2024-01-01,2024-02-14,planned
P5,C2,A1,CM,2023-12-31 09:00,false,,2024-01-01,,
""",
    "assignments": """episode_id,staff_id,start_on,end_on
E1,S1,2024-03-02,
P1,S1,2024-02-01,
P2,S1,2024-02-07,2024-02-14
P2,S3,2024-02-14,
P4,S1,2024-01-01,2024-02-14
P5,S3,2024-01-01,2024-02-13
""",
    "contacts": """contact_id,episode_id,staff_id,contact_at,kind,mode
K1,E1,S1,2024-03-01 15:00,client,phone
K2,E2,,2024-03-06 09:00,attempt,other
C1,P1,S1,2024-02-03 10:00,client,phone
C2,P1,S1,2024-02-08 00:05,client,video
C3,P2,S1,2024-02-13 23:55,client,phone
C4,P3,,2024-02-14 10:00,client,in_person
C5,P4,S1,2024-02-10 10:00,client,phone
C6,P5,S3,2024-02-10 10:00,attempt,phone
C7,P5,S3,2024-02-15 10:00,client,phone
C8,P5,S3,2024-01-15 10:00,rst_meeting,in_person
""",
}
D = dt.date(2024, 2, 14)


def day(month: int, date: int) -> dt.date:
    return dt.date(2024, month, date)


def test_contacts_due_on_the_morning_after_d(build):
    con = build(replace=CONTACTS)
    frame = contacts_due(con, Filters(as_of=D))
    got = {(row["episode_id"], row["requirement"]): (
        row["staff_id"], row["period_start"], row["period_end"], row["met_this_period"], row["previous_period_met"],
        row["due_by"], row["days_left"], row["last_contact_on"]) for row in frame.iter_rows(named=True)}
    assert got == {
        # Enrolled 1 February, weekly: D is day 13, in period 1 (8–14 February), D its last day. A
        # contact on the period's first day meets it; period 0 had one on the 3rd. Next due a week on.
        ("P1", "client_contact"): ("S1", day(2, 8), day(2, 14), True, True, day(2, 21), 7, day(2, 8)),
        # Monthly RST (30 days): period 0, 1 February – 1 March, nothing yet; no previous period.
        ("P1", "rst_meeting"): ("S1", day(2, 1), day(3, 1), False, None, day(3, 1), 16, None),
        # Enrolled 7 February: period 1 starts on D. The contact late on the 13th met period 0.
        # S1 handed over to S3 on D: the assignment that started last.
        ("P2", "client_contact"): ("S3", day(2, 14), day(2, 20), False, True, day(2, 20), 6, day(2, 13)),
        ("P2", "rst_meeting"): ("S3", day(2, 7), day(3, 7), False, None, day(3, 7), 22, None),
        # Enrolled on D, no assignment: CM every 14 days, met by the contact on D itself.
        ("P3", "client_contact"): (None, day(2, 14), day(2, 27), True, None, day(3, 12), 27, day(2, 14)),
        ("P3", "rst_meeting"): (None, day(2, 14), day(5, 13), False, None, day(5, 13), 89, None),
        # Enrolled 1 January: D is day 44, CM period 3 (12–25 February). Period 2 (29 January –
        # 11 February) held only an attempt; the contact on the 15th comes after D. Its
        # assignment ended the day before D. The RST meeting of 15 January met period 0 (to
        # 30 March), so the next is due 90 days after it ends: 28 June, 135 days after D.
        ("P5", "client_contact"): (None, day(2, 12), day(2, 25), False, False, day(2, 25), 11, None),
        ("P5", "rst_meeting"): (None, day(1, 1), day(3, 30), True, None, day(6, 28), 135, day(1, 15)),
    }
    # P4 was discharged on D; E1 enrolls after D; E2 never enrolled.
    assert frame["days_left"].to_list() == sorted(frame["days_left"].to_list()), "soonest due first"


def test_the_filters_narrow_a_worklist_and_the_window_does_not(build):
    con = build(replace=CONTACTS)
    every = contacts_due(con, Filters(as_of=D))
    rsc = contacts_due(con, Filters(as_of=D, service_levels=("RSC-I",)))
    assert set(rsc["episode_id"]) == {"P1", "P2"}
    windowed = contacts_due(con, Filters(as_of=D, period_start=day(2, 1), period_end=day(2, 7)))
    assert windowed.equals(every)
    assert contacts_due(con, Filters(as_of=D, agencies=("A2",))).is_empty()


def test_the_command_writes_each_worklist_as_the_function_gives_it(tmp_path, cache, capsys):
    folder = write_extract(tmp_path / "extract", {**BASE_TABLES, **CONTACTS})
    out = tmp_path / "lists"
    assert main(["worklists", "--extract", str(folder), "--as-of", "2024-02-14", "--out", str(out)]) == 0
    assert "worklists for the morning after 2024-02-14" in capsys.readouterr().out
    with duckdb.connect(str(database_path(folder)), read_only=True) as con:
        expected = worklists(con, Filters(as_of=D))
    assert sorted(path.name for path in out.iterdir()) == sorted(f"{w.name}.csv" for w in WORKLISTS)
    for worklist in WORKLISTS:
        written = pl.read_csv(out / f"{worklist.name}.csv", infer_schema=False)
        # The contract's columns first, in its order (metric definitions, section 6).
        assert tuple(written.columns[: len(worklist.columns)]) == worklist.columns
        assert written.height == expected[worklist.name].height
        key = written.columns[0]
        assert written[key].to_list() == expected[worklist.name][key].to_list()
    # This extract has referrals waiting and contacts due (P5 is not reached by D), and no plans.
    assert expected["referrals_waiting"].height and expected["contacts_due"].height


MILESTONES = {
    "staff": STAFF,
    "episodes": f"""{EPISODES}
E1,C1,A1,RSC-I,2024-03-01 10:00,false,,2024-03-02,,
E2,C2,A1,CM,2024-03-05 08:30,true,,,,
M1,C1,A1,RSC-I,2024-01-31 09:00,false,,2024-02-01,,
M2,C1,A1,RSC-I,2024-01-09 09:00,false,,2024-01-10,,
M3,C2,A1,RSC-F,2023-12-31 09:00,false,,2024-01-01,,
M4,C2,A1,RSC-I,2023-12-31 09:00,false,,2024-01-01,,
M5,C2,A1,CM,2023-12-31 09:00,false,,2024-01-01,,
M6,C1,A1,RSC-I,2023-12-31 09:00,false,,2024-01-01,2024-02-14,planned
""",
    "assignments": """episode_id,staff_id,start_on,end_on
E1,S1,2024-03-02,
M1,S1,2024-02-01,
""",
    "contacts": """contact_id,episode_id,staff_id,contact_at,kind,mode
K1,E1,S1,2024-03-01 15:00,client,phone
K2,E2,,2024-03-06 09:00,attempt,other
C1,M2,S1,2024-01-20 10:00,rst_meeting,in_person
C2,M4,S1,2024-01-05 10:00,rst_meeting,in_person
""",
    "care_plans": """episode_id,plan_kind,completed_on,safety_plan
M3,final,2024-01-20,true
M3,review,2024-02-10,
M4,final,2024-01-10,true
M4,review,2024-01-15,
M4,review,2024-02-20,
""",
}


def test_milestones_due_within_a_week_or_overdue(build):
    con = build(replace=MILESTONES)
    frame = milestones_due(con, Filters(as_of=D))
    assert [(row["episode_id"], row["milestone"], row["staff_id"], row["due_on"], row["days_left"], row["overdue"])
            for row in frame.iter_rows(named=True)] == [
        # M3 (enrolled 1 January) never had an RST meeting: due 15 January, 30 days ago. Its reviews
        # are on time: the latest event, 10 February, makes the next due 11 March (26 days: later).
        ("M3", "rst_formed", None, day(1, 15), -30, True),
        # M2's RST met on 20 January; no final plan 30 days after 10 January: due 9 February.
        ("M2", "sccp_final", None, day(2, 9), -5, True),
        # M4's last care-plan event by D was 15 January: the next is due on D itself (the one on
        # 20 February has not happened yet).
        ("M4", "sccp_review", None, day(2, 14), 0, False),
        # M1, enrolled 1 February: RST due 15 February, tomorrow; its final plan (2 March) is later.
        ("M1", "rst_formed", "S1", day(2, 15), 1, False),
    ]
    # M5 is CM (no such milestones), M6 was discharged on D, E1 enrolls after D.


def test_plans_and_responses_due_within_two_weeks_or_overdue(build):
    con = build(replace={"agencies": OVERSIGHT_AGENCIES, "action_plans": PLANS})
    frame = plans_due(con, Filters(as_of=OVERSIGHT_D))
    assert [(row["reference"], row["kind"], row["days_left"], row["overdue"]) for row in frame.iter_rows(named=True)] == [
        ("P10", "plan", -121, True),      # due 1 March, never completed (its corrective action comes after D)
        ("P6", "plan", -60, True),        # due 1 May
        ("P8", "response", -50, True),    # issued 1 May: the response was due 11 May and never came
        ("P8", "plan", -29, True),        # due 1 June, completed only after D
        ("P3", "plan", 0, False),         # due on D
        ("P7", "response", 5, False),     # issued 25 June: response due 5 July
    ]
    # P5's plan is due 15 July, 15 days on: later than the worklist's two weeks; P7's plan 1 August.
