"""Caseload utilization on small hand-built extracts; expected figures worked out by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import polars as pl
import pytest

from metrics.measures.caseload import caseload_agency, caseload_staff, caseload_trend
from metrics.policy.filters import Filters
from metrics.policy.settings import Settings

D = dt.date(2024, 3, 20)

STAFF_HEADER = "staff_id,agency_id,role,fte,hired_on,separated_on"
STAFF_COLUMNS = ["as_of", "agency_id", "staff_id", "role", "fte", "caseload", "capacity", "utilization", "band"]
AGENCY_COLUMNS = ["as_of", "agency_id", "role", "staff", "caseload", "capacity", "utilization", "staff_over"]
TREND_COLUMNS = ["month_end", *AGENCY_COLUMNS[1:]]


def case(staff: str, client: str, start: str, end: str = "", *, discharged: str = "", family: str = "",
         episode: str | None = None, agency: str = "A1") -> dict:
    """One assignment of ``client`` to ``staff``; assignments naming the same ``episode`` share it."""
    return {"staff": staff, "client": client, "start": start, "end": end, "discharged": discharged,
            "family": family, "episode": episode, "agency": agency}


def clients(staff: str, count: int, start: str = "2024-01-02", prefix: str | None = None) -> list[dict]:
    """``count`` open assignments of distinct clients to ``staff``."""
    prefix = prefix or f"{staff}-c"
    return [case(staff, f"{prefix}{n}", start) for n in range(count)]


def load(build, staff: list[str], cases: list[dict]):
    """An extract holding exactly these staff (besides nobody else) and assignments."""
    client_rows: dict[str, str] = {}
    episode_rows: dict[str, str] = {}
    assignment_rows = []
    for number, c in enumerate(cases):
        episode = c["episode"] or f"E{number}"
        client_rows.setdefault(c["client"], f"{c['client']},{c['family']},")
        if episode not in episode_rows:
            enrolled, kind = "2023-01-02", "planned" if c["discharged"] else ""
            episode_rows[episode] = (f"{episode},{c['client']},{c['agency']},RSC-I,2023-01-01 09:00,false,,"
                                     f"{enrolled},{c['discharged']},{kind}")
        assignment_rows.append(f"{episode},{c['staff']},{c['start']},{c['end']}")
    return build(replace={
        "staff": "\n".join([STAFF_HEADER, *staff]) + "\n",
        "clients": "\n".join(["client_id,family_id,birth_year", *client_rows.values()]) + "\n",
        "episodes": "\n".join([
            "episode_id,client_id,agency_id,service_level,referred_at,emergency,assigned_at,enrolled_on,"
            "discharged_on,discharge_type", *episode_rows.values()]) + "\n",
        "assignments": "\n".join(["episode_id,staff_id,start_on,end_on", *assignment_rows]) + "\n",
        "contacts": "contact_id,episode_id,staff_id,contact_at,kind,mode\n",
    })


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple]:
    return list(frame.select(columns).iter_rows())


def by_staff(frame: pl.DataFrame) -> dict[str, tuple]:
    return {r["staff_id"]: (r["caseload"], r["capacity"], r["utilization"], r["band"])
            for r in frame.iter_rows(named=True)}


def no_rejects(con) -> None:
    assert con.execute("SELECT * FROM rejects").fetchall() == []


# A1 carries three RSC-I workers, one RSC-F worker and a supervisor; A2 one case manager.
BANDS_STAFF = [
    "I1,A1,RSC-I,1.0,2023-01-01,",
    "I2,A1,RSC-I,0.5,2023-01-01,",
    "I3,A1,RSC-I,0.5,2023-01-01,",
    "F1,A1,RSC-F,,2023-06-01,",  # fte empty: 1.0
    "X1,A1,other,1.0,2023-01-01,",
    "M1,A2,CM,1.0,2023-01-01,",
]
BANDS_CASES = [
    *clients("I1", 16),  # 16 / (20 × 1.0) = 0.8: the lower bound of `at`
    *clients("I2", 11),  # 11 / (20 × 0.5 = 10) = 1.1: over
    *clients("I3", 10),  # 10 / 10 = 1.0: the upper bound of `at`
    # Three clients, two families: Fa and Fb share family FAM, Fc has none (a family of one).
    case("F1", "Fa", "2024-01-02", family="FAM"),
    case("F1", "Fb", "2024-01-02", family="FAM"),
    case("F1", "Fc", "2024-01-02"),
    *clients("X1", 3),  # a supervisor's cases: not shown
    case("M1", "Mc", "2024-01-02", agency="A2"),  # 1 / 50 = 0.02: under
]


@pytest.fixture
def bands(build):
    con = load(build, BANDS_STAFF, BANDS_CASES)
    no_rejects(con)
    return con


def test_staff_rows_bands_and_part_time(bands):
    staff = caseload_staff(bands, Filters(as_of=D))
    assert staff.columns == STAFF_COLUMNS
    # Sorted by agency, role, staff; `other` (X1) absent.
    assert rows(staff, "agency_id", "role", "staff_id") == [
        ("A1", "RSC-F", "F1"), ("A1", "RSC-I", "I1"), ("A1", "RSC-I", "I2"), ("A1", "RSC-I", "I3"),
        ("A2", "CM", "M1"),
    ]
    assert staff["as_of"].to_list() == [D] * 5
    assert staff["fte"].to_list() == [1.0, 1.0, 0.5, 0.5, 1.0]
    assert by_staff(staff) == {
        "F1": (2, 15.0, pytest.approx(2 / 15), "under"),
        "I1": (16, 20.0, 0.8, "at"),
        "I2": (11, 10.0, 1.1, "over"),
        "I3": (10, 10.0, 1.0, "at"),
        "M1": (1, 50.0, 0.02, "under"),
    }


def test_agency_role_sums(bands):
    agency = caseload_agency(bands, Filters(as_of=D))
    assert agency.columns == AGENCY_COLUMNS
    assert rows(agency, *AGENCY_COLUMNS) == [
        (D, "A1", "RSC-F", 1, 2, 15.0, pytest.approx(2 / 15), 0),
        # I1 + I2 + I3: caseload 16 + 11 + 10 = 37, capacity 20 + 10 + 10 = 40, 37/40 = 0.925; I2 is over.
        (D, "A1", "RSC-I", 3, 37, 40.0, 0.925, 1),
        (D, "A2", "CM", 1, 1, 50.0, 0.02, 0),
    ]


def test_agency_filter(bands):
    filters = Filters(as_of=D, agencies=("A2",))
    assert rows(caseload_staff(bands, filters), "staff_id") == [("M1",)]
    assert rows(caseload_agency(bands, filters), "agency_id", "role", "caseload") == [("A2", "CM", 1)]


def test_service_level_filter_narrows_roles(bands):
    filters = Filters(as_of=D, service_levels=("RSC-I",))
    assert rows(caseload_staff(bands, filters), "staff_id") == [("I1",), ("I2",), ("I3",)]
    assert rows(caseload_agency(bands, filters), "agency_id", "role", "staff") == [("A1", "RSC-I", 3)]
    both = Filters(as_of=D, agencies=("A1",), service_levels=("CM", "RSC-F"))
    assert rows(caseload_staff(bands, both), "staff_id") == [("F1",)]


def test_nothing_matching_gives_empty_tables_with_the_columns(bands):
    filters = Filters(as_of=D, agencies=("A2",), service_levels=("RSC-I",))
    assert caseload_staff(bands, filters).columns == STAFF_COLUMNS
    assert caseload_staff(bands, filters).is_empty()
    assert caseload_agency(bands, filters).columns == AGENCY_COLUMNS
    assert caseload_agency(bands, filters).is_empty()
    assert caseload_trend(bands, filters).columns == TREND_COLUMNS
    assert caseload_trend(bands, filters).is_empty()


def test_settings_override_changes_standard_and_bands(bands):
    # CM standard 2: M1 carries 1 of 2 = 0.5, still under the default bounds.
    cm_two = replace(Settings(), caseload_standard={"RSC-I": 20, "RSC-F": 15, "CM": 2})
    assert by_staff(caseload_staff(bands, Filters(as_of=D), settings=cm_two))["M1"] == (1, 2.0, 0.5, "under")
    # With `at` from 0.5 and `over` above 0.9: I1 (0.8) at, I3 (1.0) over, M1 (0.5) at.
    bounds = replace(cm_two, band_at_lower=0.5, band_over_above=0.9)
    staff = by_staff(caseload_staff(bands, Filters(as_of=D), settings=bounds))
    assert {s: v[3] for s, v in staff.items()} == {"F1": "under", "I1": "at", "I2": "over", "I3": "over",
                                                   "M1": "at"}
    # staff_over follows the bounds: I2 and I3 over in A1 RSC-I, M1 only at.
    agency = caseload_agency(bands, Filters(as_of=D), settings=bounds)
    assert rows(agency, "role", "staff_over") == [("RSC-F", 0), ("RSC-I", 2), ("CM", 0)]


def test_a_role_without_a_standard_in_the_settings_is_not_shown(bands):
    no_cm = replace(Settings(), caseload_standard={"RSC-I": 20, "RSC-F": 15})
    assert "M1" not in by_staff(caseload_staff(bands, Filters(as_of=D), settings=no_cm))


def test_families_count_for_rsc_f_only(build):
    con = load(build, ["F1,A1,RSC-F,1.0,2023-01-01,", "I1,A1,RSC-I,1.0,2023-01-01,"], [
        # F1: P and Q are family FAM; R has no family; S's family id is spelt like R's client id,
        # yet family "R" and client R are different units: FAM, R (itself), family R = 3.
        case("F1", "P", "2024-01-02", family="FAM"),
        case("F1", "Q", "2024-01-02", family="FAM"),
        case("F1", "R", "2024-01-02"),
        case("F1", "S", "2024-01-02", family="R"),
        # I1 carries P and Q too: an RSC-I caseload counts clients, 2.
        case("I1", "P", "2024-01-02", episode="EP2"),
        case("I1", "Q", "2024-01-02", episode="EQ2"),
    ])
    no_rejects(con)
    staff = by_staff(caseload_staff(con, Filters(as_of=D)))
    assert staff["F1"] == (3, 15.0, pytest.approx(3 / 15), "under")
    assert staff["I1"] == (2, 20.0, 0.1, "under")


def test_who_is_active_on_d(build):
    con = load(build, [
        "L1,A1,CM,1.0,2023-01-01,2024-03-19",  # left the day before D: not shown
        "L2,A1,CM,1.0,2023-01-01,2024-03-20",  # last day is D: shown
        "H1,A1,CM,1.0,2024-03-21,",  # hired after D: not shown
        "H2,A1,CM,1.0,2024-03-20,",  # hired on D: shown, with no caseload
    ], [
        case("L1", "a", "2024-01-02"),
        case("L2", "b", "2024-01-02"),
        case("L2", "c", "2024-01-02"),
    ])
    no_rejects(con)
    staff = by_staff(caseload_staff(con, Filters(as_of=D)))
    # L2: 2 / 50 = 0.04; H2: 0 / 50 = 0.
    assert staff == {"L2": (2, 50.0, 0.04, "under"), "H2": (0, 50.0, 0.0, "under")}
    agency = caseload_agency(con, Filters(as_of=D))
    assert rows(agency, "agency_id", "role", "staff", "caseload", "capacity", "utilization") == [
        ("A1", "CM", 2, 2, 100.0, 0.02),
    ]


def test_which_assignments_count_on_d(build):
    con = load(build, ["W,A1,RSC-I,1.0,2023-01-01,", "V,A1,RSC-I,1.0,2023-01-01,"], [
        case("W", "k1", "2024-01-02", discharged="2024-03-10"),  # discharged before D: not counted
        case("W", "k2", "2024-01-02", "2024-03-20"),  # end_on is D: counted
        case("W", "k3", "2024-01-02", discharged="2024-03-20"),  # discharged on D: counted
        case("W", "k4", "2024-01-02", "2024-03-19"),  # ended the day before D: not counted
        case("W", "k5", "2024-03-21"),  # starts after D: not counted
        case("W", "k6", "2024-03-20"),  # starts on D: counted
        case("W", "k7", "2024-01-02", "2024-04-30", discharged="2024-03-15"),  # discharge first: not counted
        case("W", "k8", "2024-01-02", "2024-03-18", discharged="2024-05-01"),  # end_on first: not counted
        # Two episodes of one client, both with W: one client.
        case("W", "k9", "2024-01-02", episode="K9a"),
        case("W", "k9", "2024-02-01", episode="K9b"),
        # A transfer: V carried episode T until 1 March, W from 2 March. Counted once, for W.
        case("V", "t", "2023-11-01", "2024-03-01", episode="T"),
        case("W", "t", "2024-03-02", episode="T"),
    ])
    no_rejects(con)
    staff = by_staff(caseload_staff(con, Filters(as_of=D)))
    # W: k2, k3, k6, k9, t = 5 → 5/20 = 0.25; V: nothing on D.
    assert staff == {"V": (0, 20.0, 0.0, "under"), "W": (5, 20.0, 0.25, "under")}
    # Ten days earlier (10 March) V has nothing (its assignment ended 1 March) and W has
    # k1 (discharged that day), k2, k3, k4, k7, k8, k9, t = 8.
    earlier = by_staff(caseload_staff(con, Filters(as_of=dt.date(2024, 3, 10))))
    assert earlier["W"][0] == 8 and earlier["V"][0] == 0
    # On 1 March the transfer is still V's: V 1; W k1, k2, k3, k4, k7, k8, k9 = 7.
    first = by_staff(caseload_staff(con, Filters(as_of=dt.date(2024, 3, 1))))
    assert (first["V"][0], first["W"][0]) == (1, 7)


def test_floating_point_cannot_move_a_worker_across_a_band(build):
    # 0.58 × 50 is 28.999999999999996 in a double and 0.55 × 50 is 27.500000000000004:
    # unrounded, 29 clients would read as just over 1.0 and 22 as just under 0.8.
    con = load(build, ["M58,A1,CM,0.58,2023-01-01,", "M55,A1,CM,0.55,2023-01-01,"],
               [*clients("M58", 29), *clients("M55", 22)])
    staff = by_staff(caseload_staff(con, Filters(as_of=D)))
    assert staff == {"M58": (29, 29.0, 1.0, "at"), "M55": (22, 27.5, 0.8, "at")}


TREND_STAFF = [
    "T1,A1,RSC-I,1.0,2024-01-10,",
    "T2,A2,CM,1.0,2024-02-15,2024-03-05",
]
TREND_CASES = [
    case("T1", "a", "2024-01-10"),  # open: every month end
    case("T1", "b", "2024-02-29", "2024-03-10"),  # starts on the leap day: 29 Feb only
    case("T1", "c", "2024-01-20", "2024-02-28"),  # ends the day before the leap day: 31 Jan only
    case("T1", "d", "2024-01-10", discharged="2024-02-29"),  # discharged on the leap day: 31 Jan, 29 Feb
    case("T1", "e", "2024-02-01"),  # open from February
    case("T2", "f", "2024-02-15", agency="A2"),
]


@pytest.fixture
def trend_con(build):
    con = load(build, TREND_STAFF, TREND_CASES)
    no_rejects(con)
    return con


def test_trend_at_month_ends_including_the_leap_day(trend_con):
    trend = caseload_trend(trend_con, Filters(as_of=D))
    assert trend.columns == TREND_COLUMNS
    # Month ends from January (T1's hire) up to D = 20 March, which is not a month end:
    # 31 Jan: T1 a, c, d = 3 of 20; T2 not hired yet.
    # 29 Feb: T1 a, b, d, e = 4 of 20; T2 f = 1 of 50.
    assert rows(trend, *TREND_COLUMNS) == [
        (dt.date(2024, 1, 31), "A1", "RSC-I", 1, 3, 20.0, 0.15, 0),
        (dt.date(2024, 2, 29), "A1", "RSC-I", 1, 4, 20.0, 0.2, 0),
        (dt.date(2024, 2, 29), "A2", "CM", 1, 1, 50.0, 0.02, 0),
    ]


def test_trend_includes_d_when_it_is_a_month_end(trend_con):
    march_end = dt.date(2024, 3, 31)
    trend = caseload_trend(trend_con, Filters(as_of=march_end))
    # 31 Mar: T1 a, e = 2 of 20 (b ended 10 March, d discharged); T2 separated on 5 March.
    assert rows(trend.filter(pl.col("month_end") == march_end), "agency_id", "caseload", "utilization") == [
        ("A1", 2, 0.1),
    ]
    # The snapshot at D is the agency table on D.
    agency = caseload_agency(trend_con, Filters(as_of=march_end))
    assert trend.filter(pl.col("month_end") == march_end).rename({"month_end": "as_of"}).equals(agency)


def test_trend_keeps_month_ends_within_the_period(trend_con):
    feb = Filters(as_of=dt.date(2024, 3, 31), period_start=dt.date(2024, 2, 1), period_end=dt.date(2024, 2, 29))
    assert rows(caseload_trend(trend_con, feb), "month_end", "agency_id") == [
        (dt.date(2024, 2, 29), "A1"), (dt.date(2024, 2, 29), "A2"),
    ]
    # A start within a month keeps that month's end; D bounds the end of an open period.
    late = Filters(as_of=dt.date(2024, 3, 31), period_start=dt.date(2024, 2, 10))
    assert sorted(set(caseload_trend(trend_con, late)["month_end"])) == [dt.date(2024, 2, 29),
                                                                          dt.date(2024, 3, 31)]
    # A period ending before the first month end has none.
    assert caseload_trend(trend_con, replace(feb, period_end=dt.date(2024, 2, 28))).is_empty()
    # The snapshot on D does not depend on the period.
    assert caseload_staff(trend_con, feb).equals(caseload_staff(trend_con, Filters(as_of=dt.date(2024, 3, 31))))


def test_trend_honours_the_filters(trend_con):
    only_a2 = caseload_trend(trend_con, Filters(as_of=D, agencies=("A2",)))
    assert rows(only_a2, "month_end", "agency_id", "role", "staff") == [(dt.date(2024, 2, 29), "A2", "CM", 1)]
    only_rsc = caseload_trend(trend_con, Filters(as_of=D, service_levels=("RSC-I",)))
    assert set(only_rsc["role"]) == {"RSC-I"} and only_rsc.height == 2


def test_trend_starts_with_the_first_assignment_not_the_first_hire(build):
    # T1 was hired in 2020 but carried nobody before March 2024: months of zero caseload
    # before the extract holds any assignment would read as an empty program.
    staff = ["T1,A1,RSC-I,1.0,2020-06-01,"]
    con = load(build, staff, [case("T1", "a", "2024-03-04")])
    trend = caseload_trend(con, Filters(as_of=dt.date(2024, 4, 30)))
    assert trend["month_end"].to_list() == [dt.date(2024, 3, 31), dt.date(2024, 4, 30)]


def test_a_unit_counts_once_however_its_assignments_overlap(build):
    con = load(build, ["F1,A1,RSC-F,1.0,2023-01-01,"], [
        # Family FAM: P and Q with the very same dates, then P again from 5 February, overlapping
        # them and open: FAM on every month end.
        case("F1", "P", "2024-01-02", "2024-02-10", family="FAM"),
        case("F1", "Q", "2024-01-02", "2024-02-10", family="FAM"),
        case("F1", "P", "2024-02-05", family="FAM", episode="P2"),
        # R (no family): until 31 January, then again from 1 March: not on 29 February.
        case("F1", "R", "2024-01-15", "2024-01-31"),
        case("F1", "R", "2024-03-01", episode="R2"),
    ])
    no_rejects(con)
    trend = caseload_trend(con, Filters(as_of=dt.date(2024, 3, 31)))
    assert rows(trend, "month_end", "caseload", "capacity") == [
        (dt.date(2024, 1, 31), 2, 15.0), (dt.date(2024, 2, 29), 1, 15.0), (dt.date(2024, 3, 31), 2, 15.0),
    ]
    # The same on single days: 8 February (FAM three times over, no R) and 1 March.
    assert by_staff(caseload_staff(con, Filters(as_of=dt.date(2024, 2, 8))))["F1"][0] == 1
    assert by_staff(caseload_staff(con, Filters(as_of=dt.date(2024, 3, 1))))["F1"][0] == 2
