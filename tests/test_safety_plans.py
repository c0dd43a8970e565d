"""The share of final care plans with a written Safety/Crisis Plan, worked out by hand on the
base extract (E1: agency A1, RSC-I; E2: agency A1, CM)."""

from __future__ import annotations

import datetime as dt

import pytest

from metrics.measures.adherence import safety_plans
from metrics.policy.filters import Filters

HEADER = "episode_id,plan_kind,completed_on,safety_plan"
PLANS = [
    HEADER,
    "E1,preliminary,2024-03-03,true",  # not a final plan
    "E1,final,2024-03-20,true",        # met
    "E1,final,2024-04-10,false",       # due, not met
    "E1,review,2024-04-20,true",       # not a final plan
    "E1,final,2024-05-01,",            # records neither: not recorded, not judged
    "E2,final,2024-03-10,yes",         # the CM episode: met
    "E1,final,2024-06-15,true",        # after the report date
]
AS_OF = dt.date(2024, 5, 31)


def rows(frame) -> dict[tuple[str, str], dict]:
    return {(row["agency_id"], row["service_level"]): row for row in frame.iter_rows(named=True)}


def test_final_plans_with_a_safety_plan_by_agency_and_level(build):
    found = rows(safety_plans(build({"care_plans": PLANS}), Filters(as_of=AS_OF)))
    assert set(found) == {("A1", "RSC-I"), ("A1", "CM")}
    rsc = found[("A1", "RSC-I")]
    assert (rsc["final_plans"], rsc["due"], rsc["met"], rsc["not_recorded"]) == (3, 2, 1, 1)
    assert rsc["rate"] == 0.5
    # Wilson 95% for 1 of 2: centre 0.5, half-width 1.96·sqrt(0.125 + 1.96²/16) / (1 + 1.96²/2) = 0.4055.
    assert rsc["ci_low"] == pytest.approx(0.0945, abs=1e-4)
    assert rsc["ci_high"] == pytest.approx(0.9055, abs=1e-4)
    cm = found[("A1", "CM")]
    assert (cm["final_plans"], cm["due"], cm["met"], cm["not_recorded"], cm["rate"]) == (1, 1, 1, 0, 1.0)
    assert all(row["as_of"] == AS_OF for row in found.values())


def test_the_report_date_and_the_period_decide_which_plans_count(build):
    con = build({"care_plans": PLANS})
    # On 10 April the second final plan is completed that day and counts; the third is not yet.
    on_the_day = rows(safety_plans(con, Filters(as_of=dt.date(2024, 4, 10))))[("A1", "RSC-I")]
    assert (on_the_day["final_plans"], on_the_day["due"], on_the_day["met"]) == (2, 2, 1)
    # April and May only: the 10 April plan (no Safety/Crisis Plan) and the 1 May one (not recorded).
    window = Filters(as_of=AS_OF, period_start=dt.date(2024, 4, 1), period_end=dt.date(2024, 5, 31))
    found = rows(safety_plans(con, window))
    assert set(found) == {("A1", "RSC-I")}
    rsc = found[("A1", "RSC-I")]
    assert (rsc["final_plans"], rsc["due"], rsc["met"], rsc["not_recorded"], rsc["rate"]) == (2, 1, 0, 1, 0.0)


def test_filters_narrow_by_service_level_and_agency(build):
    con = build({"care_plans": PLANS})
    assert list(rows(safety_plans(con, Filters(as_of=AS_OF, service_levels=("CM",))))) == [("A1", "CM")]
    assert safety_plans(con, Filters(as_of=AS_OF, agencies=("A2",))).is_empty()


def test_an_extract_without_the_column_shows_no_share_rather_than_zero(build):
    con = build({"care_plans": ["episode_id,plan_kind,completed_on", "E1,final,2024-03-20", "E2,final,2024-03-10"]})
    found = rows(safety_plans(con, Filters(as_of=AS_OF)))
    assert [(r["final_plans"], r["due"], r["not_recorded"], r["rate"], r["ci_low"]) for r in found.values()] == [
        (1, 0, 1, None, None), (1, 0, 1, None, None)]
