"""Contact-frequency adherence and milestones, on small extracts worked out by hand.

Calendar reminders for 2024 (a leap year): 1 January is a Monday; February has 29 days.
Weekly periods of an episode enrolled on 1 January end on the Sundays 7, 14, 21, 28 January,
4, 11 February…; its 30-day periods end on 30 January, 29 February, 30 March…
"""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest
from scipy import stats

from metrics.measures import adherence
from metrics.policy.filters import Filters
from metrics.policy.settings import settings

EPISODES = ("episode_id,client_id,agency_id,service_level,referred_at,emergency,assigned_at,"
            "enrolled_on,discharged_on,discharge_type\n")
CONTACTS = "contact_id,episode_id,staff_id,contact_at,kind,mode\n"
ASSIGNMENTS = "episode_id,staff_id,start_on,end_on\n"
CARE_PLANS = "episode_id,plan_kind,completed_on,safety_plan\n"
STAFF = "staff_id,agency_id,role,fte,hired_on,separated_on\n"


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def episode(episode_id: str, level: str, enrolled: str, discharged: str = "", agency: str = "A1") -> str:
    kind = "planned" if discharged else ""
    return f"{episode_id},C1,{agency},{level},{enrolled} 09:00,false,,{enrolled},{discharged},{kind}"


def contact(episode_id: str, at: str, kind: str = "client", staff: str = "S1") -> str:
    return f"{episode_id},{staff},{at if ' ' in at else at + ' 10:00'},{kind},phone"


def load(build, episodes, contacts=(), assignments=(), care_plans=(), staff=()):
    """An extract of these episodes (agencies A1/A2, clients C1/C2 and staff S1/S2 of the base)."""
    replace = {
        "episodes": EPISODES + "".join(row + "\n" for row in episodes),
        "contacts": CONTACTS + "".join(f"K{n},{row}\n" for n, row in enumerate(contacts)),
        "assignments": ASSIGNMENTS + "".join(row + "\n" for row in assignments),
        "care_plans": CARE_PLANS + "".join(row + "\n" for row in care_plans),
    }
    return build(replace=replace, extra_rows={"staff": list(staff)} if staff else None)


def rows(frame: pl.DataFrame, *keys: str) -> dict:
    """{key tuple: (periods_due, periods_met)} of an adherence frame."""
    return {tuple(r[k] for k in keys): (r["periods_due"], r["periods_met"]) for r in frame.iter_rows(named=True)}


def agency_rows(frame: pl.DataFrame) -> dict:
    return rows(frame, "agency_id", "service_level", "requirement")


# ---------------------------------------------------------------------------
# RSC-I weekly and monthly periods

# R1: RSC-I enrolled Monday 1 January 2024, still enrolled. As of Wednesday 7 February the
# stretch is 1 Jan–7 Feb (38 days): 38 // 7 = 5 complete weeks W0 1–7 Jan, W1 8–14, W2 15–21,
# W3 22–28, W4 29 Jan–4 Feb; W5 5–11 Feb is still running. 30-day periods: P0 1–30 Jan complete,
# P1 31 Jan–29 Feb running.
WEEKLY_CONTACTS = (
    contact("R1", "2023-12-31"),                       # before enrollment: no period
    contact("R1", "2024-01-07 23:30"),                 # last minute of W0's last day: W0 met
    contact("R1", "2024-01-09", "attempt"),            # W1: an attempt does not count
    contact("R1", "2024-01-10", "collateral"),         # W1: nor a collateral contact -> W1 unmet
    contact("R1", "2024-01-15 00:00"),                 # W2's first instant: met
    contact("R1", "2024-01-20"),                       # W2 again: counts once
    contact("R1", "2024-01-25", staff="S2"),           # W3 by another staff member: met
    contact("R1", "2024-01-25", "rst_meeting"),        # W3: an RST meeting is no client contact; P0 met
    contact("R1", "2024-01-30", "rst_meeting"),        # P0's last day: P0 (met already) counts once
    contact("R1", "2024-02-02", "collateral"),         # W4 unmet
    contact("R1", "2024-02-06"),                       # W5, incomplete: not counted
    contact("R1", "2024-02-09"),                       # after D: never counted
    contact("R1", "2024-02-10", staff=""),             # after D, and no staff recorded
)


