"""Biennial monitoring, documentation oversight and action plans on hand-made extracts."""

from __future__ import annotations

import datetime as dt

import pytest

from metrics.measures.action_plans import action_plans, action_plans_agency
from metrics.measures.monitoring import documentation_status, monitoring_status
from metrics.policy.filters import Filters

D = dt.date(2026, 6, 30)

AGENCIES = """agency_id,agency_name,oversight,county,program_start_on
A1,Alpha Recovery,BHD,Milwaukee,2010-01-01
A2,Two County CRS,DCTS,Dane,
A3,Three County CRS,DCTS,Polk,2024-08-15
A4,Four County CRS,DCTS,Vilas,
A5,Five County CRS,DCTS,Iron,2015-01-01
A6,Six County CRS,DCTS,Oneida,
A7,Seven County CRS,DCTS,Price,
A8,Eight County CRS,DCTS,Rusk,
"""

VISITS = """agency_id,visited_on
A1,2020-01-01
A2,2022-03-01
A2,2024-02-29
A5,2023-01-10
A5,2025-05-01
A5,2026-07-15
A6,2024-10-01
A7,2024-09-28
A8,2024-06-30
"""


@pytest.fixture
def oversight(build):
    return build(replace={"agencies": AGENCIES, "monitoring_visits": VISITS})


def test_monitoring_status_per_dcts_program(oversight):
    rows = {r["agency_id"]: r for r in monitoring_status(oversight, Filters(as_of=D)).iter_rows(named=True)}
    # BHD agencies are not monitored by DCTS.
    assert set(rows) == {"A2", "A3", "A4", "A5", "A6", "A7", "A8"}
    expected = {
        # last visit 29 Feb 2024: due 28 Feb 2026, 122 days before D (Mar 31 + Apr 30 + May 31 + Jun 30).
        "A2": (dt.date(2024, 2, 29), dt.date(2026, 2, 28), "overdue", -122),
        # never visited: two years after the program started, 46 days ahead (Jul 31 + 15).
        "A3": (None, dt.date(2026, 8, 15), "due_soon", 46),
        # neither a visit nor a start date: due on D itself.
        "A4": (None, D, "due_soon", 0),
        # the visit after D does not count yet.
        "A5": (dt.date(2025, 5, 1), dt.date(2027, 5, 1), "current", (dt.date(2027, 5, 1) - D).days),
        # due 93 days ahead: beyond the 90-day window.
        "A6": (dt.date(2024, 10, 1), dt.date(2026, 10, 1), "current", 93),
        # due exactly 90 days ahead: due soon.
        "A7": (dt.date(2024, 9, 28), dt.date(2026, 9, 28), "due_soon", 90),
        # due on D: not yet overdue.
        "A8": (dt.date(2024, 6, 30), D, "due_soon", 0),
    }
    got = {k: (r["last_visit_on"], r["next_due_on"], r["status"], r["days_until_due"]) for k, r in rows.items()}
    assert got == expected


def test_monitoring_status_is_sorted_most_overdue_first_and_filtered(oversight):
    frame = monitoring_status(oversight, Filters(as_of=D, agencies=("A5", "A2")))
    assert frame["agency_id"].to_list() == ["A2", "A5"]


def test_monitoring_the_day_after_due_is_overdue(oversight):
    frame = monitoring_status(oversight, Filters(as_of=D + dt.timedelta(days=1), agencies=("A8",)))
    assert frame.select("status", "days_until_due").row(0) == ("overdue", -1)


REVIEWS = """agency_id,review_year,requested_on,materials_received_on,population_size,sample_size,completed_on,outcome
A2,2025,2025-03-03,2025-03-20,40,8,2025-05-01,met
A2,2026,2026-05-20,,,,,
A3,2026,2026-01-05,2026-01-20,12,3,2026-06-01,not_met
"""


def test_documentation_oversight_deadlines(build):
    con = build(replace={"agencies": AGENCIES, "documentation_reviews": REVIEWS})
    rows = {r["agency_id"]: r for r in documentation_status(con, Filters(as_of=D)).iter_rows(named=True)}
    a2, a3, a4 = rows["A2"], rows["A3"], rows["A4"]
    # A2's last completed review (1 May 2025) is more than 12 months before D.
    assert a2["review_due"] is True and a2["last_completed_on"] == dt.date(2025, 5, 1)
    # Its 2026 request of Wed 20 May: 15 business days, skipping weekends and Memorial
    # Day (Mon 25 May), end on Thu 11 June; nothing had arrived by D.
    assert (a2["review_year"], a2["materials_due_on"], a2["materials_late"]) == (2026, dt.date(2026, 6, 11), True)
    assert a2["review_due_on"] is None
    # A3: requested Mon 5 Jan; skipping weekends and MLK Day (19 Jan) the materials were
    # due Tue 27 Jan and came on 20 Jan. The review was due 90 days after, 20 April, and
    # completed 1 June: late. Completed within 12 months of D: not due.
    assert (a3["materials_due_on"], a3["materials_late"]) == (dt.date(2026, 1, 27), False)
    assert (a3["review_due_on"], a3["review_late"], a3["review_due"]) == (dt.date(2026, 4, 20), True, False)
    assert a3["outcome"] == "not_met"
    # A4 never had a review.
    assert a4["review_due"] is True and a4["requested_on"] is None


