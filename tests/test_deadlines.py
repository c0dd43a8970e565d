"""DCTS oversight deadlines: each rule, business days across weekends and Wisconsin holidays,
statuses on the report date, and the iCalendar file."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from metrics.measures.deadlines import deadlines, to_ics
from metrics.policy.calendar import add_business_days
from metrics.policy.filters import Filters
from metrics.policy.settings import Calendar
from tests.conftest import BASE_TABLES

AS_OF = dt.date(2026, 11, 20)  # a Friday

AGENCIES = BASE_TABLES["agencies"] + "A3,Gamma County CRS,DCTS,Rock,2020-01-01\n"
REVIEWS = [
    "agency_id,review_year,requested_on,materials_received_on,population_size,sample_size,completed_on,outcome",
    "A2,2026,2026-11-18,,40,8,,",                  # materials awaited
    "A3,2025,2025-05-01,2025-05-20,30,6,2025-07-01,met",
    "A3,2026,2026-06-01,2026-07-01,30,6,,",        # review awaited
]
PLANS = [
    "plan_id,agency_id,kind,source,issued_on,due_on,response_on,completed_on,parent_plan_id",
    "P1,A2,corrective_action,documentation_oversight,2026-11-13,2026-12-31,,,",
    "P2,A3,plan_of_action,biennial_monitoring,2026-10-01,2026-11-01,,,",
    "P3,A3,corrective_action,other,2026-09-01,2026-12-15,2026-09-05,2026-10-01,",  # done
]
VISITS = ["agency_id,visited_on", "A2,2025-01-15", "A3,2024-11-10"]


def test_business_days_skip_weekends():
    # Friday 2 October 2026 + 15 business days: three whole weeks (Columbus Day on 12 October
    # is not a Wisconsin holiday in the `holidays` calendar) lands on Friday 23 October.
    assert add_business_days(dt.date(2026, 10, 2), 15) == dt.date(2026, 10, 23)


def test_business_days_skip_wisconsin_holidays():
    # Wednesday 18 November 2026 + 15: 19, 20, 23, 24, 25 (5); Thanksgiving (26th) is skipped,
    # Friday 27th is a working day in the WI calendar (6); 30 Nov-4 Dec (11); 7-10 Dec (15).
    assert add_business_days(dt.date(2026, 11, 18), 15) == dt.date(2026, 12, 10)
    # Friday 9 January 2026: 12-16 Jan (5), Martin Luther King Day on the 19th skipped,
    # 20-23 (9), 26-30 (14), Monday 2 February (15).
    assert add_business_days(dt.date(2026, 1, 9), 15) == dt.date(2026, 2, 2)


def test_the_calendar_is_configurable():
    # Wisconsin adds Christmas Eve to the federal holidays: Wednesday 23 December 2026 + 1 is
    # Monday the 28th (24th and 25th holidays, then the weekend); under the federal calendar
    # alone it is Thursday the 24th.
    assert add_business_days(dt.date(2026, 12, 23), 1) == dt.date(2026, 12, 28)
    federal = Calendar(country="US", subdiv=None)
    assert add_business_days(dt.date(2026, 12, 23), 1, federal) == dt.date(2026, 12, 24)
    # Veterans Day (11 November) is a holiday: Tuesday 10 November + 1 is the 12th.
    assert add_business_days(dt.date(2026, 11, 10), 1) == dt.date(2026, 11, 12)


def test_each_deadline_rule_and_its_status(build):
    con = build(replace={"agencies": AGENCIES},
                extra_rows={"documentation_reviews": REVIEWS, "action_plans": PLANS, "monitoring_visits": VISITS})
    found = deadlines(con, Filters(as_of=AS_OF))
    got = {(r["agency_id"], r["kind"], r["reference"]): (r["due_on"], r["status"], r["days_until_due"])
           for r in found.iter_rows(named=True)}
    assert got == {
        # Requested Wed 18 Nov + 15 business days (Thanksgiving skipped) = 10 Dec, 20 days away.
        ("A2", "materials", "2026"): (dt.date(2026, 12, 10), "due_soon", 20),
        # Received 1 July + 90 days = 29 September (30 + 31 + 29), 52 days before D.
        ("A3", "review", "2026"): (dt.date(2026, 9, 29), "late", -52),
        # Issued 13 Nov + 10 days = 23 Nov, 3 days away; the plan itself is due 31 Dec (41 days).
        ("A2", "response", "P1"): (dt.date(2026, 11, 23), "due_soon", 3),
        ("A2", "plan", "P1"): (dt.date(2026, 12, 31), "later", 41),
        # Due 1 November, not completed: 19 days late.
        ("A3", "plan", "P2"): (dt.date(2026, 11, 1), "late", -19),
        # Visits + 2 years: A2 15 Jan 2027 (56 days: 10 + 31 + 15), A3 10 Nov 2026 (10 days late).
        ("A2", "monitoring", "visit"): (dt.date(2027, 1, 15), "later", 56),
        ("A3", "monitoring", "visit"): (dt.date(2026, 11, 10), "late", -10),
    }
    # P3 was answered and completed; the 2025 review was completed: no deadline left for them.
    assert found["due_on"].is_sorted()


def test_the_horizon_is_thirty_days(build):
    con = build(replace={"agencies": AGENCIES}, extra_rows={"monitoring_visits": VISITS})
    # A2's visit is due 15 January 2027: 30 days before is 16 December 2026.
    on_edge = deadlines(con, Filters(as_of=dt.date(2026, 12, 16), agencies=("A2",)))
    before = deadlines(con, Filters(as_of=dt.date(2026, 12, 15), agencies=("A2",)))
    assert on_edge["status"].to_list() == ["due_soon"]
    assert before["status"].to_list() == ["later"]


def unfold(text: str) -> list[str]:
    lines: list[str] = []
    for line in text.split("\r\n"):
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def test_the_icalendar_file_is_well_formed():
    frame = pl.DataFrame({
        "agency_id": ["A2", "A3"], "kind": ["materials", "plan"],
        "what": ["Documentation materials for the 2026 review", "Plan of action P2, with a comma; and more"],
        "due_on": [dt.date(2026, 12, 10), dt.date(2026, 11, 1)], "reference": ["2026", "P2"],
    })
    labels = {"A2": "Beta County CRS", "A3": "Gamma County CRS with a name long enough to need folding"}
    text = to_ics(frame, dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC), labels)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    raw = text.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in raw)
    lines = unfold(text)[:-1]
    stack = []
    for line in lines:
        if line.startswith("BEGIN:"):
            stack.append(line[6:])
        elif line.startswith("END:"):
            assert stack.pop() == line[4:]
    assert stack == []
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    events = [i for i, line in enumerate(lines) if line == "BEGIN:VEVENT"]
    assert len(events) == 2
    first = lines[events[0]:lines.index("END:VEVENT") + 1]
    assert "DTSTART;VALUE=DATE:20261210" in first and "DTSTAMP:20261120T150000Z" in first
    assert "SUMMARY:Beta County CRS: Documentation materials for the 2026 review due" in first
    assert "UID:materials-A2-2026-20261210@recovery-oversight" in first
    assert "SUMMARY:Gamma County CRS with a name long enough to need folding: Plan of action P2\\, " \
           "with a comma\\; and more due" in lines
    # The same deadline keeps its UID from one download to the next.
    assert to_ics(frame, dt.datetime(2026, 12, 1, tzinfo=dt.UTC), labels).count("UID:") == 2
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(set(uids)) == 2


@pytest.mark.parametrize("name", ["Delta\rCRS", "Delta\r\nCRS", "Delta\nCRS"])
def test_a_line_break_in_a_name_is_escaped_in_the_icalendar_file(name):
    frame = pl.DataFrame({"agency_id": ["A4"], "kind": ["plan"], "what": ["Plan of action P4"],
                          "due_on": [dt.date(2026, 12, 1)], "reference": ["P4"]})
    text = to_ics(frame, dt.datetime(2026, 11, 20, tzinfo=dt.UTC), {"A4": name})
    # Every CR and LF left is part of a CR LF ending a content line.
    assert "\r" not in text.replace("\r\n", "") and "\n" not in text.replace("\r\n", "")
    assert "SUMMARY:Delta\\nCRS: Plan of action P4 due" in unfold(text)