@pytest.fixture
def weekly(build):
    return load(build, [episode("R1", "RSC-I", "2024-01-01")], WEEKLY_CONTACTS,
                ["R1,S1,2024-01-01,"])


def test_weekly_client_contact_and_monthly_rst(weekly):
    frame = adherence.adherence_agency(weekly, Filters(as_of=d("2024-02-07")))
    assert frame.columns == ["as_of", "agency_id", "service_level", "requirement", "periods_due", "periods_met",
                             "adherence", "ci_low", "ci_high"]
    # Weeks W0..W4 due, W0, W2, W3 met; one 30-day period, met.
    assert agency_rows(frame) == {
        ("A1", "RSC-I", "client_contact"): (5, 3),
        ("A1", "RSC-I", "rst_meeting"): (1, 1),
    }
    assert frame["as_of"].to_list() == [d("2024-02-07")] * 2
    assert frame.filter(pl.col("requirement") == "client_contact")["adherence"].item() == pytest.approx(0.6)


@pytest.mark.parametrize(("as_of", "expected"), [
    # W4 ends Sunday 4 February: due from the end of that day on, not the day before.
    ("2024-02-03", (4, 3)),
    ("2024-02-04", (5, 3)),
    # W5 (5–11 Feb) becomes due on 11 February with its contact of the 6th; those of the 9th
    # and 10th now count for W5 too, but it is met once.
    ("2024-02-11", (6, 4)),
])
def test_a_period_counts_from_its_exact_last_day(weekly, as_of, expected):
    frame = adherence.adherence_agency(weekly, Filters(as_of=d(as_of)))
    assert agency_rows(frame)[("A1", "RSC-I", "client_contact")] == expected


def test_rows_without_a_due_period_are_left_out(weekly):
    # As of 29 January: W0..W3 due; the first 30-day period ends on the 30th, so no rst row.
    frame = adherence.adherence_agency(weekly, Filters(as_of=d("2024-01-29")))
    assert agency_rows(frame) == {("A1", "RSC-I", "client_contact"): (4, 3)}
    # Before the first week ends, nothing is due anywhere.
    assert adherence.adherence_agency(weekly, Filters(as_of=d("2024-01-06"))).is_empty()


def test_wilson_bounds_match_scipy(weekly):
    row = adherence.adherence_agency(weekly, Filters(as_of=d("2024-02-07"))).row(0, named=True)
    interval = stats.binomtest(3, 5).proportion_ci(method="wilson")
    assert (row["periods_met"], row["periods_due"]) == (3, 5)
    assert row["ci_low"] == pytest.approx(interval.low)
    assert row["ci_high"] == pytest.approx(interval.high)


def test_periods_straddling_discharge_are_not_counted(build):
    # D1 discharged Wednesday 17 January: W0, W1 complete, W2 (15–21) cut short. The contact
    # of the 16th falls in W2 and the one of the 18th after discharge: neither counts.
    # D2 discharged Sunday 14 January, the last day of W1: the discharge day belongs to the
    # stretch, so W1 is complete and its contact on that day meets it.
    con = load(build, [episode("D1", "RSC-F", "2024-01-01", "2024-01-17"),
                       episode("D2", "RSC-F", "2024-01-01", "2024-01-14", agency="A2")],
               [contact("D1", "2024-01-02"), contact("D1", "2024-01-16"), contact("D1", "2024-01-18"),
                contact("D2", "2024-01-14 18:00")])
    frame = adherence.adherence_agency(con, Filters(as_of=d("2024-06-30")))
    # 30-day periods: neither episode lasted 30 days, so no rst rows.
    assert agency_rows(frame) == {
        ("A1", "RSC-F", "client_contact"): (2, 1),
        ("A2", "RSC-F", "client_contact"): (2, 1),
    }


