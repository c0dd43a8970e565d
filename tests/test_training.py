"""CRS orientation training (10 hours within three months of hire, exemptions counted) and
incidents by program and category."""

from __future__ import annotations

import datetime as dt

from metrics.measures.training import incidents_summary, orientation_agency, orientation_staff
from metrics.policy.filters import Filters

AS_OF = dt.date(2026, 6, 30)

STAFF = """staff_id,agency_id,role,fte,hired_on,separated_on
S1,A1,RSC-I,1.0,2024-01-01,
S2,A2,other,,2026-01-15,
S3,A2,other,,2026-01-31,
S4,A2,other,,2026-05-01,
S5,A2,CM,,2026-01-01,2026-02-15
S6,A2,other,,2026-07-01,
S7,A2,other,,2025-01-01,2026-06-29
"""
TRAININGS = [
    "staff_id,completed_on,hours,exempt",
    "S2,2026-02-01,6,",
    "S2,2025-10-01,4,true",      # exempt hours from training before hire count
    "S3,2026-03-01,8,",
    "S3,2026-05-01,3,",          # after the deadline: does not count
    "S4,2026-06-01,5,",
    "S4,2026-07-05,5,",          # after D: not yet happened
    "S5,2026-01-10,2,",
]
INCIDENTS = [
    "incident_id,agency_id,occurred_on,reported_on,category",
    "I1,A2,2026-05-01,2026-05-03,fall",
    "I2,A2,2026-05-10,2026-05-20,fall",
    "I3,A2,2026-06-01,2026-06-02,fall",
    "I4,A2,2026-06-20,2026-07-02,medication",   # reported after D
    "I5,A2,2026-06-10,2026-06-10,medication",
]


def test_orientation_hours_within_three_months_with_exemptions(build):
    con = build(replace={"staff": STAFF}, extra_rows={"trainings": TRAININGS})
    staff = orientation_staff(con, Filters(as_of=AS_OF))
    got = {r["staff_id"]: (r["deadline_on"], r["hours"], r["exempt_hours"], r["status"], r["hours_short"])
           for r in staff.iter_rows(named=True)}
    assert got == {
        # Hired 15 January: deadline 15 April; 6 hours + 4 exempt = 10, met.
        "S2": (dt.date(2026, 4, 15), 10.0, 4.0, "met", 0.0),
        # Hired 31 January: deadline 30 April (no 31 April); 8 hours by then, 2 short, window over.
        "S3": (dt.date(2026, 4, 30), 8.0, 0.0, "not_met", 2.0),
        # Hired 1 May: deadline 1 August, after D; 5 hours by D, still within the window.
        "S4": (dt.date(2026, 8, 1), 5.0, 0.0, "in_window", 5.0),
        # S1 is at a BHD agency, S5 and S7 (last day 29 June) have left by D, S6 was hired after D.
    }
    assert staff["staff_id"].to_list() == ["S3", "S4", "S2"]  # not met first, then in window
    agency = orientation_agency(staff)
    assert agency.select("agency_id", "staff", "met", "not_met", "in_window").rows() == [("A2", 3, 1, 1, 1)]


def test_orientation_before_the_window_ends_is_judged_on_d(build):
    con = build(replace={"staff": STAFF}, extra_rows={"trainings": TRAININGS})
    # On 20 March S3 has 8 hours and until 30 April: in window, not yet late.
    staff = orientation_staff(con, Filters(as_of=dt.date(2026, 3, 20), agencies=("A2",)))
    row = staff.filter(staff["staff_id"] == "S3").row(0, named=True)
    assert (row["hours"], row["status"]) == (8.0, "in_window")


def test_incidents_by_program_and_category_with_days_to_report(build):
    con = build(extra_rows={"incidents": INCIDENTS})
    summary = incidents_summary(con, Filters(as_of=AS_OF))
    got = {(r["agency_id"], r["category"]): (r["incidents"], r["median_days_to_report"], r["max_days_to_report"])
           for r in summary.iter_rows(named=True)}
    assert got == {
        # Days to report 2, 10 and 1: median 2, longest 10.
        ("A2", "fall"): (3, 2.0, 10),
        # I4 was reported after D; I5 the same day.
        ("A2", "medication"): (1, 0.0, 0),
    }
    windowed = incidents_summary(con, Filters(as_of=AS_OF, period_start=dt.date(2026, 5, 5)))
    # From 5 May: I2 (10 days) and I3 (1 day), median 5.5.
    assert windowed.filter(windowed["category"] == "fall").select(
        "incidents", "median_days_to_report", "max_days_to_report").row(0) == (2, 5.5, 10)
