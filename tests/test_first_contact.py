"""Time to first contact and assignment timeliness on hand-made extracts.

Every expected figure is worked out by hand in the comments. Fixture dates avoid the
daylight-saving changes (8 March and 1 November 2026) except where a test is about them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import holidays
import pytest

from metrics.measures.first_contact import (
    assignment_episodes,
    assignment_timeliness,
    first_contact_agency,
    first_contact_curve,
    first_contact_episodes,
    first_contact_trend,
)
from metrics.policy.calendar import add_business_days
from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from tests.conftest import BASE_TABLES, rejects

D = dt.date(2026, 10, 20)
END_OF_D = dt.datetime(2026, 10, 21)

EPISODES_HEADER = BASE_TABLES["episodes"].splitlines()[0] + "\n"
CONTACTS_HEADER = BASE_TABLES["contacts"].splitlines()[0] + "\n"
ASSIGNMENTS_HEADER = BASE_TABLES["assignments"].splitlines()[0] + "\n"

EPISODE_COLUMNS = ["episode_id", "agency_id", "service_level", "emergency", "referred_at", "first_contact_at",
                   "hours", "standard_hours", "due", "met", "followed_hours", "contacted"]
AGENCY_COLUMNS = ["as_of", "agency_id", "emergency", "referrals", "due", "met", "pct_met", "ci_low", "ci_high",
                  "median_hours", "p90_hours"]


def episode(eid: str, referred: str, emergency: bool = False, agency: str = "A1", level: str = "RSC-I",
            assigned: str = "", enrolled: str = "", discharged: str = "") -> str:
    discharge_type = "planned" if discharged else ""
    return f"{eid},C1,{agency},{level},{referred},{str(emergency).lower()},{assigned},{enrolled},{discharged},{discharge_type}"


def contact(cid: str, eid: str, at: str, kind: str = "client") -> str:
    return f"{cid},{eid},,{at},{kind},phone"


@pytest.fixture
def extract(build):
    """Build an extract with exactly these episodes and contacts (no caseload assignments)."""

    def _extract(episodes: list[str], contacts: list[str] = ()):
        con = build(replace={
            "episodes": EPISODES_HEADER + "".join(row + "\n" for row in episodes),
            "contacts": CONTACTS_HEADER + "".join(row + "\n" for row in contacts),
            "assignments": ASSIGNMENTS_HEADER,
        })
        assert rejects(con) == []
        return con

    return _extract


def by_episode(frame) -> dict[str, dict]:
    return {row["episode_id"]: row for row in frame.iter_rows(named=True)}


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval written out: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


# ---------------------------------------------------------------------------
# First contact: one episode at a time


def test_standard_boundaries_are_inclusive(extract):
    con = extract(
        [
            episode("B1", "2026-10-05 09:00"),
            episode("B2", "2026-10-05 09:00"),
            episode("B3", "2026-10-05 09:00", emergency=True),
            episode("B4", "2026-10-05 09:00", emergency=True),
        ],
        [
            contact("K1", "B1", "2026-10-06 09:00:00"),  # exactly 24 h
            contact("K2", "B2", "2026-10-06 09:00:01"),  # 24 h and 1 s
            contact("K3", "B3", "2026-10-05 09:30:00"),  # exactly 30 min
            contact("K4", "B4", "2026-10-05 09:30:01"),  # 30 min and 1 s
        ],
    )
    frame = first_contact_episodes(con, Filters(as_of=D))
    assert frame.columns == EPISODE_COLUMNS
    rows = by_episode(frame)
    assert rows["B1"]["hours"] == 24.0 and rows["B1"]["standard_hours"] == 24.0
    assert rows["B2"]["hours"] == pytest.approx(24 + 1 / 3600, abs=1e-12)
    assert rows["B3"]["hours"] == 0.5 and rows["B3"]["standard_hours"] == 0.5
    assert rows["B4"]["hours"] == pytest.approx(0.5 + 1 / 3600, abs=1e-12)
    assert {e: (r["due"], r["met"]) for e, r in rows.items()} == {
        "B1": (True, True), "B2": (True, False), "B3": (True, True), "B4": (True, False),
    }
    # Reached episodes are Kaplan–Meier events at their hours.
    assert all(r["contacted"] and r["followed_hours"] == r["hours"] for r in rows.values())


def test_only_client_contacts_from_the_referral_to_d_count(extract):
    con = extract(
        [
            episode("X1", "2026-10-05 09:00"),
            episode("X2", "2026-10-05 09:00"),
            episode("X3", "2026-10-05 09:00"),
        ],
        [
            # X1: an attempt, a collateral contact and an RST meeting come first; the client
            # is reached at 14:00, 5 hours after the referral.
            contact("K1", "X1", "2026-10-05 10:00", "attempt"),
            contact("K2", "X1", "2026-10-05 10:30", "collateral"),
            contact("K3", "X1", "2026-10-05 11:00", "rst_meeting"),
            contact("K4", "X1", "2026-10-05 14:00"),
            # X2: a client contact an hour before the referral does not count; the next one
            # is 48 hours after it, late.
            contact("K5", "X2", "2026-10-05 08:00"),
            contact("K6", "X2", "2026-10-07 09:00"),
            # X3: the only client contact is after D.
            contact("K7", "X3", "2026-10-21 10:00"),
        ],
    )
    rows = by_episode(first_contact_episodes(con, Filters(as_of=D)))
    assert rows["X1"]["first_contact_at"] == dt.datetime(2026, 10, 5, 14) and rows["X1"]["hours"] == 5.0
    assert rows["X1"]["met"]
    assert rows["X2"]["first_contact_at"] == dt.datetime(2026, 10, 7, 9) and rows["X2"]["hours"] == 48.0
    assert rows["X2"]["due"] and not rows["X2"]["met"]
    # X3 is not reached as of D: censored at the end of D, 21 Oct 00:00 − 5 Oct 09:00 =
    # 15 days 15 hours = 375 hours.
    assert rows["X3"]["first_contact_at"] is None and rows["X3"]["hours"] is None
    assert rows["X3"]["due"] and not rows["X3"]["met"]
    assert not rows["X3"]["contacted"] and rows["X3"]["followed_hours"] == 375.0
    # A day later the contact has happened: 16 days 1 hour = 385 hours, late.
    later = by_episode(first_contact_episodes(con, Filters(as_of=dt.date(2026, 10, 21))))
    assert later["X3"]["hours"] == 385.0 and later["X3"]["contacted"] and not later["X3"]["met"]


def test_referrals_not_yet_due_at_d(extract):
    con = extract([
        # 23:00 on D + 24 h is after the end of D: not due, but a referral followed for 1 hour.
        episode("N1", "2026-10-20 23:00"),
        # Emergency at 23:30: its 30 minutes run out exactly at the end of D, so it is due
        # (and not met: nobody reached the client).
        episode("N2", "2026-10-20 23:30", emergency=True),
        # One second later it is not due yet.
        episode("N3", "2026-10-20 23:30:01", emergency=True),
        # Referred at the end of D itself: it does not exist yet.
        episode("N4", "2026-10-21 00:00"),
    ])
    rows = by_episode(first_contact_episodes(con, Filters(as_of=D)))
    assert set(rows) == {"N1", "N2", "N3"}
    assert (rows["N1"]["due"], rows["N1"]["met"], rows["N1"]["followed_hours"]) == (False, False, 1.0)
    assert (rows["N2"]["due"], rows["N2"]["met"], rows["N2"]["followed_hours"]) == (True, False, 0.5)
    assert (rows["N3"]["due"], rows["N3"]["met"]) == (False, False)
    assert rows["N3"]["followed_hours"] == pytest.approx(0.5 - 1 / 3600, abs=1e-12)
    agency = {r["emergency"]: r for r in first_contact_agency(con, Filters(as_of=D)).iter_rows(named=True)}
    # N1 is a referral of its group, with nothing due: the rate and its bounds are empty.
    assert (agency[False]["referrals"], agency[False]["due"], agency[False]["met"]) == (1, 0, 0)
    assert agency[False]["pct_met"] is None and agency[False]["ci_low"] is None and agency[False]["ci_high"] is None
    assert (agency[True]["referrals"], agency[True]["due"], agency[True]["met"]) == (2, 1, 0)
    assert agency[True]["pct_met"] == 0.0


def test_never_reached_is_censored_at_discharge_or_end_of_d(extract):
    con = extract([
        # Discharged on 3 Oct: followed to 4 Oct 00:00, 60 hours after 1 Oct 12:00.
        episode("C1", "2026-10-01 12:00", enrolled="2026-10-02", discharged="2026-10-03"),
        # Discharged after D: followed to the end of D, 19 days 12 hours = 468 hours.
        episode("C2", "2026-10-01 12:00", enrolled="2026-10-02", discharged="2026-10-25"),
        # Still open: followed to the end of D too.
        episode("C3", "2026-10-01 12:00", enrolled="2026-10-02"),
    ])
    rows = by_episode(first_contact_episodes(con, Filters(as_of=D)))
    assert {e: r["followed_hours"] for e, r in rows.items()} == {"C1": 60.0, "C2": 468.0, "C3": 468.0}
    assert not any(r["contacted"] for r in rows.values())


def test_hours_are_elapsed_across_daylight_saving_changes(extract):
    con = extract(
        [
            # Clocks spring forward on 8 Mar 2026: 10:00 to 10:30 next day is 23.5 hours.
            episode("T1", "2026-03-07 10:00"),
            # Clocks fall back on 1 Nov 2026: 12:00 to 11:30 next day is 24.5 hours.
            episode("T2", "2026-10-31 12:00"),
            # 02:30 on 8 Mar 2026 never showed on a clock (02:00 became 03:00): it reads as
            # 03:30, so a contact at 03:00 would come before it; it counts as 0 hours.
            episode("T3", "2026-03-08 02:30", emergency=True),
        ],
        [contact("K1", "T1", "2026-03-08 10:30"), contact("K2", "T2", "2026-11-01 11:30"),
         contact("K3", "T3", "2026-03-08 03:00")],
    )
    rows = by_episode(first_contact_episodes(con, Filters(as_of=dt.date(2026, 11, 30))))
    assert (rows["T1"]["hours"], rows["T1"]["met"]) == (23.5, True)
    assert (rows["T2"]["hours"], rows["T2"]["met"]) == (24.5, False)
    assert (rows["T3"]["hours"], rows["T3"]["met"]) == (0.0, True)


def test_a_time_in_the_repeated_autumn_hour_is_its_first_occurrence(extract):
    # On 1 Nov 2026 clocks go from 01:59:59 CDT back to 01:00 CST: 01:00-01:59 shows twice.
    con = extract(
        [
            # 00:50 CDT, reached at 01:20 read as CDT (first occurrence): 30 minutes, met; read
            # as CST (the second) it would be 90 minutes.
            episode("F1", "2026-11-01 00:50", emergency=True),
            # Both in the repeated hour, both first occurrences: 01:10 to 01:40 is 30 minutes.
            episode("F2", "2026-11-01 01:10", emergency=True),
            # 01:05 written after the change reads as 01:05 CDT, before the referral at 01:40
            # CDT: it is no first contact, and the emergency was not reached in time.
            episode("F3", "2026-11-01 01:40", emergency=True),
            # 01:30 CDT to 02:30 CST: the repeated hour lies between, so 2 hours (1 if 01:30
            # were read as CST).
            episode("F4", "2026-11-01 01:30", emergency=True),
        ],
        [contact("K1", "F1", "2026-11-01 01:20"), contact("K2", "F2", "2026-11-01 01:40"),
         contact("K3", "F3", "2026-11-01 01:05"), contact("K4", "F4", "2026-11-01 02:30")],
    )
    rows = by_episode(first_contact_episodes(con, Filters(as_of=dt.date(2026, 11, 30))))
    assert {e: (r["hours"], r["met"]) for e, r in rows.items()} == {
        "F1": (0.5, True), "F2": (0.5, True), "F3": (None, False), "F4": (2.0, False)}


# ---------------------------------------------------------------------------
# First contact: per agency, Kaplan–Meier, trend


@pytest.fixture
def groups(extract):
    return extract(
        [
            # A1 non-emergency: B1 met at exactly 24 h, B2 late by a second.
            episode("B1", "2026-10-05 09:00"),
            episode("B2", "2026-10-05 09:00"),
            # A2 non-emergency, six referrals:
            episode("G1", "2026-10-10 08:00", agency="A2"),  # reached after 2 h
            episode("G2", "2026-10-10 08:00", agency="A2"),  # 4 h
            episode("G3", "2026-10-10 08:00", agency="A2"),  # 4 h
            # discharged the day of referral, never reached: censored at 11 Oct 00:00, 5 h
            episode("G4", "2026-10-10 19:00", agency="A2", enrolled="2026-10-10", discharged="2026-10-10"),
            episode("G5", "2026-10-10 08:00", agency="A2"),  # 30 h
            # never reached, open: censored at the end of D, 21 Oct 00:00 − 10 Oct 08:00 = 256 h
            episode("G6", "2026-10-10 08:00", agency="A2"),
            # A2 emergency, reached after 15, 30 and 60 minutes.
            episode("H1", "2026-09-30 12:00", emergency=True, agency="A2"),
            episode("H2", "2026-10-01 12:00", emergency=True, agency="A2"),
            episode("H3", "2026-10-01 12:00", emergency=True, agency="A2"),
        ],
        [
            contact("K1", "B1", "2026-10-06 09:00:00"),
            contact("K2", "B2", "2026-10-06 09:00:01"),
            contact("K3", "G1", "2026-10-10 10:00"),
            contact("K4", "G2", "2026-10-10 12:00"),
            contact("K5", "G3", "2026-10-10 12:00"),
            contact("K6", "G5", "2026-10-11 14:00"),
            contact("K7", "H1", "2026-09-30 12:15"),
            contact("K8", "H2", "2026-10-01 12:30"),
            contact("K9", "H3", "2026-10-01 13:00"),
        ],
    )


def test_agency_rates_and_kaplan_meier_percentiles(groups):
    frame = first_contact_agency(groups, Filters(as_of=D))
    assert frame.columns == AGENCY_COLUMNS
    rows = {(r["agency_id"], r["emergency"]): r for r in frame.iter_rows(named=True)}
    assert list(rows) == [("A1", False), ("A2", False), ("A2", True)]
    assert all(r["as_of"] == D for r in rows.values())

    # A1: 1 met of 2 due. Wilson, z = 1.96: centre (0.5 + z²/4) / (1 + z²/2) = 0.5,
    # half-width z/(1 + z²/2)·sqrt(0.125 + z²/16) = 0.671053·0.604228 = 0.405469.
    a1 = rows[("A1", False)]
    assert (a1["referrals"], a1["due"], a1["met"], a1["pct_met"]) == (2, 2, 1, 0.5)
    assert (a1["ci_low"], a1["ci_high"]) == pytest.approx((0.094531, 0.905469), abs=1e-6)
    assert (a1["ci_low"], a1["ci_high"]) == pytest.approx(wilson(1, 2), abs=1e-12)
    # At 24 h one of the two is reached (share 1/2: the median), at 24 h 1 s both (0: the p90).
    assert a1["median_hours"] == 24.0
    assert a1["p90_hours"] == pytest.approx(24 + 1 / 3600, abs=1e-12)

    # A2 non-emergency: G1–G6 are all due (the latest, G4 at 19:00 on 10 Oct, by 11 Oct 19:00);
    # met within 24 h: G1, G2, G3. G5 (30 h) is late, G4 and G6 never reached.
    a2 = rows[("A2", False)]
    assert (a2["referrals"], a2["due"], a2["met"]) == (6, 6, 3)
    assert (a2["ci_low"], a2["ci_high"]) == pytest.approx(wilson(3, 6), abs=1e-12)
    # Kaplan–Meier over times 2, 4, 4, 5+, 30, 256+ (+ censored):
    #   2 h:  6 at risk, 1 event  → 5/6
    #   4 h:  5 at risk, 2 events → 5/6 · 3/5 = 1/2   ← first share ≤ 0.5: the median
    #   5 h:  censored, no step
    #   30 h: 2 at risk, 1 event  → 1/2 · 1/2 = 1/4
    #   256 h: censored; the share never falls to 0.1, so p90 is null.
    # Dropping the never-reached would give 2, 4, 4, 30: median 4 but p90 30.
    assert a2["median_hours"] == 4.0
    assert a2["p90_hours"] is None

    # A2 emergency: 0.25, 0.5, 1 h, all reached → 2/3, 1/3, 0. Median 0.5 h, p90 1 h.
    # Met within 30 minutes: H1, H2.
    a2e = rows[("A2", True)]
    assert (a2e["referrals"], a2e["due"], a2e["met"]) == (3, 3, 2)
    assert (a2e["median_hours"], a2e["p90_hours"]) == (0.5, 1.0)


def test_kaplan_meier_curve(groups):
    frame = first_contact_curve(groups, Filters(as_of=D))
    assert frame.columns == ["agency_id", "emergency", "hours", "share_not_reached"]
    curve = [(r["hours"], r["share_not_reached"])
             for r in frame.filter(agency_id="A2", emergency=False).iter_rows(named=True)]
    # Every distinct follow-up time, censored ones included, after the start at (0, 1).
    expected = [(0.0, 1.0), (2.0, 5 / 6), (4.0, 0.5), (5.0, 0.5), (30.0, 0.25), (256.0, 0.25)]
    assert [h for h, _ in curve] == [h for h, _ in expected]
    assert [s for _, s in curve] == pytest.approx([s for _, s in expected], abs=1e-12)
    emergency = frame.filter(agency_id="A2", emergency=True)
    assert emergency["hours"].to_list() == [0.0, 0.25, 0.5, 1.0]
    assert emergency["share_not_reached"].to_list() == pytest.approx([1.0, 2 / 3, 1 / 3, 0.0], abs=1e-12)


def test_curve_of_a_group_nobody_reached_stays_whole(extract):
    con = extract([episode("C1", "2026-10-01 12:00", enrolled="2026-10-02", discharged="2026-10-03"),
                   episode("C2", "2026-10-01 12:00")])
    curve = first_contact_curve(con, Filters(as_of=D))
    assert curve["hours"].to_list() == [0.0, 60.0, 468.0]
    assert curve["share_not_reached"].to_list() == [1.0, 1.0, 1.0]
    agency = first_contact_agency(con, Filters(as_of=D))
    assert agency["median_hours"].to_list() == [None] and agency["p90_hours"].to_list() == [None]


def test_trend_by_month_of_referral(groups):
    frame = first_contact_trend(groups, Filters(as_of=D))
    assert frame.columns == ["month", "agency_id", "emergency", "due", "met", "pct_met", "ci_low", "ci_high"]
    rows = {(r["month"], r["agency_id"], r["emergency"]): (r["due"], r["met"]) for r in frame.iter_rows(named=True)}
    # H1 was referred in September, H2 and H3 in October.
    assert rows == {
        (dt.date(2026, 9, 1), "A2", True): (1, 1),
        (dt.date(2026, 10, 1), "A1", False): (2, 1),
        (dt.date(2026, 10, 1), "A2", False): (6, 3),
        (dt.date(2026, 10, 1), "A2", True): (2, 1),
    }
    october = frame.filter(month=dt.date(2026, 10, 1), agency_id="A2", emergency=True).row(0, named=True)
    assert (october["pct_met"], october["ci_low"], october["ci_high"]) == pytest.approx((0.5, *wilson(1, 2)))


def test_first_contact_filters(extract):
    con = extract(
        [
            episode("F1", "2026-10-01 23:59", agency="A1", level="RSC-I"),
            episode("F2", "2026-10-02 00:00", agency="A1", level="CM"),
            episode("F3", "2026-09-30 12:00", agency="A2", level="RSC-F"),
            episode("F4", "2026-10-05 12:00", agency="A2", level="CM", emergency=True),
        ],
        [contact("K1", "F4", "2026-10-05 12:10")],
    )

    def ids(**kw) -> list[str]:
        return sorted(first_contact_episodes(con, Filters(as_of=D, **kw))["episode_id"])

    assert ids() == ["F1", "F2", "F3", "F4"]
    assert ids(agencies=("A2",)) == ["F3", "F4"]
    assert ids(service_levels=("CM",)) == ["F2", "F4"]
    assert ids(agencies=("A1",), service_levels=("CM",)) == ["F2"]
    # The period is on the referral date, both ends included.
    assert ids(period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 1)) == ["F1"]
    assert ids(period_start=dt.date(2026, 10, 2)) == ["F2", "F4"]
    assert ids(period_end=dt.date(2026, 9, 30)) == ["F3"]
    agency = first_contact_agency(con, Filters(as_of=D, agencies=("A2",), service_levels=("CM",)))
    assert agency.select("agency_id", "emergency", "referrals", "met").rows() == [("A2", True, 1, 1)]
    trend = first_contact_trend(con, Filters(as_of=D, period_end=dt.date(2026, 9, 30)))
    assert trend.select("month", "agency_id").rows() == [(dt.date(2026, 9, 1), "A2")]


def test_first_contact_standards_come_from_the_settings(extract):
    con = extract([episode("S1", "2026-10-05 09:00"), episode("S2", "2026-10-05 09:00", emergency=True)],
                  [contact("K1", "S1", "2026-10-06 19:00"), contact("K2", "S2", "2026-10-05 09:45")])
    looser = replace(Settings(), first_contact_standard_hours=48.0, first_contact_emergency_hours=1.0)
    rows = by_episode(first_contact_episodes(con, Filters(as_of=D), looser))
    # 34 h within 48 h; 45 min within 1 h.
    assert [(r["standard_hours"], r["met"]) for r in rows.values()] == [(48.0, True), (1.0, True)]


# ---------------------------------------------------------------------------
# Assignment timeliness


def test_holiday_calendar_of_the_fixtures():
    wisconsin = holidays.country_holidays("US", subdiv="WI", years=[2026, 2027])
    assert dt.date(2026, 11, 26) in wisconsin  # Thanksgiving
    assert dt.date(2026, 11, 27) not in wisconsin  # the day after is a business day
    assert dt.date(2026, 12, 24) in wisconsin and dt.date(2026, 12, 25) in wisconsin
    assert dt.date(2026, 12, 31) in wisconsin and dt.date(2027, 1, 1) in wisconsin


@pytest.fixture
def assigned(extract):
    return extract([
        # Friday 6 Nov, 15:00: the next business day is Monday 9 Nov; deadline 10 Nov 00:00.
        episode("W1", "2026-11-06 15:00", assigned="2026-11-09 23:59:59"),  # met
        episode("W2", "2026-11-06 15:00", assigned="2026-11-10 00:00:00"),  # at the deadline instant: late
        # Saturday 7 Nov: the first business day after it is Monday 9 Nov too.
        episode("W3", "2026-11-07 10:00", assigned="2026-11-09 09:00"),  # met
        # Monday 2 Nov: deadline the end of Tuesday 3 Nov; assigned on Wednesday, late.
        episode("W4", "2026-11-02 09:00", assigned="2026-11-04 08:00"),
        # Wednesday 25 Nov: Thanksgiving (26 Nov) is a holiday, so Friday 27 Nov; deadline 28 Nov 00:00.
        episode("T1", "2026-11-25 10:00", assigned="2026-11-27 16:00"),  # met
        episode("T2", "2026-11-25 10:00", assigned="2026-11-28 08:00"),  # Saturday: late
        # Never assigned, deadline passed: due, not met.
        episode("U1", "2026-11-16 09:00"),
        # Emergency referrals are not measured here, however late.
        episode("E1", "2026-11-02 09:00", emergency=True, assigned="2026-11-20 09:00"),
        # Wednesday 23 Dec: 24 and 25 Dec are holidays, then a weekend: Monday 28 Dec.
        episode("X1", "2026-12-23 09:00", assigned="2026-12-28 17:00", agency="A2"),  # met
        # Wednesday 30 Dec: New Year's Eve and Day are holidays, then a weekend: Monday 4 Jan 2027.
        episode("X2", "2026-12-30 09:00", agency="A2"),
    ])


def test_assignment_deadlines_over_weekends_and_holidays(assigned):
    frame = assignment_episodes(assigned, Filters(as_of=dt.date(2027, 1, 31)))
    assert frame.columns == ["episode_id", "agency_id", "referred_at", "assigned_at", "deadline", "due", "met"]
    rows = by_episode(frame)
    assert "E1" not in rows
    deadlines = {e: r["deadline"] for e, r in rows.items()}
    assert deadlines == {
        "W1": dt.datetime(2026, 11, 10), "W2": dt.datetime(2026, 11, 10), "W3": dt.datetime(2026, 11, 10),
        "W4": dt.datetime(2026, 11, 4), "T1": dt.datetime(2026, 11, 28), "T2": dt.datetime(2026, 11, 28),
        "U1": dt.datetime(2026, 11, 18), "X1": dt.datetime(2026, 12, 29), "X2": dt.datetime(2027, 1, 5),
    }
    assert all(r["due"] for r in rows.values())
    assert {e for e, r in rows.items() if r["met"]} == {"W1", "W3", "T1", "X1"}

    per_agency = {r["agency_id"]: r for r in assignment_timeliness(assigned, Filters(as_of=dt.date(2027, 1, 31)))
                  .iter_rows(named=True)}
    assert list(per_agency) == ["A1", "A2"]
    # A1: W1, W3, T1 met of W1–W4, T1, T2, U1 (7 due); A2: X1 of X1, X2.
    assert (per_agency["A1"]["due"], per_agency["A1"]["met"]) == (7, 3)
    assert per_agency["A1"]["pct_met"] == pytest.approx(3 / 7)
    assert (per_agency["A1"]["ci_low"], per_agency["A1"]["ci_high"]) == pytest.approx(wilson(3, 7), abs=1e-12)
    assert (per_agency["A2"]["due"], per_agency["A2"]["met"], per_agency["A2"]["pct_met"]) == (2, 1, 0.5)


def test_assignment_as_of_d(assigned):
    # As of Friday 27 Nov: T1 and T2's deadline (28 Nov 00:00) is the end of D: due. T2's
    # assignment on 28 Nov has not happened yet.
    rows = by_episode(assignment_episodes(assigned, Filters(as_of=dt.date(2026, 11, 27))))
    assert set(rows) == {"W1", "W2", "W3", "W4", "T1", "T2", "U1"}
    assert rows["T1"]["due"] and rows["T1"]["met"]
    assert rows["T2"]["due"] and rows["T2"]["assigned_at"] is None and not rows["T2"]["met"]
    # As of Thursday 26 Nov neither is due yet; T1's assignment the next day is not known.
    rows = by_episode(assignment_episodes(assigned, Filters(as_of=dt.date(2026, 11, 26))))
    assert (rows["T1"]["due"], rows["T1"]["met"], rows["T1"]["assigned_at"]) == (False, False, None)
    per_agency = assignment_timeliness(assigned, Filters(as_of=dt.date(2026, 11, 26)))
    # W1–W4 and U1 (deadline 18 Nov) are due; T1, T2 not yet. Met: W1, W3.
    assert per_agency.select("agency_id", "due", "met").rows() == [("A1", 5, 2)]


def test_assignment_filters(assigned):
    def ids(**kw) -> list[str]:
        return sorted(assignment_episodes(assigned, Filters(as_of=dt.date(2027, 1, 31), **kw))["episode_id"])

    assert ids(agencies=("A2",)) == ["X1", "X2"]
    assert ids(service_levels=("CM",)) == []
    assert ids(period_start=dt.date(2026, 11, 7), period_end=dt.date(2026, 11, 25)) == ["T1", "T2", "U1", "W3"]
    assert assignment_timeliness(assigned, Filters(as_of=dt.date(2027, 1, 31), agencies=("A2",)))[
        "agency_id"].to_list() == ["A2"]


def test_assignment_deadline_agrees_with_the_calendar_module(extract):
    # One referral on every day of 2026 and the first weeks of 2027, against the plain
    # day-by-day count of metrics.policy.calendar, for one and for three business days.
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(400)]
    con = extract([episode(f"R{i:03d}", f"{day} 12:00") for i, day in enumerate(days)])
    for business_days in (1, 3):
        settings = replace(Settings(), assignment_business_days=business_days)
        frame = assignment_episodes(con, Filters(as_of=dt.date(2027, 12, 31)), settings)
        got = dict(zip(frame["episode_id"], frame["deadline"], strict=True))
        for i, day in enumerate(days):
            expected = add_business_days(day, business_days) + dt.timedelta(days=1)
            assert got[f"R{i:03d}"] == dt.datetime.combine(expected, dt.time()), day