def test_rst_period_ending_on_29_february(build):
    # P0 1–30 Jan, P1 31 Jan–29 Feb, P2 1–30 Mar, P3 31 Mar–29 Apr. As of 31 March P0..P2 are due.
    # Meetings: 29 Feb (P1's last day) met, 15 Mar (P2) met, 31 Mar (P3, running) not counted.
    con = load(build, [episode("F1", "RSC-I", "2024-01-01")],
               [contact("F1", "2024-02-29 16:00", "rst_meeting"), contact("F1", "2024-03-15", "rst_meeting"),
                contact("F1", "2024-03-31", "rst_meeting")])
    filters = Filters(as_of=d("2024-03-31"))
    assert agency_rows(adherence.adherence_agency(con, filters))[("A1", "RSC-I", "rst_meeting")] == (3, 2)
    trend = adherence.adherence_trend(con, filters).filter(pl.col("requirement") == "rst_meeting")
    assert rows(trend, "month") == {(d("2024-01-01"),): (1, 0), (d("2024-02-01"),): (1, 1),
                                    (d("2024-03-01"),): (1, 1)}


# ---------------------------------------------------------------------------
# CM periods

def test_cm_fortnights_and_ninety_days(build):
    # M1 enrolled 1 March 2024, as of 1 May: 62 days, 62 // 14 = 4 fortnights due:
    # P0 1–14 Mar, P1 15–28 Mar, P2 29 Mar–11 Apr, P3 12–25 Apr; P4 26 Apr–9 May running.
    # Client contacts on 14 Mar (P0's last day), 1 Apr (P2), 25 Apr (P3), 27 Apr (P4): 3 met.
    # No 90-day period is complete (62 < 90), so no rst row for M1's agency.
    # M2 (agency A2) enrolled 1 January 2024, as of 1 May: 122 days, one 90-day period
    # 1 Jan–30 Mar (day 89 = 30 March in a leap year) met by the meeting on its last day;
    # the meeting of 31 March is in the running second period.
    con = load(build, [episode("M1", "CM", "2024-03-01"), episode("M2", "CM", "2024-01-01", agency="A2")],
               [contact("M1", "2024-03-14"), contact("M1", "2024-04-01"), contact("M1", "2024-04-25"),
                contact("M1", "2024-04-27"), contact("M1", "2024-03-20", "attempt"),
                contact("M2", "2024-03-30", "rst_meeting"), contact("M2", "2024-03-31", "rst_meeting")])
    frame = adherence.adherence_agency(con, Filters(as_of=d("2024-05-01")))
    # M2 had no client contact: 122 // 14 = 8 fortnights due, none met.
    assert agency_rows(frame) == {
        ("A1", "CM", "client_contact"): (4, 3),
        ("A2", "CM", "client_contact"): (8, 0),
        ("A2", "CM", "rst_meeting"): (1, 1),
    }
    # M2's second 90-day period runs 31 March–28 June (days 90–179): due from 28 June on, and
    # met by the meeting of 31 March, its first day.
    day_before = adherence.adherence_agency(con, Filters(as_of=d("2024-06-27"), agencies=("A2",)))
    assert agency_rows(day_before)[("A2", "CM", "rst_meeting")] == (1, 1)
    later = adherence.adherence_agency(con, Filters(as_of=d("2024-06-28"), agencies=("A2",)))
    assert agency_rows(later)[("A2", "CM", "rst_meeting")] == (2, 2)


# ---------------------------------------------------------------------------
# Per staff member

def test_staff_attribution_after_a_transfer(build):
    # T1 enrolled 1 January; S1 carries it 1–21 January, S3 from 21 January (the transfer day
    # is on both rows: the later assignment wins). As of 4 February, week last days:
    # 7 Jan S1, 14 Jan S1, 21 Jan S3, 28 Jan S3, 4 Feb S3; the 30-day period ending 30 Jan: S3.
    # Contacts: 3 Jan by S1 (W0), 19 Jan by S1 (W2, credited to S3: a colleague's contact
    # counts), 30 Jan by S3 (W4).
    con = load(build, [episode("T1", "RSC-I", "2024-01-01")],
               [contact("T1", "2024-01-03"), contact("T1", "2024-01-19"), contact("T1", "2024-01-30", staff="S3")],
               ["T1,S1,2024-01-01,2024-01-21", "T1,S3,2024-01-21,"],
               staff=["S3,A1,RSC-I,1.0,2023-06-01,"])
    frame = adherence.adherence_staff(con, Filters(as_of=d("2024-02-04")))
    assert frame.columns == ["as_of", "agency_id", "staff_id", "service_level", "requirement", "periods_due",
                             "periods_met", "adherence", "ci_low", "ci_high"]
    assert rows(frame, "staff_id", "requirement") == {
        ("S1", "client_contact"): (2, 1),
        ("S3", "client_contact"): (3, 2),
        ("S3", "rst_meeting"): (1, 0),
    }