PLANS = """plan_id,agency_id,kind,source,issued_on,due_on,response_on,completed_on,parent_plan_id
P1,A2,plan_of_action,documentation_oversight,2026-01-10,2026-03-01,,2026-02-20,
P2,A2,plan_of_action,documentation_oversight,2026-01-10,2026-03-01,,2026-03-02,
P3,A2,plan_of_action,biennial_monitoring,2026-05-01,2026-06-30,,,
P4,A3,plan_of_action,biennial_monitoring,2026-02-01,2026-04-01,,,
P5,A3,corrective_action,biennial_monitoring,2026-04-15,2026-07-15,2026-04-25,,P4
P6,A3,corrective_action,other,2026-03-01,2026-05-01,2026-03-12,,
P7,A2,corrective_action,other,2026-06-25,2026-08-01,,,
P8,A2,corrective_action,other,2026-05-01,2026-06-01,,2026-07-10,
P9,A2,plan_of_action,other,2026-07-05,2026-08-05,,,
P10,A2,plan_of_action,other,2026-02-01,2026-03-01,,,
P11,A2,corrective_action,other,2026-07-02,2026-08-02,,,P10
"""


@pytest.fixture
def plans(build):
    con = build(replace={"agencies": AGENCIES, "action_plans": PLANS})
    return action_plans(con, Filters(as_of=D))


def test_action_plan_status_and_responses(plans):
    got = {r["plan_id"]: (r["status"], r["days_overdue"], r["response_status"]) for r in plans.iter_rows(named=True)}
    assert got == {
        "P1": ("completed_on_time", 0, None),
        "P2": ("completed_late", 0, None),
        "P3": ("open", 0, None),                  # due on D: still open
        "P4": ("escalated", 0, None),             # P5 names it as its parent
        "P5": ("open", 0, "on_time"),             # response on day 10 exactly
        "P6": ("overdue", 60, "late"),            # due 1 May; response on day 11
        "P7": ("open", 0, "pending"),             # response due 5 July, after D
        "P8": ("overdue", 29, "missing"),         # completed after D: not yet; response due 11 May
        "P10": ("overdue", 121, None),            # its corrective action comes after D
    }
    # P9 and P11 are issued after D; overdue plans come first, longest overdue at the top.
    assert plans["plan_id"].to_list()[:3] == ["P10", "P6", "P8"]


def test_action_plans_per_agency(plans):
    rows = {r["agency_id"]: r for r in action_plans_agency(plans).iter_rows(named=True)}
    assert {k: v for k, v in rows["A2"].items() if k != "as_of"} == {
        "agency_id": "A2", "open_plans_of_action": 2, "open_corrective_actions": 2, "overdue": 2,
        "escalated": 0,
        # P1 took 41 days (21 left in January + 20), P2 51 (21 + 28 + 2): median 46.
        "median_days_to_complete": 46.0,
    }
    assert {k: v for k, v in rows["A3"].items() if k != "as_of"} == {
        "agency_id": "A3", "open_plans_of_action": 0, "open_corrective_actions": 2, "overdue": 1,
        "escalated": 1, "median_days_to_complete": None,
    }


def test_action_plans_window_keeps_plans_issued_within_it_and_older_ones_outstanding(build):
    con = build(replace={"agencies": AGENCIES, "action_plans": PLANS})
    frame = action_plans(con, Filters(as_of=D, period_start=dt.date(2026, 4, 1), period_end=dt.date(2026, 5, 31)))
    # Issued from 1 April to 31 May: P3, P5, P8. Issued before and still overdue on D: P6 (1 March)
    # and P10 (1 February); P1, P2 (completed) and P4 (escalated) are closed. P7 and P9, issued
    # after the window, are left out even while open.
    assert sorted(frame["plan_id"].to_list()) == ["P10", "P3", "P5", "P6", "P8"]