def test_staff_who_left_and_unassigned_periods(build):
    # L1 enrolled 1 January; S4 carried it until 14 January, the day S4 left; nobody until S1
    # took it on 25 January. Week last days 7, 14 Jan -> S4; 21 Jan -> nobody; 28 Jan, 4 Feb -> S1.
    # Contacts on 2 Jan (W0) and 17 Jan (W2, unassigned).
    con = load(build, [episode("L1", "RSC-I", "2024-01-01")],
               [contact("L1", "2024-01-02", staff="S4"), contact("L1", "2024-01-17", staff="")],
               ["L1,S4,2024-01-01,2024-01-14", "L1,S1,2024-01-25,"],
               staff=["S4,A1,RSC-I,1.0,2023-01-01,2024-01-14"])
    frame = adherence.adherence_staff(con, Filters(as_of=d("2024-02-04")))
    assert rows(frame.filter(pl.col("requirement") == "client_contact"), "staff_id") == {
        ("S1",): (2, 0), ("S4",): (2, 1), (None,): (1, 1),
    }
    # The staff rows add up to the agency row.
    agency = adherence.adherence_agency(con, Filters(as_of=d("2024-02-04")))
    assert agency_rows(agency)[("A1", "RSC-I", "client_contact")] == (5, 2)


# ---------------------------------------------------------------------------
# Trend, filters

def test_month_trend_buckets_by_the_periods_last_day(weekly):
    trend = adherence.adherence_trend(weekly, Filters(as_of=d("2024-02-07")))
    assert trend.columns == ["month", "agency_id", "service_level", "requirement", "periods_due", "periods_met",
                             "adherence", "ci_low", "ci_high"]
    assert trend["month"].dtype == pl.Date
    # Weeks ending 7, 14, 21, 28 January (W0, W2, W3 met) and 4 February (unmet); P0 ends 30 Jan.
    assert rows(trend, "month", "requirement") == {
        (d("2024-01-01"), "client_contact"): (4, 3),
        (d("2024-02-01"), "client_contact"): (1, 0),
        (d("2024-01-01"), "rst_meeting"): (1, 1),
    }


def test_period_filter_keeps_periods_ending_within_it(weekly):
    # Last days in 10–28 January: weeks ending 14, 21, 28 Jan (W1 unmet, W2, W3 met);
    # the 30-day period ends on the 30th, outside.
    filters = Filters(as_of=d("2024-02-07"), period_start=d("2024-01-10"), period_end=d("2024-01-28"))
    assert agency_rows(adherence.adherence_agency(weekly, filters)) == {("A1", "RSC-I", "client_contact"): (3, 2)}
    assert rows(adherence.adherence_trend(weekly, filters), "month") == {(d("2024-01-01"),): (3, 2)}
    assert rows(adherence.adherence_staff(weekly, filters), "staff_id") == {("S1",): (3, 2)}
    # A bound on a period's last day includes it: from 14 January (W1..W4), up to 7 January (W0).
    from_14 = Filters(as_of=d("2024-02-07"), period_start=d("2024-01-14"))
    assert agency_rows(adherence.adherence_agency(weekly, from_14))[("A1", "RSC-I", "client_contact")] == (4, 2)
    up_to_7 = Filters(as_of=d("2024-02-07"), period_end=d("2024-01-07"))
    assert agency_rows(adherence.adherence_agency(weekly, up_to_7)) == {("A1", "RSC-I", "client_contact"): (1, 1)}


def test_agency_and_service_level_filters(build):
    con = load(build, [episode("G1", "RSC-I", "2024-01-01"), episode("G2", "CM", "2024-01-01", agency="A2")],
               [contact("G1", "2024-01-03"), contact("G2", "2024-01-03")])
    as_of = d("2024-01-14")  # G1: 2 weeks (1 met); G2: 1 fortnight (met)
    assert agency_rows(adherence.adherence_agency(con, Filters(as_of=as_of))) == {
        ("A1", "RSC-I", "client_contact"): (2, 1), ("A2", "CM", "client_contact"): (1, 1)}
    assert agency_rows(adherence.adherence_agency(con, Filters(as_of=as_of, agencies=("A2",)))) == {
        ("A2", "CM", "client_contact"): (1, 1)}
    assert agency_rows(adherence.adherence_agency(con, Filters(as_of=as_of, service_levels=("RSC-I",)))) == {
        ("A1", "RSC-I", "client_contact"): (2, 1)}


def test_not_enrolled_or_enrolled_after_d_is_not_counted(build):
    con = load(build, [episode("N1", "RSC-I", "2024-03-01"),
                       "N2,C2,A1,RSC-I,2024-01-01 09:00,false,,,,"],
               [contact("N1", "2024-01-02"), contact("N2", "2024-01-02")])
    assert adherence.adherence_agency(con, Filters(as_of=d("2024-02-28"))).is_empty()
    assert adherence.adherence_staff(con, Filters(as_of=d("2024-02-28"))).is_empty()
    assert adherence.adherence_trend(con, Filters(as_of=d("2024-02-28"))).is_empty()


# ---------------------------------------------------------------------------
# Against a plain day-by-day count on random extracts

def _random_extract(seed: int) -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(seed)
    start = d("2023-01-01")
    episodes, contacts, assignments = [], [], []
    for n in range(25):
        level = rng.choice(["RSC-I", "RSC-F", "CM"])
        enrolled = start + dt.timedelta(days=rng.randrange(0, 400))
        discharged = enrolled + dt.timedelta(days=rng.randrange(0, 300)) if rng.random() < 0.5 else None
        agency = rng.choice(["A1", "A2"])
        episodes.append(episode(f"E{n}", level, enrolled.isoformat(), discharged.isoformat() if discharged else "",
                                agency))
        for _ in range(rng.randrange(0, 60)):
            day = enrolled + dt.timedelta(days=rng.randrange(-10, 330))
            kind = rng.choice(["client", "client", "attempt", "rst_meeting", "collateral"])
            contacts.append(contact(f"E{n}", f"{day} {rng.randrange(24):02d}:{rng.randrange(60):02d}", kind,
                                    rng.choice(["S1", "S2", ""])))
        day = enrolled + dt.timedelta(days=rng.randrange(-5, 20))
        for _ in range(rng.randrange(0, 4)):
            length = rng.randrange(0, 120)
            end = day + dt.timedelta(days=length)
            open_ended = rng.random() < 0.3
            assignments.append(f"E{n},{rng.choice(['S1', 'S2'])},{day},{'' if open_ended else end}")
            day = end + dt.timedelta(days=rng.randrange(-3, 20))
    return episodes, contacts, assignments


def _day_by_day(episodes, contacts, assignments, filters: Filters):
    """Every complete period listed in Python: {(agency, staff, level, requirement, month): [due, met]}."""
    out: dict[tuple, list[int]] = {}
    by_episode: dict[str, list[tuple[dt.date, str]]] = {}
    for row in contacts:
        episode_id, _, at, kind, _ = row.split(",")
        by_episode.setdefault(episode_id, []).append((d(at[:10]), kind))
    carried: dict[str, list[tuple[dt.date, dt.date | None, str]]] = {}
    for row in assignments:
        episode_id, staff_id, start_on, end_on = row.split(",")
        carried.setdefault(episode_id, []).append((d(start_on), d(end_on) if end_on else None, staff_id))
    for row in episodes:
        episode_id, _, agency, level, _, _, _, enrolled, discharged, _ = row.split(",")
        enrolled = d(enrolled)
        if enrolled > filters.as_of:
            continue
        end = min(d(discharged), filters.as_of) if discharged else filters.as_of
        for rule_level, requirement, length, kind in settings().contact_periods():
            if rule_level != level:
                continue
            k = 0
            while (last := enrolled + dt.timedelta(days=(k + 1) * length - 1)) <= end:
                first = last - dt.timedelta(days=length - 1)
                k += 1
                if (filters.period_start and last < filters.period_start) or (
                        filters.period_end and last > filters.period_end):
                    continue
                met = any(first <= day <= last and c_kind == kind for day, c_kind in by_episode.get(episode_id, []))
                active = [(s, staff) for s, e, staff in carried.get(episode_id, []) if s <= last and (e is None
                                                                                                   or last <= e)]
                staff = sorted(active, key=lambda a: (-a[0].toordinal(), a[1]))[0][1] if active else None
                cell = out.setdefault((agency, staff, level, requirement, last.replace(day=1)), [0, 0])
                cell[0] += 1
                cell[1] += met
    return out


def _totals(cells: dict, keep: tuple[int, ...]) -> dict:
    totals: dict[tuple, tuple[int, int]] = {}
    for key, (due, met) in cells.items():
        short = tuple(key[i] for i in keep)
        before = totals.get(short, (0, 0))
        totals[short] = (before[0] + due, before[1] + met)
    return totals


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_a_day_by_day_count(build, seed):
    episodes, contacts, assignments = _random_extract(seed)
    con = load(build, episodes, contacts, assignments)
    for filters in (Filters(as_of=d("2024-06-30")),
                    Filters(as_of=d("2024-03-15"), period_start=d("2023-08-03"), period_end=d("2024-01-09")),
                    Filters(as_of=d("2025-03-01"), agencies=("A2",), period_start=d("2024-02-29"))):
        cells = {k: v for k, v in _day_by_day(episodes, contacts, assignments, filters).items()
                 if filters.agencies is None or k[0] in filters.agencies}
        assert agency_rows(adherence.adherence_agency(con, filters)) == _totals(cells, (0, 2, 3))
        staff = adherence.adherence_staff(con, filters)
        assert rows(staff, "agency_id", "staff_id", "service_level", "requirement") == _totals(cells, (0, 1, 2, 3))
        trend = adherence.adherence_trend(con, filters)
        assert rows(trend, "agency_id", "service_level", "requirement", "month") == _totals(cells, (0, 2, 3, 4))


# ---------------------------------------------------------------------------
# Milestones

def milestone_rows(frame: pl.DataFrame, milestone: str) -> dict:
    """{episode_id: (due, met)} of one milestone."""
    return {r["episode_id"]: (r["due"], r["met"])
            for r in frame.filter(pl.col("milestone") == milestone).iter_rows(named=True)}


def test_rst_formed_within_14_days(build):
    # All enrolled 1 January 2024: deadline 15 January (day 14).
    con = load(build, [episode("X1", "RSC-I", "2024-01-01"), episode("X2", "RSC-I", "2024-01-01"),
                       episode("X3", "RSC-F", "2024-01-01", "2024-01-10"), episode("X4", "RSC-I", "2024-01-01"),
                       episode("X5", "CM", "2024-01-01")],
               [contact("X1", "2024-01-15 17:00", "rst_meeting"),   # day 14: in time
                contact("X2", "2024-01-16 08:00", "rst_meeting"),   # day 15: late
                contact("X3", "2024-01-05", "rst_meeting"),         # discharged before the deadline
                contact("X4", "2024-01-05"),                         # a client contact is no RST meeting
                contact("X5", "2024-01-05", "rst_meeting")])         # CM: not an RSC milestone
    # As of 14 January, the deadline day has not ended: nothing due yet.
    before = adherence.milestones_episodes(con, Filters(as_of=d("2024-01-14")))
    assert milestone_rows(before, "rst_formed") == {"X1": (False, False), "X2": (False, False),
                                                    "X3": (False, False), "X4": (False, False)}
    on = adherence.milestones_episodes(con, Filters(as_of=d("2024-01-15")))
    # X3 left before the deadline: not judged.
    assert milestone_rows(on, "rst_formed") == {"X1": (True, True), "X2": (True, False),
                                                "X3": (False, False), "X4": (True, False)}
    assert on.filter(pl.col("episode_id") == "X1", pl.col("milestone") == "rst_formed")["deadline"].item() == \
        d("2024-01-15")
    summary = adherence.milestones(con, Filters(as_of=d("2024-01-15")))
    assert summary.columns == ["as_of", "agency_id", "service_level", "milestone", "due", "met", "rate",
                               "ci_low", "ci_high"]
    row = summary.filter(pl.col("service_level") == "RSC-I", pl.col("milestone") == "rst_formed").row(0, named=True)
    assert (row["due"], row["met"]) == (3, 1)
    assert row["rate"] == pytest.approx(1 / 3)
    interval = stats.binomtest(1, 3).proportion_ci(method="wilson")
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(interval.low), pytest.approx(interval.high))
    # RSC-F (X3 only): nothing due, so the rate and its bounds are empty.
    empty = summary.filter(pl.col("service_level") == "RSC-F", pl.col("milestone") == "rst_formed").row(0, named=True)
    assert (empty["due"], empty["met"], empty["rate"], empty["ci_low"], empty["ci_high"]) == (0, 0, None, None, None)


def test_sccp_final_within_30_days(build):
    # Enrolled 1 January 2024: deadline 31 January (day 30).
    con = load(build, [episode("P1", "RSC-I", "2024-01-01"), episode("P2", "RSC-I", "2024-01-01"),
                       episode("P3", "RSC-I", "2024-01-01")],
               care_plans=["P1,preliminary,2024-01-05,", "P1,final,2024-01-31,true",   # day 30: in time
                           "P2,final,2024-02-01,",                                       # day 31: late
                           "P3,preliminary,2024-01-20,"])                                # never final
    assert milestone_rows(adherence.milestones_episodes(con, Filters(as_of=d("2024-01-30"))), "sccp_final") == {
        "P1": (False, False), "P2": (False, False), "P3": (False, False)}
    assert milestone_rows(adherence.milestones_episodes(con, Filters(as_of=d("2024-01-31"))), "sccp_final") == {
        "P1": (True, True), "P2": (True, False), "P3": (True, False)}


def test_sccp_review_gaps(build):
    # Final plans on 10 January 2024; the first review deadline is 9 February (day 30).
    con = load(build, [episode("V1", "RSC-I", "2024-01-01"), episode("V2", "RSC-I", "2024-01-01"),
                       episode("V3", "RSC-I", "2024-01-01"), episode("V4", "RSC-I", "2024-01-01", "2024-03-09"),
                       episode("V5", "RSC-I", "2024-01-01", "2024-03-10"), episode("V6", "RSC-I", "2024-01-01")],
               care_plans=[
                   # V1: reviews 30 days apart each (9 Feb, 10 Mar): kept. As of 20 March the next
                   # deadline (9 April) is still ahead.
                   "V1,final,2024-01-10,", "V1,review,2024-02-09,", "V1,review,2024-03-10,",
                   # V2: the first review comes on day 31: a gap of more than 30 days.
                   "V2,final,2024-01-10,", "V2,review,2024-02-10,", "V2,review,2024-03-01,",
                   # V3: never reviewed; the open gap since 10 January fails once 9 February has ended.
                   "V3,final,2024-01-10,",
                   # V4, V5: reviewed 9 February, next deadline 10 March. V4 left on 9 March, before
                   # it; V5 left on 10 March, the deadline day itself, without a review.
                   "V4,final,2024-01-10,", "V4,review,2024-02-09,",
                   "V5,final,2024-01-10,", "V5,review,2024-02-09,",
                   # V6: no final plan, only a preliminary one: not due (sccp_final counts it).
                   "V6,preliminary,2024-01-10,",
               ])
    as_of = Filters(as_of=d("2024-03-20"))
    assert milestone_rows(adherence.milestones_episodes(con, as_of), "sccp_review") == {
        "V1": (True, True), "V2": (True, False), "V3": (True, False), "V4": (True, True), "V5": (True, False),
        "V6": (False, False)}
    # V3 on the first deadline: due from the end of 9 February, not the day before.
    assert milestone_rows(adherence.milestones_episodes(con, Filters(as_of=d("2024-02-08"))), "sccp_review")["V3"] \
        == (False, False)
    assert milestone_rows(adherence.milestones_episodes(con, Filters(as_of=d("2024-02-09"))), "sccp_review")["V3"] \
        == (True, False)
    # V1 as of 9 April: the deadline set by the 10 March review has passed with no event.
    assert milestone_rows(adherence.milestones_episodes(con, Filters(as_of=d("2024-04-08"))), "sccp_review")["V1"] \
        == (True, True)
    assert milestone_rows(adherence.milestones_episodes(con, Filters(as_of=d("2024-04-09"))), "sccp_review")["V1"] \
        == (True, False)


def test_sccp_review_as_of_an_earlier_date_ignores_later_plans(build):
    # W1: final 10 January 2024, review 9 February, then the next only on 12 March: the deadline
    # of 10 March passes first. As of 5 March the reviews are still kept; from 10 March they
    # have lapsed, whatever came later.
    con = load(build, [episode("W1", "RSC-I", "2024-01-01")],
               care_plans=["W1,final,2024-01-10,", "W1,review,2024-02-09,", "W1,review,2024-03-12,"])
    by_day = {day: milestone_rows(adherence.milestones_episodes(con, Filters(as_of=d(day))), "sccp_review")["W1"]
              for day in ("2024-03-05", "2024-03-09", "2024-03-10", "2024-03-12", "2024-04-30")}
    assert by_day == {"2024-03-05": (True, True), "2024-03-09": (True, True), "2024-03-10": (True, False),
                      "2024-03-12": (True, False), "2024-04-30": (True, False)}


def test_rst_at_discharge_within_7_days(build):
    # CM episodes discharged 15 March 2024: window 8–22 March, due from the end of 22 March.
    con = load(build, [episode(f"Q{n}", "CM", "2024-01-01", "2024-03-15") for n in range(1, 5)]
               + [episode("Q5", "CM", "2024-01-01"), episode("Q6", "RSC-I", "2024-01-01", "2024-03-15")],
               [contact("Q1", "2024-03-08 08:00", "rst_meeting"),   # 7 days before: in time
                contact("Q2", "2024-03-07 20:00", "rst_meeting"),   # 8 days before: too early
                contact("Q3", "2024-03-22 17:00", "rst_meeting"),   # 7 days after: in time
                contact("Q4", "2024-03-23 09:00", "rst_meeting"),   # 8 days after: too late
                contact("Q5", "2024-03-15", "rst_meeting"),         # not discharged: not applicable
                contact("Q6", "2024-03-15", "rst_meeting")])        # RSC: not applicable
    assert milestone_rows(adherence.milestones_episodes(con, Filters(as_of=d("2024-03-21"))), "rst_at_discharge") \
        == {f"Q{n}": (False, False) for n in range(1, 5)}
    assert milestone_rows(adherence.milestones_episodes(con, Filters(as_of=d("2024-03-22"))), "rst_at_discharge") \
        == {"Q1": (True, True), "Q2": (True, False), "Q3": (True, True), "Q4": (True, False)}
    # A discharge after D has not happened yet.
    assert milestone_rows(adherence.milestones_episodes(con, Filters(as_of=d("2024-03-14"))), "rst_at_discharge") \
        == {}


def test_milestone_filters(build):
    # rst_formed deadlines: Y1 15 January, Y2 (A2) 15 February.
    con = load(build, [episode("Y1", "RSC-I", "2024-01-01"), episode("Y2", "RSC-I", "2024-02-01", agency="A2")],
               [contact("Y1", "2024-01-03", "rst_meeting")])
    as_of = d("2024-06-30")
    everything = adherence.milestones(con, Filters(as_of=as_of))
    assert set(everything["agency_id"]) == {"A1", "A2"}
    only_a2 = adherence.milestones(con, Filters(as_of=as_of, agencies=("A2",)))
    assert set(only_a2["agency_id"]) == {"A2"}
    january = adherence.milestones_episodes(con, Filters(as_of=as_of, period_start=d("2024-01-15"),
                                                         period_end=d("2024-01-31")))
    # Only Y1's rst_formed (15 Jan) and sccp_final (31 Jan) deadlines lie in January; sccp_review
    # has no deadline without a final plan.
    assert sorted(zip(january["episode_id"], january["milestone"], strict=True)) == [
        ("Y1", "rst_formed"), ("Y1", "sccp_final")]
